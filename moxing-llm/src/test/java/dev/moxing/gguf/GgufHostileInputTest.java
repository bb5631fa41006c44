package dev.moxing.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Valid files written by {@link GgufWriter}, then corrupted one field at a time: each must fail
 * with a {@link GgufFormatException} naming the file and the field or value — never an
 * out-of-memory error, a hang, or an exception of another type.
 */
class GgufHostileInputTest {
    private static final long TWO_63 = Long.MIN_VALUE; // 2^63 as an unsigned u64
    private static final long TWO_40 = 1L << 40;

    @TempDir
    Path tmp;
    private int files;

    // ---------------------------------------------------------------- helpers

    private byte[] bytesOf(GgufWriter w) throws IOException {
        Path p = tmp.resolve("valid" + files++ + ".gguf");
        w.write(p);
        return Files.readAllBytes(p);
    }

    private Path save(byte[] bytes) throws IOException {
        Path p = tmp.resolve("hostile" + files++ + ".gguf");
        Files.write(p, bytes);
        return p;
    }

    /** Opening must fail with a GgufFormatException naming the file and containing each fragment. */
    private void rejects(byte[] bytes, String... fragments) throws IOException {
        Path p = save(bytes);
        Throwable t = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try {
                GgufFile.open(p);
                return null;
            } catch (Throwable e) {
                return e;
            }
        });
        assertThat(t).as("opening a corrupt file must fail").isNotNull();
        assertThat(t).isExactlyInstanceOf(GgufFormatException.class).hasMessageStartingWith(p + ": ");
        for (String f : fragments) assertThat(t.getMessage()).contains(f);
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Index just past the first occurrence of {@code s}'s UTF-8 bytes (a key or tensor name). */
    private static int after(byte[] b, String s) {
        byte[] n = s.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 0; i + n.length <= b.length; i++) {
            for (int j = 0; j < n.length; j++) if (b[i + j] != n[j]) continue outer;
            return i + n.length;
        }
        throw new AssertionError(s + " not found");
    }

    private static byte[] replace(byte[] b, String from, String to) {
        byte[] c = b.clone();
        byte[] t = to.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(t, 0, c, after(b, from) - t.length, t.length);
        return c;
    }

    private static byte[] patchU32(byte[] b, int at, long v) {
        byte[] c = b.clone();
        le(c).putInt(at, (int) v);
        return c;
    }

    private static byte[] patchU64(byte[] b, int at, long v) {
        byte[] c = b.clone();
        le(c).putLong(at, v);
        return c;
    }

    /** A file with one tensor 't' (F32, shape given) and no metadata: its info starts at byte 24. */
    private byte[] oneTensor(int... shape) throws IOException {
        int n = 1;
        for (int d : shape) n *= d;
        GgufWriter w = new GgufWriter();
        w.addTensor("t", GgmlType.F32, shape, java.lang.foreign.MemorySegment.ofArray(new byte[4 * n]));
        return bytesOf(w);
    }

    /** Hand-built header bytes, for what the writer refuses to produce. */
    private static final class Raw {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Raw u32(long v) {
            out.writeBytes(le(new byte[4]).putInt(0, (int) v).array());
            return this;
        }

        Raw u64(long v) {
            out.writeBytes(le(new byte[8]).putLong(0, v).array());
            return this;
        }

        Raw str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            out.writeBytes(b);
            return this;
        }

        static Raw header(long tensors, long kvs) {
            return new Raw().u32(GgufParser.MAGIC).u32(3).u64(tensors).u64(kvs);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    // ---------------------------------------------------------------- truncation

    @Test
    void truncatedAnywhere() throws IOException {
        byte[] valid = bytesOf(GgufSamples.tinyModel(7));
        GgufFile f = GgufFile.open(save(valid));
        long dataEnd = 0; // a cut in the last tensor's padding still leaves a complete file
        for (GgufTensorInfo t : f.tensors().values()) dataEnd = Math.max(dataEnd, f.dataStart() + t.offset() + t.byteSize());
        java.util.TreeSet<Integer> cuts = new java.util.TreeSet<>();
        for (int i = 0; i < 20; i++) cuts.add((int) ((long) valid.length * i / 20));
        // every header field boundary, and one byte either side
        int infoStart = after(valid, "tokenizer.ggml.bos_token_id") + 8;
        for (int b : new int[] {1, 3, 4, 5, 8, 12, 16, 20, 24, 28, 32, after(valid, "general.architecture"),
                after(valid, "general.architecture") + 4, after(valid, "general.architecture") + 12, infoStart,
                after(valid, "token_embd.weight"), after(valid, "token_embd.weight") + 4, after(valid, "token_embd.weight") + 12,
                after(valid, "token_embd.weight") + 20, after(valid, "token_embd.weight") + 24, after(valid, "output_norm.weight") + 12,
                after(valid, "output_norm.weight") + 20, (int) f.dataStart(), (int) f.dataStart() + 1, (int) dataEnd - 1}) {
            for (int d = -1; d <= 1; d++) cuts.add(b + d);
        }
        for (int cut : cuts) {
            if (cut < 0 || cut >= dataEnd) continue;
            rejects(Arrays.copyOf(valid, cut));
        }
        rejects(new byte[0], "magic missing");
        rejects(Arrays.copyOf(valid, 6), "version", "truncated");
        rejects(Arrays.copyOf(valid, 20), "metadata_kv_count");
        rejects(Arrays.copyOf(valid, (int) dataEnd - 1), "tensor 'output_norm.weight'", "past the end of the data section");
        GgufFile.open(save(Arrays.copyOf(valid, (int) dataEnd))); // only padding lost: still a valid file
    }

    // ---------------------------------------------------------------- fixed header

    @Test
    void badMagicAndVersion() throws IOException {
        byte[] valid = bytesOf(GgufSamples.tinyModel(1));
        rejects(replace(valid, "GGUF", "GGUG"), "not a GGUF file", "0x47554747");
        rejects(replace(valid, "GGUF", "FUGG"), "not a GGUF file");
        rejects(replace(valid, "GGUF", "lmgg"), "not a GGUF file");
        rejects(patchU32(valid, 4, 1), "version 1 is not supported");
        rejects(patchU32(valid, 4, 4), "unsupported GGUF version 4 (expected 2 or 3)");
        rejects(patchU32(valid, 4, 0), "unsupported GGUF version 0 (expected 2 or 3)");
        rejects(patchU32(valid, 4, 0x03000000), "unsupported GGUF version 50331648", "big-endian");
        rejects(patchU32(valid, 4, 0xFFFFFFFFL), "unsupported GGUF version -1 (expected 2 or 3)");
    }

    @Test
    void absurdCounts() throws IOException {
        byte[] valid = bytesOf(GgufSamples.tinyModel(1));
        for (long n : new long[] {TWO_63, TWO_40, -1L, 1L << 32, Integer.MAX_VALUE}) {
            String u = Long.toUnsignedString(n);
            rejects(patchU64(valid, 8, n), "tensor_count " + u + " cannot fit");
            rejects(patchU64(valid, 16, n), "metadata_kv_count " + u + " cannot fit");
        }
        rejects(patchU64(valid, 8, 5), "tensor"); // one more than there are: the data is read as a tensor info
        rejects(patchU64(valid, 16, 9)); // the first tensor info is read as a key, the rest falls apart
    }

    // ---------------------------------------------------------------- metadata

    @Test
    void absurdStringAndArrayLengths() throws IOException {
        byte[] valid = bytesOf(GgufSamples.tinyModel(1));
        int keyLen = 24, firstValue = after(valid, "general.architecture") + 4;
        int tokens = after(valid, "tokenizer.ggml.tokens") + 4; // u32 element type, u64 length
        for (long n : new long[] {TWO_63, TWO_40, -1L, valid.length}) {
            String u = Long.toUnsignedString(n);
            rejects(patchU64(valid, keyLen, n), "metadata entry 0", "key length " + u + " runs past the end");
            rejects(patchU64(valid, firstValue, n), "metadata key 'general.architecture'", "value length " + u);
            rejects(patchU64(valid, tokens + 4, n), "metadata key 'tokenizer.ggml.tokens'", "array length " + u + " cannot fit");
        }
        int scores = after(valid, "tokenizer.ggml.scores") + 4;
        rejects(patchU64(valid, scores + 4, TWO_40), "'tokenizer.ggml.scores'", "array length 1099511627776 cannot fit");
        // an array element's string length
        rejects(patchU64(valid, tokens + 12, TWO_63), "tokenizer.ggml.tokens", "array element 0 length 9223372036854775808");
    }

    @Test
    void unknownValueTypesAndBadBool() throws IOException {
        byte[] valid = bytesOf(GgufSamples.everyValueType());
        int type = after(valid, "t.uint8");
        for (long t : new long[] {13, 255, 0xFFFFFFFFL}) {
            rejects(patchU32(valid, type, t), "metadata key 't.uint8'", "unknown value type " + t);
            rejects(patchU32(valid, after(valid, "a.int8") + 4, t), "'a.int8'", "unknown array element type " + t);
        }
        int bool = after(valid, "t.bool") + 4;
        rejects(patchU32(valid, bool, 2).clone(), "'t.bool'", "bool value 2 (expected 0 or 1)");
        byte[] b = valid.clone();
        b[bool] = (byte) 0xFF;
        rejects(b, "'t.bool'", "bool value 255");
        byte[] c = valid.clone();
        c[after(valid, "a.bool") + 16 + 1] = 7; // second element
        rejects(c, "'a.bool'", "bool value 7");
    }

    @Test
    void nestingDeeperThanTheLimit() throws IOException {
        for (int levels : new int[] {GgufParser.MAX_NESTING + 1, 100_000}) {
            Raw r = Raw.header(0, 1).str("deep").u32(GgufValue.Type.ARRAY.ordinal());
            for (int i = 1; i < levels; i++) r.u32(GgufValue.Type.ARRAY.ordinal()).u64(1);
            r.u32(GgufValue.Type.INT32.ordinal()).u64(1).u32(42);
            rejects(r.bytes(), "metadata key 'deep'", "arrays nested deeper than 8");
        }
        // exactly at the limit is fine
        Raw ok = Raw.header(0, 1).str("deep").u32(GgufValue.Type.ARRAY.ordinal());
        for (int i = 1; i < GgufParser.MAX_NESTING; i++) ok.u32(GgufValue.Type.ARRAY.ordinal()).u64(1);
        ok.u32(GgufValue.Type.INT32.ordinal()).u64(1).u32(GgufParser.MAX_NESTING);
        assertThat(GgufFile.open(save(ok.bytes())).value("deep")).isEqualTo(GgufSamples.nested(GgufParser.MAX_NESTING));
    }

    @Test
    void duplicateKeysAndTensorNames() throws IOException {
        GgufWriter w = GgufSamples.tinyModel(1);
        w.put("general.nama", GgufValue.of("x"));
        byte[] valid = bytesOf(w);
        rejects(replace(valid, "general.nama", "general.name"), "metadata key 'general.name'", "duplicate key");
        rejects(replace(valid, "blk.0.attn_q.weight", "blk.0.ffn_up.weight".substring(0, 19)), "duplicate tensor name");
    }

    @Test
    void badAlignment() throws IOException {
        GgufWriter w = GgufSamples.tinyModel(1);
        w.put("general.alignment", GgufValue.ofUint32(64));
        byte[] valid = bytesOf(w);
        int value = after(valid, "general.alignment") + 4;
        for (long a : new long[] {0, 3, 48, 96, 1L << 21, 0x80000000L, 0xFFFFFFFFL}) {
            rejects(patchU32(valid, value, a), "general.alignment must be a power of two", "" + a);
        }
        // a float that happens to read as 32 is not an alignment
        byte[] f = patchU32(patchU32(valid, value - 4, GgufValue.Type.FLOAT32.ordinal()), value, Float.floatToIntBits(32f));
        rejects(f, "general.alignment must be", "32.0");
        rejects(patchU32(valid, value - 4, GgufValue.Type.STRING.ordinal()), "general.alignment");
        // 32 is a valid alignment but the tensors were laid out for 64: still consistent, opens
        assertThat(GgufFile.open(save(patchU32(valid, value, 32))).alignment()).isEqualTo(32);
    }

    // ---------------------------------------------------------------- tensor infos

    @Test
    void badDimensions() throws IOException {
        byte[] one = oneTensor(2, 3); // ne = [3, 2]
        int nDims = after(one, "t"), ne0 = nDims + 4, ne1 = nDims + 12;
        rejects(patchU32(one, nDims, 0), "tensor 't'", "n_dims 0 (expected 1..4)");
        rejects(patchU32(one, nDims, 5), "tensor 't'", "n_dims 5 (expected 1..4)");
        rejects(patchU32(one, nDims, 0xFFFFFFFFL), "n_dims 4294967295");
        rejects(patchU64(one, ne0, 0), "tensor 't'", "ne[0] = 0 is not a valid dimension");
        rejects(patchU64(one, ne1, TWO_40), "ne[1] = 1099511627776 is not a valid dimension");
        rejects(patchU64(one, ne1, -1L), "ne[1] = 18446744073709551615 is not a valid dimension");
        rejects(patchU64(one, ne1, 1000), "12000 bytes of data cannot fit in a");

        byte[] four = oneTensor(1, 1, 1, 1);
        int d = after(four, "t") + 4;
        long big = Integer.MAX_VALUE;
        rejects(patchU64(patchU64(patchU64(patchU64(four, d, big), d + 8, big), d + 16, big), d + 24, big), "element count overflows");
        rejects(patchU64(patchU64(patchU64(four, d, big), d + 8, big), d + 16, 2), "byte size overflows"); // elements fit, bytes do not
    }

    @Test
    void unknownTensorTypesAndBadRows() throws IOException {
        byte[] one = oneTensor(2, 3);
        int type = after(one, "t") + 4 + 16;
        for (long t : new long[] {4, 5, 31, 1000, 0xFFFFFFFFL}) rejects(patchU32(one, type, t), "tensor 't'", "unknown tensor type " + t);
        // Q8_0 rows are blocks of 32: a row of 3 is not
        rejects(patchU32(one, type, GgmlType.Q8_0.id()), "row length ne[0] = 3 is not a multiple of the Q8_0 block size 32");
    }

    @Test
    void badOffsets() throws IOException {
        byte[] valid = bytesOf(GgufSamples.tinyModel(1));
        int off = after(valid, "blk.0.ffn_up.weight") + 4 + 16 + 4;
        rejects(patchU64(valid, off, 4), "tensor 'blk.0.ffn_up.weight'", "offset 4 is not a multiple of the alignment 32");
        rejects(patchU64(valid, off, TWO_63), "offset 9223372036854775808");
        rejects(patchU64(valid, off, -32L), "offset 18446744073709551584");
        rejects(patchU64(valid, off, 1L << 20), "tensor 'blk.0.ffn_up.weight'", "past the end of the data section");
        rejects(patchU64(valid, off, valid.length & ~31), "past the end of the data section");
        // data section start itself beyond the end: the whole data section cut off
        GgufFile f = GgufFile.open(save(valid));
        rejects(Arrays.copyOf(valid, (int) f.dataStart() - 1), "past the end of the file");
    }
}
