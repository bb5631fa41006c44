package dev.moxing.kernels.quant;

import static dev.moxing.kernels.quant.Blocks.F32;
import static dev.moxing.kernels.quant.Blocks.I16;
import static dev.moxing.kernels.quant.Blocks.I8;
import static dev.moxing.kernels.quant.Blocks.f16;
import static dev.moxing.kernels.quant.Blocks.u8;

import dev.moxing.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * ggml block formats to F32. Every formula follows ggml's {@code dequantize_row_*} in its float
 * operation order (e.g. {@code (d * sc) * q - m}), so the results are bit-identical to ggml's
 * reference C compiled without FMA contraction.
 *
 * <p>Plain scalar code: this is the reference the fused {@link QuantMatmul} kernels are tested
 * against, and the fallback for types without a fused kernel.
 */
public final class Dequantize {

    private Dequantize() {}

    /**
     * Decodes n elements of {@code type} stored at {@code src[byteOffset...]} into
     * {@code dst[dstOffset, dstOffset + n)}. n must be a multiple of the type's block size.
     */
    public static void row(DType type, MemorySegment src, long byteOffset, float[] dst, int dstOffset, int n) {
        Blocks.checkSegment("Dequantize.row", type, src, byteOffset, n);
        Blocks.checkArray("Dequantize.row", "dst", dst.length, dstOffset, n);
        int blocks = n / type.blockSize();
        long bb = type.blockBytes();
        for (int b = 0; b < blocks; b++) {
            long o = byteOffset + b * bb;
            int y = dstOffset + b * type.blockSize();
            switch (type) {
                case F32 -> dst[y] = src.get(F32, o);
                case F16 -> dst[y] = f16(src, o);
                case BF16 -> dst[y] = Float.intBitsToFloat(src.get(I16, o) << 16);
                case Q8_0 -> q8_0(src, o, dst, y);
                case Q4_0 -> q4_0(src, o, dst, y);
                case Q4_1 -> q4_1(src, o, dst, y);
                case Q5_0 -> q5_0(src, o, dst, y);
                case Q5_1 -> q5_1(src, o, dst, y);
                case Q2_K -> q2_k(src, o, dst, y);
                case Q3_K -> q3_k(src, o, dst, y);
                case Q4_K -> q4_k(src, o, dst, y);
                case Q5_K -> q5_k(src, o, dst, y);
                case Q6_K -> q6_k(src, o, dst, y);
                case Q8_K -> q8_k(src, o, dst, y);
                default -> throw new IllegalArgumentException("Dequantize.row: unsupported type " + type
                        + (type.interleavedFrom() != null ? " (rows interleaved: RowInterleave.decodeRows)" : ""));
            }
        }
    }

    // Each method below decodes one block at byte o into y[i, i + blockSize).

    /** d (f16), qs[32] int8: x = q * d. */
    static void q8_0(MemorySegment s, long o, float[] y, int i) {
        float d = f16(s, o);
        for (int j = 0; j < 32; j++) y[i + j] = s.get(I8, o + 2 + j) * d;
    }

