package dev.moxing.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GgufWriterTest {
    @TempDir
    Path tmp;

    @Test
    void everyValueTypeRoundTrips() throws IOException {
        GgufWriter w = GgufSamples.everyValueType();
        Path p = tmp.resolve("values.gguf");
        w.write(p);
        GgufFile f = GgufFile.open(p);
        assertThat(f.version()).isEqualTo(3);
        assertThat(f.tensors()).isEmpty();
        assertThat(f.metadata()).hasSize(29);
        assertThat(f.metadata()).containsExactlyEntriesOf(w.metadata()); // same order, equal typed values
        assertThat(f.value("t.uint64").value()).isEqualTo(-1L);
        assertThat(f.string("t.string")).isEqualTo("héllo, 世界 \n\"quoted\"");
        assertThat(f.value("a.deepest")).isEqualTo(GgufSamples.nested(GgufParser.MAX_NESTING));
        if (Files.getFileStore(p).supportsFileAttributeView("posix")) { // a plain new file's mode, not a temp file's 0600
            Path plain = Files.createFile(tmp.resolve("plain"));
            assertThat(Files.getPosixFilePermissions(p)).isEqualTo(Files.getPosixFilePermissions(plain));
        }
    }

    @Test
    void rewritingIsByteIdenticalAndValuesMatchTheirConstruction() throws IOException {
        Path p = tmp.resolve("v.gguf");
        GgufSamples.everyValueType().write(p);
        GgufFile f = GgufFile.open(p);
        Path q = tmp.resolve("w.gguf");
        GgufWriter.copyOf(f).write(q);
        assertThat(Files.mismatch(p, q)).isEqualTo(-1);
        assertThat(f.value("a.float32")).isEqualTo(GgufValue.ofArray(GgufValue.Type.FLOAT32,
                new float[] {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, 1e-45f}));
        assertThat(f.value("a.nested").length()).isEqualTo(3);
        assertThat(f.value("t.uint8")).isEqualTo(new GgufValue(GgufValue.Type.UINT8, null, 255));
        assertThat(f.value("t.int16")).isEqualTo(new GgufValue(GgufValue.Type.INT16, null, -32768));
        assertThat(f.value("t.float64")).isEqualTo(new GgufValue(GgufValue.Type.FLOAT64, null, Math.PI));
    }

    @Test
    void tensorsRoundTripAlignedAndPadded() throws IOException {
        Path p = tmp.resolve("m.gguf");
        GgufWriter w = GgufSamples.tinyModel(1);
        w.write(p);
        GgufFile f = GgufFile.open(p);
        assertThat(f.alignment()).isEqualTo(32);
        assertThat(f.dataStart() % 32).isZero();
        assertThat(f.tensors().keySet()).containsExactly("token_embd.weight", "blk.0.attn_q.weight", "blk.0.ffn_up.weight", "output_norm.weight");
        GgufTensorInfo q = f.tensors().get("blk.0.attn_q.weight");
        assertThat(q.type()).isEqualTo(GgmlType.Q8_0);
        assertThat(q.shape()).containsExactly(4, 32);
        assertThat(q.byteSize()).isEqualTo(4 * 34);
        long expected = 0;
        for (GgufTensorInfo t : f.tensors().values()) {
            assertThat(t.offset()).isEqualTo(expected);
            expected = GgufParser.alignUp(expected + t.byteSize(), 32);
        }
        assertThat(f.fileSize()).isEqualTo(f.dataStart() + expected); // the last tensor is padded too
        Random r = new Random(1);
        int[] sizes = {5 * 32 * 4, 4 * 34, 3 * 32 * 2, 7 * 4};
        int i = 0;
        for (GgufTensorInfo t : f.tensors().values()) {
            assertThat(f.data(t).mismatch(GgufSamples.random(r, sizes[i++]))).as(t.name()).isEqualTo(-1);
        }
    }

    @Test
    void alignmentFromMetadataAndCallbackData() throws IOException {
        GgufWriter w = new GgufWriter();
        w.put("general.alignment", GgufValue.ofUint32(256));
        w.addTensor("a", GgmlType.F32, new int[] {3}, out -> out.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})));
        w.addTensor("b", GgmlType.I8, new int[] {2, 1, 1, 5}, out -> {
            for (int k = 0; k < 10; k++) out.write(ByteBuffer.wrap(new byte[] {(byte) k}));
        });
        Path p = tmp.resolve("a.gguf");
        w.write(p);
        GgufFile f = GgufFile.open(p);
        assertThat(f.alignment()).isEqualTo(256);
        assertThat(f.dataStart() % 256).isZero();
        assertThat(f.tensors().get("b").offset()).isEqualTo(256);
        assertThat(f.tensors().get("b").shape()).containsExactly(2, 1, 1, 5);
        assertThat(f.data(f.tensors().get("b")).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(f.fileSize()).isEqualTo(f.dataStart() + 512);
    }

    @Test
    void invalidAdditionsAreRefusedWithClearMessages() {
        GgufWriter w = new GgufWriter();
        w.put("k", GgufValue.of("v"));
        assertThatThrownBy(() -> w.put("k", GgufValue.of("again"))).hasMessageContaining("'k' is already set");
        assertThatThrownBy(() -> w.put("", GgufValue.of("x"))).hasMessageContaining("key must be 1..65535 bytes");
        assertThatThrownBy(() -> w.put("x", new GgufValue(GgufValue.Type.UINT8, null, 256))).hasMessageContaining("'x': UINT8 cannot hold Integer 256");
        assertThatThrownBy(() -> w.put("x", new GgufValue(GgufValue.Type.INT32, null, "s"))).hasMessageContaining("INT32 cannot hold String");
        assertThatThrownBy(() -> w.put("x", new GgufValue(GgufValue.Type.UINT32, null, -1L))).hasMessageContaining("UINT32 cannot hold Long -1");
        assertThatThrownBy(() -> w.put("x", GgufValue.ofArray(GgufValue.Type.INT16, new int[] {40000}))).hasMessageContaining("INT16 cannot hold Integer 40000");
        assertThatThrownBy(() -> w.put("x", GgufValue.ofArray(GgufValue.Type.FLOAT32, new double[1]))).hasMessageContaining("array of FLOAT32 holds double[]");
        assertThatThrownBy(() -> w.put("x", GgufSamples.nested(GgufParser.MAX_NESTING + 1))).hasMessageContaining("nested deeper than 8");
        assertThatThrownBy(() -> w.put("general.alignment", GgufValue.ofUint32(48))).hasMessageContaining("power of two");
        assertThatThrownBy(() -> w.put("general.alignment", GgufValue.ofFloat32(32))).hasMessageContaining("power of two");

        MemorySegment four = MemorySegment.ofArray(new byte[4]);
        w.addTensor("t", GgmlType.F32, new int[] {1}, four);
        assertThatThrownBy(() -> w.addTensor("t", GgmlType.F32, new int[] {1}, four)).hasMessageContaining("'t' is already added");
        assertThatThrownBy(() -> w.addTensor("u", GgmlType.F32, new int[] {2}, four))
                .hasMessageContaining("'u': F32 [2] takes 8 bytes, the data has 4");
        assertThatThrownBy(() -> w.addTensor("u", GgmlType.Q4_0, new int[] {2, 16}, four))
                .hasMessageContaining("row length 16 is not a multiple of the block size 32");
        assertThatThrownBy(() -> w.addTensor("u", GgmlType.F32, new int[] {}, four)).hasMessageContaining("expected 1..4 dimensions");
        assertThatThrownBy(() -> w.addTensor("u", GgmlType.F32, new int[] {1, 1, 1, 1, 1}, four)).hasMessageContaining("expected 1..4 dimensions");
        assertThatThrownBy(() -> w.addTensor("u", GgmlType.F32, new int[] {0, 1}, four)).hasMessageContaining("dimensions must be positive");
        assertThatThrownBy(() -> w.addTensor("x".repeat(64), GgmlType.F32, new int[] {1}, four)).hasMessageContaining("name must be 1..63 bytes");
    }

    @Test
    void aFailedWriteLeavesTheTargetAsItWasAndNoTemporary() throws IOException {
        Path p = tmp.resolve("keep.gguf");
        Files.writeString(p, "previous content");
        GgufWriter tooShort = new GgufWriter();
        tooShort.addTensor("t", GgmlType.F32, new int[] {4}, out -> out.write(ByteBuffer.wrap(new byte[8])));
        assertThatThrownBy(() -> tooShort.write(p)).hasMessageContaining("'t': its data source wrote 8 bytes, expected 16");
        GgufWriter tooLong = new GgufWriter();
        tooLong.addTensor("t", GgmlType.F32, new int[] {1}, out -> out.write(ByteBuffer.wrap(new byte[8])));
        assertThatThrownBy(() -> tooLong.write(p)).hasMessageContaining("wrote more than the tensor's 4 bytes");
        GgufWriter failing = new GgufWriter();
        failing.addTensor("t", GgmlType.F32, new int[] {1}, out -> {
            throw new IOException("disk on fire");
        });
        assertThatThrownBy(() -> failing.write(p)).hasMessage("disk on fire");
        assertThat(Files.readString(p)).isEqualTo("previous content");
        try (var files = Files.list(tmp)) {
            assertThat(files).containsExactly(p);
        }
    }
}
