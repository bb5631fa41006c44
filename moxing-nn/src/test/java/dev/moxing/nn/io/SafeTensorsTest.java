package dev.moxing.nn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moxing.nn.layers.BatchNorm1d;
import dev.moxing.nn.layers.Linear;
import dev.moxing.random.Rng;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * safetensors writing and reading: round trips, a file written by an independent numpy writer
 * ({@code tools/reference/read_safetensors.py --write-fixture}), and every class of malformed file
 * the reader must refuse, with messages that name the file, the tensor and the field.
 */
class SafeTensorsTest {
    @TempDir
    Path dir;

    @Test
    void roundTripKeepsOrderShapesValuesAndMetadata() throws IOException {
        Rng rng = new Rng(1);
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("layer.weight", Tensor.randn(rng, 2, 3, 4));
        in.put("transposed", Tensor.randn(rng, 3, 5).t()); // not contiguous: written row-major
        in.put("scalar", Tensor.scalar(-1.25f));
        in.put("empty", Tensor.zeros(0, 3));
        in.put("ids", Tensor.ofInts(new int[] {1, -2, Integer.MAX_VALUE}, 3));
        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(file, in, Map.of("epoch", "3", "format", "pt"));

        Map<String, Tensor> out = SafeTensors.read(file);
        assertThat(out.keySet()).containsExactlyElementsOf(in.keySet());
        for (var e : in.entrySet()) {
            Tensor t = out.get(e.getKey());
            assertThat(t.shape()).as(e.getKey()).containsExactly(e.getValue().shape());
            assertThat(t.dtype()).isEqualTo(e.getValue().dtype());
            assertThat(t.toFloatArray()).as(e.getKey()).containsExactly(e.getValue().toFloatArray());
        }
        assertThat(out.get("ids").toIntArray()).containsExactly(1, -2, Integer.MAX_VALUE);
        assertThat(SafeTensors.readMetadata(file)).containsExactlyInAnyOrderEntriesOf(Map.of("epoch", "3", "format", "pt"));

        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong();
        assertThat((8 + n) % 8).as("data section is 8-byte aligned").isZero();
        long data = (24 + 15 + 1 + 0 + 3) * 4;
        assertThat(Files.size(file)).isEqualTo(8 + n + data);
        String header = new String(Files.readAllBytes(file), 8, (int) n, StandardCharsets.UTF_8);
        assertThat(header).startsWith("{\"__metadata__\"").contains("\"dtype\":\"F32\"");
    }

    @Test
    void int32ValuesAboveTwoToThe24SurviveExactly() throws IOException {
        int[] ids = {16_777_217, 123_456_789, -987_654_321};
        Path file = dir.resolve("ids.safetensors");
        SafeTensors.write(file, Map.of("ids", Tensor.ofInts(ids, 3)));
        Tensor back = SafeTensors.read(file).get("ids");
        assertThat(back.dtype()).isEqualTo(DType.I32);
        assertThat(back.toIntArray()).containsExactly(ids);
        // An I32 tensor over a segment (e.g. from another reader) is written byte for byte.
        MemorySegment seg = MemorySegment.ofArray(ids);
        Path again = dir.resolve("ids2.safetensors");
        SafeTensors.write(again, Map.of("ids", Tensor.fromSegment(seg, DType.I32, 3)));
        assertThat(SafeTensors.read(again).get("ids").toIntArray()).containsExactly(ids);
    }