    /** d (f16), qs[16]: element j is the low nibble of qs[j], element 16+j the high one; x = (q - 8) * d. */
    static void q4_0(MemorySegment s, long o, float[] y, int i) {
        float d = f16(s, o);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, o + 2 + j);
            y[i + j] = ((q & 0xF) - 8) * d;
            y[i + j + 16] = ((q >>> 4) - 8) * d;
        }
    }

    /** d, m (f16), qs[16]: x = q * d + m. */
    static void q4_1(MemorySegment s, long o, float[] y, int i) {
        float d = f16(s, o);
        float m = f16(s, o + 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, o + 4 + j);
            y[i + j] = (q & 0xF) * d + m;
            y[i + j + 16] = (q >>> 4) * d + m;
        }
    }

    /** d (f16), qh (u32: bit k is the fifth bit of element k), qs[16]: x = (q - 16) * d. */
    static void q5_0(MemorySegment s, long o, float[] y, int i) {
        float d = f16(s, o);
        int qh = s.get(Blocks.I32, o + 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, o + 6 + j);
            int lo = (q & 0xF) | ((qh >>> j) << 4 & 0x10);
            int hi = (q >>> 4) | ((qh >>> (j + 12)) & 0x10);
            y[i + j] = (lo - 16) * d;
            y[i + j + 16] = (hi - 16) * d;
        }
    }

    /** d, m (f16), qh (u32), qs[16]: x = q * d + m. */
    static void q5_1(MemorySegment s, long o, float[] y, int i) {
        float d = f16(s, o);
        float m = f16(s, o + 2);
        int qh = s.get(Blocks.I32, o + 4);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, o + 8 + j);
            int lo = (q & 0xF) | ((qh >>> j) << 4 & 0x10);
            int hi = (q >>> 4) | ((qh >>> (j + 12)) & 0x10);
            y[i + j] = lo * d + m;
            y[i + j + 16] = hi * d + m;
        }
    }

    /**
     * scales[16] (low nibble: scale, high: min), qs[64], d, dmin (f16). Element 128h + 32j + 16s + l
     * is bits 2j..2j+1 of qs[32h + 16s + l], with sub-block scale index 8h + 2j + s.
     */
    static void q2_k(MemorySegment s, long o, float[] y, int i) {
        float d = f16(s, o + 80);
        float min = f16(s, o + 82);
        for (int h = 0; h < 2; h++) {
            for (int j = 0; j < 4; j++) {
                for (int sub = 0; sub < 2; sub++) {
                    int sc = u8(s, o + 8 * h + 2 * j + sub);
                    float dl = d * (sc & 0xF);
                    float ml = min * (sc >>> 4);
                    long q = o + 16 + 32 * h + 16 * sub;
                    int y0 = i + 128 * h + 32 * j + 16 * sub;
                    for (int l = 0; l < 16; l++) y[y0 + l] = dl * ((u8(s, q + l) >>> (2 * j)) & 3) - ml;
                }
            }
        }
    }

    /**
     * hmask[32], qs[64], scales[12] (sixteen 6-bit values, biased by 32), d (f16). Like Q2_K, plus a
     * third bit from hmask (bit 4h + j of hmask[16s + l]); a clear bit subtracts 4.
     */
    static void q3_k(MemorySegment s, long o, float[] y, int i) {
        float d = f16(s, o + 108);
        for (int h = 0; h < 2; h++) {
            for (int j = 0; j < 4; j++) {
                for (int sub = 0; sub < 2; sub++) {
                    float dl = d * (q3Scale(s, o + 96, 8 * h + 2 * j + sub) - 32);
                    long q = o + 32 + 32 * h + 16 * sub;
                    long hm = o + 16 * sub;
                    int bit = 4 * h + j;
                    int y0 = i + 128 * h + 32 * j + 16 * sub;
                    for (int l = 0; l < 16; l++) {
                        int v = ((u8(s, q + l) >>> (2 * j)) & 3) - (((u8(s, hm + l) >>> bit) & 1) != 0 ? 0 : 4);
                        y[y0 + l] = dl * v;
                    }
                }
            }
        }
    }

    /** Q3_K scale k (0..15, unbiased 0..63): low nibble from byte k%8, high two bits from byte 8 + k%4. */
    static int q3Scale(MemorySegment s, long scales, int k) {
        int lo = k < 8 ? u8(s, scales + k) & 0xF : u8(s, scales + k - 8) >>> 4;
        int hi = (u8(s, scales + 8 + k % 4) >>> (2 * (k / 4))) & 3;
        return lo | hi << 4;
    }

    /** Q4_K/Q5_K packed 6-bit scale of sub-block j (0..7), from ggml's get_scale_min_k4. */
    static int k4Scale(MemorySegment s, long scales, int j) {
        return j < 4 ? u8(s, scales + j) & 63
                : (u8(s, scales + j + 4) & 0xF) | (u8(s, scales + j - 4) >>> 6) << 4;
    }

    /** Q4_K/Q5_K packed 6-bit min of sub-block j (0..7). */
    static int k4Min(MemorySegment s, long scales, int j) {
        return j < 4 ? u8(s, scales + j + 4) & 63
                : (u8(s, scales + j + 4) >>> 4) | (u8(s, scales + j) >>> 6) << 4;
    }

    /**
     * d, dmin (f16), scales[12], qs[128]. Group g of 64: elements 64g + l use the low nibble of
     * qs[32g + l] with sub-block 2g, elements 64g + 32 + l the high nibble with sub-block 2g + 1.
     */
    static void q4_k(MemorySegment s, long o, float[] y, int i) {
        float d = f16(s, o);
        float min = f16(s, o + 2);
        for (int g = 0; g < 4; g++) {
            float d1 = d * k4Scale(s, o + 4, 2 * g), m1 = min * k4Min(s, o + 4, 2 * g);
            float d2 = d * k4Scale(s, o + 4, 2 * g + 1), m2 = min * k4Min(s, o + 4, 2 * g + 1);
            long q = o + 16 + 32 * g;
            int y0 = i + 64 * g;
            for (int l = 0; l < 32; l++) {
                int v = u8(s, q + l);
                y[y0 + l] = d1 * (v & 0xF) - m1;
                y[y0 + 32 + l] = d2 * (v >>> 4) - m2;
            }
        }
    }

    /** Q4_K plus qh[32]: bit 2g of qh[l] adds 16 to element 64g + l, bit 2g + 1 to element 64g + 32 + l. */
    static void q5_k(MemorySegment s, long o, float[] y, int i) {
        float d = f16(s, o);
        float min = f16(s, o + 2);
        for (int g = 0; g < 4; g++) {
            float d1 = d * k4Scale(s, o + 4, 2 * g), m1 = min * k4Min(s, o + 4, 2 * g);
            float d2 = d * k4Scale(s, o + 4, 2 * g + 1), m2 = min * k4Min(s, o + 4, 2 * g + 1);
            long q = o + 48 + 32 * g;
            int y0 = i + 64 * g;
            for (int l = 0; l < 32; l++) {
                int v = u8(s, q + l);
                int h = u8(s, o + 16 + l);
                y[y0 + l] = d1 * ((v & 0xF) + ((h >>> (2 * g)) & 1) * 16) - m1;
                y[y0 + 32 + l] = d2 * ((v >>> 4) + ((h >>> (2 * g + 1)) & 1) * 16) - m2;
            }
        }
    }

    /**
     * ql[128], qh[64], scales[16] int8, d (f16). Half h, l in 0..31: the four elements
     * 128h + l + 32k (k = 0..3) take nibble (k / 2) of ql[64h + l + 32(k % 2)] and bits 2k..2k+1 of
     * qh[32h + l]; value - 32, times d * scales[8h + l/16 + 2k].
     */
    static void q6_k(MemorySegment s, long o, float[] y, int i) {
        float d = f16(s, o + 208);
        for (int h = 0; h < 2; h++) {
            long ql = o + 64 * h, qh = o + 128 + 32 * h, sc = o + 192 + 8 * h;
            int y0 = i + 128 * h;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int a = u8(s, ql + l), b = u8(s, ql + l + 32), hb = u8(s, qh + l);
                int q1 = ((a & 0xF) | (hb & 3) << 4) - 32;
                int q2 = ((b & 0xF) | (hb >>> 2 & 3) << 4) - 32;
                int q3 = ((a >>> 4) | (hb >>> 4 & 3) << 4) - 32;
                int q4 = ((b >>> 4) | (hb >>> 6 & 3) << 4) - 32;
                y[y0 + l] = d * s.get(I8, sc + is) * q1;
                y[y0 + l + 32] = d * s.get(I8, sc + is + 2) * q2;
                y[y0 + l + 64] = d * s.get(I8, sc + is + 4) * q3;
                y[y0 + l + 96] = d * s.get(I8, sc + is + 6) * q4;
            }
        }
    }

    /** d (f32), qs[256] int8, bsums[16] (unused here): x = d * q. */
    static void q8_k(MemorySegment s, long o, float[] y, int i) {
        float d = s.get(F32, o);
        for (int j = 0; j < 256; j++) y[i + j] = d * s.get(I8, o + 4 + j);
    }
}
