package dev.moxing.kernels.quant;

import static dev.moxing.kernels.quant.Blocks.I16;
import static dev.moxing.kernels.quant.Blocks.I8;
import static dev.moxing.kernels.quant.Blocks.QK_K;

import java.lang.foreign.MemorySegment;

/**
 * F32 to the K-quant super-blocks (Q2_K … Q6_K), byte-identical to ggml's reference quantizers
 * {@code quantize_row_q*_K_ref} without an importance matrix (what {@code llama-quantize} runs
 * when it has none). The algorithm is ggml's published one; what makes the bytes identical:
 * <ul>
 *   <li>every step is a single-precision operation in C's order ({@code w*x*l} is {@code (w*x)*l}),
 *       with no fused multiply-add — ggml built without FMA contraction;
 *   <li>{@link #nearestInt} is ggml's magic-number rounding (adding 1.5·2²³ makes the FPU round to
 *       nearest even), not {@code Math.round}: exact halves go to the even neighbour;
 *   <li>sub-block scales that lose their bits in {@code uint8_t}/{@code int8_t} stores are truncated
 *       the same way, and sub-blocks whose decoded scale is zero keep the levels of the first search.
 * </ul>
 * Each quantizer encodes one super-block of 256 values at {@code x[i…]} into bytes at {@code o}.
 */
final class KQuantize {

    /** ggml's threshold below which a group counts as all zero. */
    private static final float GROUP_MAX_EPS = 1e-15f;

    private KQuantize() {}

    /** ggml's nearest_int: round to nearest, ties to even, valid for |v| ≤ 4194303 (garbage beyond, as in C). */
    static int nearestInt(float v) {
        int bits = Float.floatToRawIntBits(v + 12582912f);
        return (bits & 0x007fffff) - 0x00400000;
    }

    private static float f16Round(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }

    // ---- the searches ----