    @Test
    void writeIsAtomicAndLeavesNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("w.safetensors");
        SafeTensors.write(file, Map.of("a", Tensor.ones(2)));
        SafeTensors.write(file, Map.of("b", Tensor.zeros(3)));
        assertThat(SafeTensors.read(file).keySet()).containsExactly("b");
        // A failure half-way through (a non-contiguous F16 tensor cannot be written byte for byte)
        // leaves the previous file in place and no temporary behind.
        Tensor f16 = Tensor.fromSegment(MemorySegment.ofArray(new short[6]), DType.F16, 2, 3).t();
        Map<String, Tensor> bad = new LinkedHashMap<>();
        bad.put("ok", Tensor.ones(4));
        bad.put("half", f16);
        assertThatThrownBy(() -> SafeTensors.write(file, bad)).hasMessageContaining("'half'");
        assertThat(SafeTensors.read(file).keySet()).containsExactly("b");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void readsTheFileWrittenByNumpy() throws IOException {
        Path file = dir.resolve("numpy.safetensors");
        try (InputStream in = getClass().getResourceAsStream("/fixtures/layers/numpy_written.safetensors")) {
            assertThat(in).isNotNull();
            Files.copy(in, file);
        }
        Map<String, Tensor> t = SafeTensors.read(file);
        assertThat(t.keySet()).containsExactly("weights.f32", "half", "brain", "ids", "scalar");
        float[] f32 = new float[24];
        for (int i = 0; i < 24; i++) f32[i] = i * 0.25f - 3f;
        assertThat(t.get("weights.f32").shape()).containsExactly(2, 3, 4);
        assertThat(t.get("weights.f32").toFloatArray()).containsExactly(f32);
        assertThat(t.get("half").dtype()).isEqualTo(DType.F16);
        assertThat(t.get("half").shape()).containsExactly(3, 2);
        assertThat(t.get("half").toFloatArray()).containsExactly(-0.25f, -0.125f, 0f, 0.125f, 0.25f, 0.375f);
        assertThat(t.get("brain").dtype()).isEqualTo(DType.BF16);
        assertThat(t.get("brain").toFloatArray()).containsExactly(1f, -2.5f, 0.15625f, 1024f, -0.0078125f);
        assertThat(t.get("ids").dtype()).isEqualTo(DType.I32);
        assertThat(t.get("ids").toIntArray()).containsExactly(7, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 0, 42);
        assertThat(t.get("scalar").shape()).isEmpty();
        assertThat(t.get("scalar").item()).isEqualTo(3.5f);
        assertThat(SafeTensors.readMetadata(file)).containsExactlyInAnyOrderEntriesOf(Map.of("format", "pt", "writer", "numpy"));

        // Memory-mapped F16/BF16 tensors are written back byte for byte.
        Path again = dir.resolve("again.safetensors");
        SafeTensors.write(again, t);
        Map<String, Tensor> back = SafeTensors.read(again);
        assertThat(back.get("half").dtype()).isEqualTo(DType.F16);
        assertThat(back.get("half").toFloatArray()).containsExactly(t.get("half").toFloatArray());
        assertThat(back.get("brain").toFloatArray()).containsExactly(t.get("brain").toFloatArray());
    }

    @Test
    void moduleStateSurvivesARoundTrip() throws IOException {
        Linear a = new Linear(5, 3, true, new Rng(2));
        Path file = dir.resolve("linear.safetensors");
        SafeTensors.write(file, a.stateDict());
        Linear b = new Linear(5, 3, true, new Rng(3));
        b.loadStateDict(SafeTensors.read(file));
        assertThat(b.weight().toFloatArray()).containsExactly(a.weight().toFloatArray());
        assertThat(b.bias().toFloatArray()).containsExactly(a.bias().toFloatArray());

        BatchNorm1d bn = new BatchNorm1d(4);
        bn.forward(Tensor.randn(new Rng(4), 8, 4));
        SafeTensors.write(file, bn.stateDict());
        BatchNorm1d bn2 = new BatchNorm1d(4);
        bn2.loadStateDict(SafeTensors.read(file));
        assertThat(bn2.runningMean().toFloatArray()).containsExactly(bn.runningMean().toFloatArray());
        assertThat(bn2.runningVar().toFloatArray()).containsExactly(bn.runningVar().toFloatArray());
    }

    // ---------------------------------------------------------------- malformed files

