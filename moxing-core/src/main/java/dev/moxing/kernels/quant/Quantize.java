package dev.moxing.kernels.quant;

import static dev.moxing.kernels.quant.Blocks.F32;
import static dev.moxing.kernels.quant.Blocks.I16;
import static dev.moxing.kernels.quant.Blocks.I32;
import static dev.moxing.kernels.quant.Blocks.I8;

import dev.moxing.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * F32 to ggml block formats, bit-identical to ggml's reference quantizers
 * ({@code quantize_row_*_ref}, the ones used to write model files). That means replicating
 * their exact float steps: the scale {@code d} is computed in f32 and rounded to f16 only when
 * stored, values are multiplied by {@code id = 1/d} (not divided by d), Q8_0 rounds with C's
 * {@code roundf} (halves away from zero), and the 4/5-bit types truncate {@code x*id + 8.5f}
 * (or {@code + 0.5f}, {@code + 16.5f}) towards zero. F16 and BF16 round to nearest even.
 * The K-quants' searches live in {@link KQuantize}.
 */
public final class Quantize {

    private Quantize() {}

    /**
     * Encodes {@code src[srcOffset, srcOffset + n)} as {@code type} into {@code dst} at
     * byteOffset. Supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 and the K-quants Q2_K,
     * Q3_K, Q4_K, Q5_K, Q6_K (see {@link KQuantize}; n a multiple of 256).
     */
    public static void row(DType type, float[] src, int srcOffset, int n, MemorySegment dst, long byteOffset) {
        switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> { }
            default -> throw new IllegalArgumentException("Quantize.row: unsupported type " + type);
        }
        Blocks.checkArray("Quantize.row", "src", src.length, srcOffset, n);
        Blocks.checkSegment("Quantize.row", type, dst, byteOffset, n);
        int blocks = n / type.blockSize();
        long bb = type.blockBytes();
        for (int b = 0; b < blocks; b++) {
            long o = byteOffset + b * bb;
            int x = srcOffset + b * type.blockSize();
            switch (type) {
                case F32 -> dst.set(F32, o, src[x]);
                case F16 -> dst.set(I16, o, Float.floatToFloat16(src[x]));
                case BF16 -> dst.set(I16, o, toBf16(src[x]));
                case Q8_0 -> q8_0(src, x, dst, o);
                case Q4_0 -> q4_0(src, x, dst, o);
                case Q4_1 -> q4_1(src, x, dst, o);
                case Q5_0 -> q5_0(src, x, dst, o);
                case Q5_1 -> q5_1(src, x, dst, o);
                case Q2_K -> KQuantize.q2_k(src, x, dst, o);
                case Q3_K -> KQuantize.q3_k(src, x, dst, o);
                case Q4_K -> KQuantize.q4_k(src, x, dst, o);
                case Q5_K -> KQuantize.q5_k(src, x, dst, o);
                case Q6_K -> KQuantize.q6_k(src, x, dst, o);
                default -> throw new AssertionError(type);
            }
        }
    }

    /** f32 to bf16, round to nearest even; NaNs stay NaN (quiet bit forced, as ggml does). */
    static short toBf16(float v) {
        int u = Float.floatToRawIntBits(v);
        if ((u & 0x7fffffff) > 0x7f800000) return (short) ((u >>> 16) | 64);
        return (short) ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16);
    }

    /** C's roundf: nearest integer, halves away from zero. Done in double, where |v| + 0.5 is exact. */
    static int roundf(float v) {
        double r = Math.floor(Math.abs((double) v) + 0.5);
        return (int) (v < 0 ? -r : r);
    }

    private static void q8_0(float[] x, int i, MemorySegment s, long o) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[i + j]));
        float d = amax / 127;
        float id = d != 0f ? 1.0f / d : 0f;
        s.set(I16, o, Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) s.set(I8, o + 2 + j, (byte) roundf(x[i + j] * id));
    }

    /** The element of largest magnitude, with its sign (the first one on ties). */
    private static float signedAbsMax(float[] x, int i) {
        float amax = 0f, max = 0f;
        for (int j = 0; j < 32; j++) {
            float v = x[i + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    private static void q4_0(float[] x, int i, MemorySegment s, long o) {
        float d = signedAbsMax(x, i) / -8;
        float id = d != 0f ? 1.0f / d : 0f;
        s.set(I16, o, Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (x[i + j] * id + 8.5f));
            int hi = Math.min(15, (int) (x[i + 16 + j] * id + 8.5f));
            s.set(I8, o + 2 + j, (byte) (lo | hi << 4));
        }
    }

    private static void q4_1(float[] x, int i, MemorySegment s, long o) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[i + j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float d = (max - min) / 15;
        float id = d != 0f ? 1.0f / d : 0f;
        s.set(I16, o, Float.floatToFloat16(d));
        s.set(I16, o + 2, Float.floatToFloat16(min));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) ((x[i + j] - min) * id + 0.5f));
            int hi = Math.min(15, (int) ((x[i + 16 + j] - min) * id + 0.5f));
            s.set(I8, o + 4 + j, (byte) (lo | hi << 4));
        }
    }

    private static void q5_0(float[] x, int i, MemorySegment s, long o) {
        float d = signedAbsMax(x, i) / -16;
        float id = d != 0f ? 1.0f / d : 0f;
        s.set(I16, o, Float.floatToFloat16(d));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(31, (int) (x[i + j] * id + 16.5f));
            int hi = Math.min(31, (int) (x[i + 16 + j] * id + 16.5f));
            s.set(I8, o + 6 + j, (byte) ((lo & 0xF) | (hi & 0xF) << 4));
            qh |= (lo >>> 4 & 1) << j | (hi >>> 4 & 1) << (j + 16);
        }
        s.set(I32, o + 2, qh);
    }

    private static void q5_1(float[] x, int i, MemorySegment s, long o) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[i + j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float d = (max - min) / 31;
        float id = d != 0f ? 1.0f / d : 0f;
        s.set(I16, o, Float.floatToFloat16(d));
        s.set(I16, o + 2, Float.floatToFloat16(min));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            // ggml casts to uint8_t without clamping: x*id is at most 31 (+ rounding), so it fits.
            int lo = (int) ((x[i + j] - min) * id + 0.5f) & 0xFF;
            int hi = (int) ((x[i + 16 + j] - min) * id + 0.5f) & 0xFF;
            s.set(I8, o + 8 + j, (byte) ((lo & 0xF) | (hi & 0xF) << 4));
            qh |= (lo >>> 4 & 1) << j | (hi >>> 4 & 1) << (j + 16);
        }
        s.set(I32, o + 4, qh);
    }
}