    /**
     * Levels L[0, n) in [0, nmax] and (scale, min) with x ≈ scale·L − min, minimising the weighted
     * squared (or absolute, useMad) error over nstep+1 candidate scales around nmax/(max − min).
     * Returns the scale; the min (≥ 0) goes to {@code minOut[0]}.
     */
    private static float makeQkx2(int n, int nmax, float[] x, int xo, float[] w, int[] L, int lo, int[] aux,
                                  float rmin, float rdelta, int nstep, boolean useMad, float[] minOut) {
        float min = x[xo], max = x[xo];
        float sumW = w[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            float v = x[xo + i];
            if (v < min) min = v;
            if (v > max) max = v;
            sumW += w[i];
            sumX += w[i] * v;
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            minOut[0] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = nearestInt(iscale * (x[xo + i] - min));
            L[lo + i] = Math.max(0, Math.min(nmax, l));
            float diff = scale * L[lo + i] + min - x[xo + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestError += w[i] * diff;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
                aux[i] = l;
                sumL += w[i] * l;
                sumL2 += w[i] * l * l;
                sumXL += w[i] * l * x[xo + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[xo + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    error += w[i] * diff;
                }
                if (error < bestError) {
                    System.arraycopy(aux, 0, L, lo, n);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        minOut[0] = -min;
        return scale;
    }

    /** The first of x[xo, xo+n) with the largest magnitude, sign kept (0 for an all-zero group). */
    private static float largestMagnitude(float[] x, int xo, int n) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        return max;
    }

    /**
     * Symmetric levels L[0, n) in [0, 2·nmax) (stored offset by nmax) and a scale, weights x²,
     * trying 19 scales around −nmax/max and keeping the best least-squares fit (ggml's
     * make_qx_quants with rmse_type 1 and no importance weights).
     */
    private static float makeQx(int n, int nmax, float[] x, int xo, int[] L, int lo) {
        float max = largestMagnitude(x, xo, n);
        if (Math.abs(max) < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * v)));
            L[lo + i] = l + nmax;
            float w = v * v;
            sumlx += w * v * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = suml2 = 0;
            for (int i = 0; i < n; i++) {
                float v = x[xo + i];
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * v)));
                float w = v * v;
                sumlx += w * v * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    L[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i])));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /** Q3_K's search: levels in [−nmax, nmax) refined one at a time (weights x²), stored offset by nmax. */
    private static float makeQ3(int n, int nmax, float[] x, int xo, int[] L, int lo) {
        float max = largestMagnitude(x, xo, n);
        if (Math.abs(max) < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * v)));
            L[lo + i] = l;
            float w = v * v;
            sumlx += w * v * l;
            suml2 += w * l * l;
        }
        for (int itry = 0; itry < 5; itry++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float v = x[xo + i];
                float w = v * v;
                float slx = sumlx - w * v * L[lo + i];
                if (slx > 0) {
                    float sl2 = suml2 - w * L[lo + i] * L[lo + i];
                    int nl = Math.max(-nmax, Math.min(nmax - 1, nearestInt(v * sl2 / slx)));
                    if (nl != L[lo + i]) {
                        slx += w * v * nl;
                        sl2 += w * nl * nl;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                            L[lo + i] = nl;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) break;
        }
        for (int i = 0; i < n; i++) L[lo + i] += nmax;
        return sumlx / suml2;
    }

    // ---- the block formats ----

    /** Packs four 2-bit levels per byte: byte l of each 128-value half holds L[l], L[l+32], L[l+64], L[l+96]. */
    private static void pack2(int[] L, MemorySegment s, long qs) {
        for (int j = 0; j < QK_K; j += 128) {
            for (int l = 0; l < 32; l++) {
                int b = L[j + l] | L[j + l + 32] << 2 | L[j + l + 64] << 4 | L[j + l + 96] << 6;
                s.set(I8, qs + j / 4 + l, (byte) b);
            }
        }
    }

    /** d, dmin (f16), scales[16] (low nibble scale, high nibble min), qs[64]: x ≈ d·sc·q − dmin·m. */
    static void q2_k(float[] x, int i, MemorySegment s, long o) {
        int[] L = new int[QK_K];
        int[] aux = new int[16];
        float[] w = new float[16], scales = new float[16], mins = new float[16], min = new float[1];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 16; j++) {
            for (int l = 0; l < 16; l++) w[l] = Math.abs(x[i + 16 * j + l]);
            scales[j] = makeQkx2(16, 3, x, i + 16 * j, w, L, 16 * j, aux, -0.5f, 0.1f, 15, true, min);
            mins[j] = min[0];
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        int[] sc = new int[16];
        float d = 0, dmin = 0;
        if (maxScale > 0) {
            float iscale = 15f / maxScale;
            for (int j = 0; j < 16; j++) sc[j] = nearestInt(iscale * scales[j]) & 0xFF;
            d = maxScale / 15f;
        }
        if (maxMin > 0) {
            float iscale = 15f / maxMin;
            for (int j = 0; j < 16; j++) sc[j] = (sc[j] | nearestInt(iscale * mins[j]) << 4) & 0xFF;
            dmin = maxMin / 15f;
        }
        s.set(I16, o + 80, Float.floatToFloat16(d));
        s.set(I16, o + 82, Float.floatToFloat16(dmin));
        float dq = f16Round(d), mq = f16Round(dmin);
        for (int j = 0; j < 16; j++) {
            s.set(I8, o + j, (byte) sc[j]);
            float dl = dq * (sc[j] & 0xF);
            if (dl == 0) continue;
            float ml = mq * (sc[j] >>> 4);
            for (int l = 0; l < 16; l++) {
                L[16 * j + l] = Math.max(0, Math.min(3, nearestInt((x[i + 16 * j + l] + ml) / dl)));
            }
        }
        pack2(L, s, o + 16);
    }

    /** hmask[32], qs[64], scales (sixteen 6-bit values in 12 bytes), d (f16): x ≈ d·(sc − 32)·(q − 4). */
    static void q3_k(float[] x, int i, MemorySegment s, long o) {
        int[] L = new int[QK_K];
        float[] scales = new float[16];
        float maxScale = 0, amax = 0;
        for (int j = 0; j < 16; j++) {
            scales[j] = makeQ3(16, 4, x, i + 16 * j, L, 16 * j);
            float a = Math.abs(scales[j]);
            if (a > amax) {
                amax = a;
                maxScale = scales[j];
            }
        }
        int[] sb = new int[12];
        float d = 0;
        if (maxScale != 0) {
            float iscale = -32f / maxScale;
            for (int j = 0; j < 16; j++) {
                int l = (byte) nearestInt(iscale * scales[j]); // C stores it in an int8_t first
                l = Math.max(-32, Math.min(31, l)) + 32;
                if (j < 8) sb[j] = l & 0xF;
                else sb[j - 8] |= (l & 0xF) << 4;
                sb[j % 4 + 8] |= (l >> 4) << (2 * (j / 4));
            }
            d = 1 / iscale;
        }
        for (int k = 0; k < 12; k++) s.set(I8, o + 96 + k, (byte) sb[k]);
        s.set(I16, o + 108, Float.floatToFloat16(d));
        float dq = f16Round(d);
        for (int j = 0; j < 16; j++) {
            int sc = j < 8 ? sb[j] & 0xF : sb[j - 8] >> 4;
            sc = (sc | ((sb[8 + j % 4] >> (2 * (j / 4))) & 3) << 4) - 32;
            float dl = dq * sc;
            if (dl == 0) continue;
            for (int l = 0; l < 16; l++) {
                L[16 * j + l] = Math.max(-4, Math.min(3, nearestInt(x[i + 16 * j + l] / dl))) + 4;
            }
        }
        // The high bit of value j goes to bit j/32 of hmask[j % 32].
        int[] hmask = new int[32];
        for (int j = 0; j < QK_K; j++) {
            if (L[j] > 3) {
                hmask[j % 32] |= 1 << (j / 32);
                L[j] -= 4;
            }
        }
        for (int k = 0; k < 32; k++) s.set(I8, o + k, (byte) hmask[k]);
        pack2(L, s, o + 32);
    }

    /**
     * The Q4_K/Q5_K front half: eight 32-value sub-blocks fitted with (scale, min), both
     * quantized to 6 bits against the block's largest; writes d, dmin and the 12 scale bytes at
     * o and returns the levels in [0, nmax], re-fitted to the stored scales.
     */
    private static int[] scaleMinBlock(float[] x, int i, MemorySegment s, long o, int nmax, float rmin, int nstep) {
        int[] L = new int[QK_K];
        int[] aux = new int[32];
        float[] w = new float[32], scales = new float[8], mins = new float[8], min = new float[1];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++) {
            int xo = i + 32 * j;
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += x[xo + l] * x[xo + l];
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) w[l] = avX + Math.abs(x[xo + l]);
            scales[j] = makeQkx2(32, nmax, x, xo, w, L, 32 * j, aux, rmin, 0.1f, nstep, false, min);
            mins[j] = min[0];
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        int[] sb = new int[12];
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF); // C stores it in a uint8_t first
            int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
            if (j < 4) {
                sb[j] = ls;
                sb[j + 4] = lm;
            } else {
                sb[j + 4] = (ls & 0xF) | (lm & 0xF) << 4;
                sb[j - 4] |= (ls >> 4) << 6;
                sb[j] |= (lm >> 4) << 6;
            }
        }
        float d = maxScale / 63f, dmin = maxMin / 63f;
        s.set(I16, o, Float.floatToFloat16(d));
        s.set(I16, o + 2, Float.floatToFloat16(dmin));
        for (int k = 0; k < 12; k++) s.set(I8, o + 4 + k, (byte) sb[k]);
        float dq = f16Round(d), mq = f16Round(dmin);
        for (int j = 0; j < 8; j++) {
            int sc = j < 4 ? sb[j] & 63 : (sb[j + 4] & 0xF) | (sb[j - 4] >> 6) << 4;
            int m = j < 4 ? sb[j + 4] & 63 : (sb[j + 4] >> 4) | (sb[j] >> 6) << 4;
            float dl = dq * sc;
            if (dl == 0) continue;
            float ml = mq * m;
            for (int l = 0; l < 32; l++) {
                L[32 * j + l] = Math.max(0, Math.min(nmax, nearestInt((x[i + 32 * j + l] + ml) / dl)));
            }
        }
        return L;
    }

    /** d, dmin (f16), scales[12], qs[128]: byte l of each 64-value chunk holds values l and l+32. */
    static void q4_k(float[] x, int i, MemorySegment s, long o) {
        int[] L = scaleMinBlock(x, i, s, o, 15, -1f, 20);
        for (int j = 0; j < QK_K; j += 64) {
            for (int l = 0; l < 32; l++) s.set(I8, o + 16 + j / 2 + l, (byte) (L[j + l] | L[j + l + 32] << 4));
        }
    }

    /** d, dmin (f16), scales[12], qh[32] (fifth bits), qs[128] (low nibbles as in Q4_K). */
    static void q5_k(float[] x, int i, MemorySegment s, long o) {
        int[] L = scaleMinBlock(x, i, s, o, 31, -0.5f, 15);
        int[] qh = new int[32];
        for (int n = 0, bit = 0; n < QK_K; n += 64, bit += 2) {
            for (int j = 0; j < 32; j++) {
                int l1 = L[n + j], l2 = L[n + j + 32];
                qh[j] |= (l1 >> 4) << bit | (l2 >> 4) << (bit + 1);
                s.set(I8, o + 48 + n / 2 + j, (byte) ((l1 & 0xF) | (l2 & 0xF) << 4));
            }
        }
        for (int j = 0; j < 32; j++) s.set(I8, o + 16 + j, (byte) qh[j]);
    }

    /** ql[128], qh[64], scales[16] (int8), d (f16): x ≈ d·sc·(q − 32), sixteen 16-value sub-blocks. */
    static void q6_k(float[] x, int i, MemorySegment s, long o) {
        int[] L = new int[QK_K];
        float[] scales = new float[16];
        float maxScale = 0, maxAbs = 0;
        for (int b = 0; b < 16; b++) {
            scales[b] = makeQx(16, 32, x, i + 16 * b, L, 16 * b);
            float a = Math.abs(scales[b]);
            if (a > maxAbs) {
                maxAbs = a;
                maxScale = scales[b];
            }
        }
        if (maxAbs < GROUP_MAX_EPS) {
            s.asSlice(o, 210).fill((byte) 0);
            return;
        }
        float iscale = -128f / maxScale;
        float d = 1 / iscale;
        s.set(I16, o + 208, Float.floatToFloat16(d));
        float dq = f16Round(d);
        for (int b = 0; b < 16; b++) {
            byte sc = (byte) Math.min(127, nearestInt(iscale * scales[b]));
            s.set(I8, o + 192 + b, sc);
            float dl = dq * sc;
            if (dl == 0) continue;
            for (int l = 0; l < 16; l++) {
                L[16 * b + l] = Math.max(-32, Math.min(31, nearestInt(x[i + 16 * b + l] / dl))) + 32;
            }
        }
        for (int j = 0; j < QK_K; j += 128) {
            long ql = o + j / 2, qh = o + 128 + j / 4;
            for (int l = 0; l < 32; l++) {
                int q1 = L[j + l], q2 = L[j + l + 32], q3 = L[j + l + 64], q4 = L[j + l + 96];
                s.set(I8, ql + l, (byte) ((q1 & 0xF) | (q3 & 0xF) << 4));
                s.set(I8, ql + l + 32, (byte) ((q2 & 0xF) | (q4 & 0xF) << 4));
                s.set(I8, qh + l, (byte) ((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6));
            }
        }
    }
}
