package dev.moxing.gguf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/** Small GGUF contents for writer, hostile-input and fuzz tests. */
final class GgufSamples {
    private GgufSamples() {
    }

    /** One metadata value of every type, arrays of every element type, and nested arrays. */
    static GgufWriter everyValueType() {
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", GgufValue.of("llama"));
        w.put("t.uint8", new GgufValue(GgufValue.Type.UINT8, null, 255));
        w.put("t.int8", new GgufValue(GgufValue.Type.INT8, null, -128));
        w.put("t.uint16", new GgufValue(GgufValue.Type.UINT16, null, 65535));
        w.put("t.int16", new GgufValue(GgufValue.Type.INT16, null, -32768));
        w.put("t.uint32", GgufValue.ofUint32(0xFFFF_FFFFL));
        w.put("t.int32", GgufValue.ofInt32(Integer.MIN_VALUE));
        w.put("t.float32", GgufValue.ofFloat32(-1.5e-3f));
        w.put("t.bool", GgufValue.ofBool(true));
        w.put("t.string", GgufValue.of("héllo, 世界 \n\"quoted\""));
        w.put("t.empty_string", GgufValue.of(""));
        w.put("t.uint64", GgufValue.ofUint64(-1L)); // 2^64 - 1 as a bit pattern
        w.put("t.int64", GgufValue.ofInt64(Long.MIN_VALUE));
        w.put("t.float64", new GgufValue(GgufValue.Type.FLOAT64, null, Math.PI));
        w.put("a.uint8", GgufValue.ofArray(GgufValue.Type.UINT8, new int[] {0, 1, 255}));
        w.put("a.int8", GgufValue.ofArray(GgufValue.Type.INT8, new int[] {-128, 0, 127}));
        w.put("a.uint16", GgufValue.ofArray(GgufValue.Type.UINT16, new int[] {0, 65535}));
        w.put("a.int16", GgufValue.ofArray(GgufValue.Type.INT16, new int[] {-32768, 32767}));
        w.put("a.uint32", GgufValue.ofArray(GgufValue.Type.UINT32, new long[] {0, 0xFFFF_FFFFL}));
        w.put("a.int32", GgufValue.ofArray(GgufValue.Type.INT32, new int[] {Integer.MIN_VALUE, -1, Integer.MAX_VALUE}));
        w.put("a.float32", GgufValue.ofArray(GgufValue.Type.FLOAT32, new float[] {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, 1e-45f}));
        w.put("a.bool", GgufValue.ofArray(GgufValue.Type.BOOL, new boolean[] {true, false, true}));
        w.put("a.string", GgufValue.ofArray(GgufValue.Type.STRING, new String[] {"<s>", "", "▁the", "😀"}));
        w.put("a.uint64", GgufValue.ofArray(GgufValue.Type.UINT64, new long[] {0, -1L}));
        w.put("a.int64", GgufValue.ofArray(GgufValue.Type.INT64, new long[] {Long.MIN_VALUE, Long.MAX_VALUE}));
        w.put("a.float64", GgufValue.ofArray(GgufValue.Type.FLOAT64, new double[] {-0.0, Double.MIN_VALUE, 1e300}));
        w.put("a.empty", GgufValue.ofArray(GgufValue.Type.INT32, new int[0]));
        w.put("a.nested", GgufValue.ofArray(GgufValue.Type.ARRAY, new GgufValue[] {
                GgufValue.ofArray(GgufValue.Type.STRING, new String[] {"a", "b"}),
                GgufValue.ofArray(GgufValue.Type.FLOAT32, new float[] {1f}),
                GgufValue.ofArray(GgufValue.Type.ARRAY, new GgufValue[] {GgufValue.ofArray(GgufValue.Type.BOOL, new boolean[] {false})})}));
        w.put("a.deepest", nested(GgufParser.MAX_NESTING));
        return w;
    }

    /** An array value nested {@code levels} deep (1: a plain array of int32). */
    static GgufValue nested(int levels) {
        GgufValue v = GgufValue.ofArray(GgufValue.Type.INT32, new int[] {levels});
        for (int i = 1; i < levels; i++) v = GgufValue.ofArray(GgufValue.Type.ARRAY, new GgufValue[] {v});
        return v;
    }

    /** A tiny "model": a few metadata entries and tensors of several types with random bytes. */
    static GgufWriter tinyModel(long seed) {
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", GgufValue.of("llama"));
        w.put("general.name", GgufValue.of("tiny"));
        w.put("llama.embedding_length", GgufValue.ofUint32(32));
        w.put("llama.block_count", GgufValue.ofUint32(1));
        w.put("tokenizer.ggml.model", GgufValue.of("llama"));
        w.put("tokenizer.ggml.tokens", GgufValue.ofArray(GgufValue.Type.STRING, new String[] {"<unk>", "<s>", "</s>", "a", "b"}));
        w.put("tokenizer.ggml.scores", GgufValue.ofArray(GgufValue.Type.FLOAT32, new float[] {0, 0, 0, -1, -2}));
        w.put("tokenizer.ggml.bos_token_id", GgufValue.ofUint32(1));
        Random r = new Random(seed);
        w.addTensor("token_embd.weight", GgmlType.F32, new int[] {5, 32}, random(r, 5 * 32 * 4));
        w.addTensor("blk.0.attn_q.weight", GgmlType.Q8_0, new int[] {4, 32}, random(r, 4 * 34));
        w.addTensor("blk.0.ffn_up.weight", GgmlType.F16, new int[] {3, 32}, random(r, 3 * 32 * 2));
        w.addTensor("output_norm.weight", GgmlType.F32, new int[] {7}, random(r, 7 * 4)); // 28 bytes: padded
        return w;
    }

    static MemorySegment random(Random r, int bytes) {
        byte[] b = new byte[bytes];
        r.nextBytes(b);
        MemorySegment s = Arena.ofAuto().allocate(bytes);
        MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, 0, bytes);
        return s;
    }
}
