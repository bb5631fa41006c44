package dev.moxing.kernels.quant;

import static dev.moxing.kernels.quant.VectorDequant.B;
import static dev.moxing.kernels.quant.VectorDequant.F;
import static dev.moxing.kernels.quant.VectorDequant.I;
import static dev.moxing.kernels.quant.VectorDequant.L;
import static dev.moxing.kernels.quant.VectorDequant.LE;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Fused dot products of one activation row with one Q4_K or Q6_K weight row, for token decoding
 * (QuantMatmul's one-row path): the super-block's quants are widened to int lanes, unpacked there
 * (x86 has no byte shifts; zero-extended, so a high nibble is a plain shift), converted to float
 * and multiplied with x without being stored, one scale per sub-block. Decoding a row to floats
 * first and then dotting it (the general path) ran Q4_K_M models at a quarter of Q4_0's speed.
 *
 * <p>Q4_K's values are d·sc_j·q − dmin·m_j, so the dot is Σ_j d·sc_j (q·x)_j − Σ_j dmin·m_j Σx_j:
 * the sums of x over each 32-value sub-block are the same for every weight row, so the caller
 * computes them once per call ({@link #blockSums32}). Results equal dequantize-then-dot up to the
 * order of the float additions; each element is computed in a fixed order (thread-count
 * independent). Only for 16 float lanes (AVX-512); {@link #SUPPORTED} says whether to use it.
 */
final class KQuantDot {
    private KQuantDot() {
    }

    static final boolean SUPPORTED = L == 16;

    /** out[i] = Σ x[xo + 32i, xo + 32i + 32), for i < n / 32, in a fixed order. */
    static void blockSums32(float[] x, int xo, int n, float[] out) {
        for (int i = 0; i < n / 32; i++) { // once per call, not per weight row: scalar is fine
            int b = xo + 32 * i;
            float t = 0f;
            for (int l = 0; l < 32; l++) t += x[b + l];
            out[i] = t;
        }
    }

    /**
     * Row of {@code blocks} Q4_K super-blocks at byte o (144 bytes each: d, dmin as f16, 12 bytes of
     * packed 6-bit scales and mins, 128 bytes of nibbles) · x[xo, xo + 256·blocks); xsum from
     * {@link #blockSums32} over the same x range.
     */
    static float q4k(float[] x, int xo, float[] xsum, MemorySegment w, long o, int blocks, float[] lanes) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        float mins = 0f;
        for (int blk = 0; blk < blocks; blk++, o += 144, xo += 256) {
            // d, dmin and the 12 scale bytes in three reads (per-byte segment reads cost more than
            // the block's arithmetic); sub-block j's 6-bit scale and min, as ggml's get_scale_min_k4:
            // j < 4: scale = b[j] & 63, min = b[j + 4] & 63; else the low / high nibble of b[j + 4]
            // with the top two bits of b[j - 4] / b[j] above them.
            int dd = w.get(Blocks.I32, o);
            float d = Float.float16ToFloat((short) dd), dmin = Float.float16ToFloat((short) (dd >>> 16));
            long lo = w.get(Blocks.I64, o + 4);
            int hi = w.get(Blocks.I32, o + 12);
            for (int g = 0; g < 4; g++) {
                long qs = o + 16 + 32 * g;
                int xb = xo + 64 * g;
                FloatVector vlo = FloatVector.zero(F), vhi = vlo;
                for (int p = 0; p < 32; p += 16) {
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(B, w, qs + p, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    vlo = ((FloatVector) q.and(0xF).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromArray(F, x, xb + p), vlo);
                    vhi = ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0))
                            .fma(FloatVector.fromArray(F, x, xb + 32 + p), vhi);
                }
                int j0 = 2 * g, j1 = j0 + 1;
                int sc0, sc1, m0, m1;
                if (g < 2) {
                    sc0 = (int) (lo >>> (8 * j0)) & 63;
                    sc1 = (int) (lo >>> (8 * j1)) & 63;
                    m0 = (int) (lo >>> (8 * (j0 + 4))) & 63;
                    m1 = (int) (lo >>> (8 * (j1 + 4))) & 63;
                } else {
                    int b0 = hi >>> (8 * (j0 - 4)), b1 = hi >>> (8 * (j1 - 4)); // bytes j + 4 (8..11)
                    int u0 = (int) (lo >>> (8 * (j0 - 4))), u1 = (int) (lo >>> (8 * (j1 - 4))); // bytes j - 4
                    int v0 = (int) (lo >>> (8 * j0)), v1 = (int) (lo >>> (8 * j1)); // bytes j
                    sc0 = (b0 & 0xF) | ((u0 >>> 6) & 3) << 4;
                    sc1 = (b1 & 0xF) | ((u1 >>> 6) & 3) << 4;
                    m0 = ((b0 >>> 4) & 0xF) | ((v0 >>> 6) & 3) << 4;
                    m1 = ((b1 >>> 4) & 0xF) | ((v1 >>> 6) & 3) << 4;
                }
                acc0 = vlo.fma(FloatVector.broadcast(F, d * sc0), acc0);
                acc1 = vhi.fma(FloatVector.broadcast(F, d * sc1), acc1);
                int j = blk * 8 + j0;
                mins = Math.fma(dmin * m0, xsum[j], mins);
                mins = Math.fma(dmin * m1, xsum[j + 1], mins);
            }
        }
        acc0.add(acc1).intoArray(lanes, 0);
        return QuantMatmul.lanesSum(lanes, 0) - mins;
    }

    /**
     * Row of {@code blocks} Q6_K super-blocks at byte o (210 bytes each: ql[128] low nibbles,
     * qh[64] high bit pairs, 16 int8 scales, d as f16) · x[xo, xo + 256·blocks). In half h, for
     * l < 32, element 128h + l + 32k takes nibble k / 2 of ql[64h + l + 32(k % 2)] and bits
     * 2k..2k+1 of qh[32h + l], minus 32, times scale 8h + 2k + l / 16.
     */
    static float q6k(float[] x, int xo, MemorySegment w, long o, int blocks, float[] lanes) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int blk = 0; blk < blocks; blk++, o += 210, xo += 256) {
            float d = Blocks.f16(w, o + 208);
            for (int h = 0; h < 2; h++) {
                long ql = o + 64 * h, qh = o + 128 + 32 * h;
                long sc = w.get(Blocks.I64, o + 192 + 8 * h); // this half's eight int8 scales in one read
                int xb = xo + 128 * h;
                for (int p = 0; p < 32; p += 16) {
                    IntVector a = (IntVector) ByteVector.fromMemorySegment(B, w, ql + p, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector b = (IntVector) ByteVector.fromMemorySegment(B, w, ql + 32 + p, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector hb = (IntVector) ByteVector.fromMemorySegment(B, w, qh + p, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    int s = p / 16;
                    FloatVector q0 = (FloatVector) a.and(0xF).or(hb.and(3).lanewise(VectorOperators.LSHL, 4)).sub(32)
                            .convertShape(VectorOperators.I2F, F, 0);
                    FloatVector q1 = (FloatVector) b.and(0xF).or(hb.lanewise(VectorOperators.LSHR, 2).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32)
                            .convertShape(VectorOperators.I2F, F, 0);
                    FloatVector q2 = (FloatVector) a.lanewise(VectorOperators.LSHR, 4)
                            .or(hb.lanewise(VectorOperators.LSHR, 4).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32)
                            .convertShape(VectorOperators.I2F, F, 0);
                    FloatVector q3 = (FloatVector) b.lanewise(VectorOperators.LSHR, 4)
                            .or(hb.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4)).sub(32)
                            .convertShape(VectorOperators.I2F, F, 0);
                    acc0 = q0.mul(FloatVector.fromArray(F, x, xb + p)).fma(FloatVector.broadcast(F, d * (byte) (sc >>> (8 * s))), acc0);
                    acc1 = q1.mul(FloatVector.fromArray(F, x, xb + 32 + p)).fma(FloatVector.broadcast(F, d * (byte) (sc >>> (8 * (2 + s)))), acc1);
                    acc0 = q2.mul(FloatVector.fromArray(F, x, xb + 64 + p)).fma(FloatVector.broadcast(F, d * (byte) (sc >>> (8 * (4 + s)))), acc0);
                    acc1 = q3.mul(FloatVector.fromArray(F, x, xb + 96 + p)).fma(FloatVector.broadcast(F, d * (byte) (sc >>> (8 * (6 + s)))), acc1);
                }
            }
        }
        acc0.add(acc1).intoArray(lanes, 0);
        return QuantMatmul.lanesSum(lanes, 0);
    }
}