    /** A file with the given header text (padded to 8 bytes) and data; length overrides the header length field. */
    private Path craft(String name, String header, int dataBytes, Long length) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(length != null ? length : padded).put(h);
        while (b.position() < 8 + padded) b.put((byte) ' ');
        Path file = dir.resolve(name);
        Files.write(file, b.array());
        return file;
    }

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + ","
                + end + "]}";
    }

    @Test
    void truncatedFiles() throws IOException {
        Path file = dir.resolve("t.safetensors");
        SafeTensors.write(file, Map.of("w", Tensor.ones(4, 4)));
        byte[] all = Files.readAllBytes(file);

        Files.write(file, java.util.Arrays.copyOf(all, all.length - 5)); // data cut short
        assertThatThrownBy(() -> SafeTensors.read(file))
                .isInstanceOf(SafeTensorsFormatException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("tensor 'w'")
                .hasMessageContaining("data_offsets [0,64] end past the data section (59 bytes)");

        Files.write(file, java.util.Arrays.copyOf(all, 20)); // header cut short
        assertThatThrownBy(() -> SafeTensors.read(file)).hasMessageContaining("exceeds the file (20 bytes");

        Files.write(file, java.util.Arrays.copyOf(all, 5));
        assertThatThrownBy(() -> SafeTensors.read(file))
                .hasMessage(file + ": file is 5 bytes, too short for the 8-byte header length");
    }

    @Test
    void lyingHeaderLengths() throws IOException {
        String header = "{" + entry("w", "F32", "[2]", 0, 8) + "}";
        Path huge = craft("huge.safetensors", header, 8, 1L << 40);
        assertThatThrownBy(() -> SafeTensors.read(huge))
                .hasMessageContaining(huge.toString()).hasMessageContaining("header length 1099511627776 exceeds the file");
        Path negative = craft("neg.safetensors", header, 8, -1L);
        assertThatThrownBy(() -> SafeTensors.read(negative)).hasMessageContaining("header length 18446744073709551615");
        Path shortLen = craft("short.safetensors", header, 8, 10L); // cuts the JSON in the middle
        assertThatThrownBy(() -> SafeTensors.read(shortLen)).hasMessageContaining("header is not valid JSON");

        // Over the 100 MB cap (a sparse file, so the test writes almost nothing).
        Path big = dir.resolve("big.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(120_000_000L);
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(110_000_000L).array());
        }
        assertThatThrownBy(() -> SafeTensors.read(big)).hasMessageContaining("over the 100000000-byte limit");
    }

    @Test
    void badOffsets() throws IOException {
        Path overlap = craft("overlap.safetensors",
                "{" + entry("a", "F32", "[4]", 0, 16) + "," + entry("b", "F32", "[4]", 8, 24) + "}", 24, null);
        assertThatThrownBy(() -> SafeTensors.read(overlap))
                .hasMessage(overlap + ": tensors 'a' [0, 16] and 'b' [8, 24] overlap");

        Path past = craft("past.safetensors", "{" + entry("a", "F32", "[4]", 16, 32) + "}", 24, null);
        assertThatThrownBy(() -> SafeTensors.read(past))
                .hasMessage(past + ": tensor 'a': data_offsets [16,32] end past the data section (24 bytes)");

        Path span = craft("span.safetensors", "{" + entry("a", "F32", "[2,3]", 0, 20) + "}", 24, null);
        assertThatThrownBy(() -> SafeTensors.read(span))
                .hasMessage(span + ": tensor 'a': shape (2, 3) of F32 needs 24 bytes but data_offsets [0,20] span 20");

        Path reversed = craft("rev.safetensors", "{" + entry("a", "F32", "[0]", 8, 4) + "}", 8, null);
        assertThatThrownBy(() -> SafeTensors.read(reversed)).hasMessageContaining("tensor 'a': data_offsets [8,4] begin after end");

        Path negative = craft("negoff.safetensors", "{" + entry("a", "F32", "[1]", -4, 0) + "}", 8, null);
        assertThatThrownBy(() -> SafeTensors.read(negative))
                .hasMessageContaining("tensor 'a': data_offsets [-4,0] must hold non-negative integers");

        Path badShape = craft("shape.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,\"x\"],\"data_offsets\":[0,8]}}", 8, null);
        assertThatThrownBy(() -> SafeTensors.read(badShape)).hasMessageContaining("tensor 'a': shape [2,\"x\"]");

        Path hugeShape = craft("hugeshape.safetensors", "{" + entry("a", "F32", "[65536,65536]", 0, 8) + "}", 8, null);
        assertThatThrownBy(() -> SafeTensors.read(hugeShape)).hasMessageContaining("more than 2^31-1 elements");
    }

    @Test
    void unknownDtype() throws IOException {
        Path f64 = craft("f64.safetensors", "{" + entry("d", "F64", "[1]", 0, 8) + "}", 8, null);
        assertThatThrownBy(() -> SafeTensors.read(f64))
                .hasMessage(f64 + ": tensor 'd': dtype 'F64' is not supported (supported: F32, F16, BF16, I32, I8)");
        Path junk = craft("junk.safetensors", "{" + entry("d", "Q9_Z", "[1]", 0, 8) + "}", 8, null);
        assertThatThrownBy(() -> SafeTensors.read(junk)).hasMessageContaining("dtype 'Q9_Z'");
    }

    @Test
    void malformedJson() throws IOException {
        Path dup = craft("dup.safetensors",
                "{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("a", "F32", "[1]", 4, 8) + "}", 8, null);
        assertThatThrownBy(() -> SafeTensors.read(dup)).hasMessageContaining("not valid JSON").hasMessageContaining("'a'");
        Path array = craft("array.safetensors", "[1, 2, 3]", 0, null);
        assertThatThrownBy(() -> SafeTensors.read(array)).hasMessageContaining("header must be a JSON object, got array");
        Path meta = craft("meta.safetensors", "{\"__metadata__\":{\"epoch\":3}}", 0, null);
        assertThatThrownBy(() -> SafeTensors.read(meta))
                .hasMessageContaining("__metadata__ entry 'epoch' must be a string, got 3");
        Path trailing = craft("trailing.safetensors", "{} {}", 0, null);
        assertThatThrownBy(() -> SafeTensors.read(trailing)).hasMessageContaining("not valid JSON");
        Path missing = craft("missing.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, null);
        assertThatThrownBy(() -> SafeTensors.read(missing)).hasMessageContaining("tensor 'a': data_offsets must be [begin, end]");
        Path empty = craft("empty.safetensors", "{}", 0, null);
        assertThat(SafeTensors.read(empty)).isEmpty();
    }
}
