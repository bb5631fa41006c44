package dev.moxing.kernels;

import dev.moxing.parallel.WorkerPool;

/**
 * Scaled dot-product attention, forward and backward, computed tile by tile (FlashAttention-2
 * style) so that no T×T score matrix per head is ever materialised: only Br×Bc tiles, through the
 * packed GEMM. The forward saves the per-row log-sum-exp so the backward can rebuild each
 * probability tile exactly instead of storing it.
 *
 * <p>Layout: q (B, H, Tq, D), k and v (B, Hkv, Tk, D), contiguous; H a multiple of Hkv (grouped-query
 * attention: query head h reads key/value head h / (H / Hkv)). With {@code causal}, query row i
 * (absolute position i + Tk − Tq, so a KV cache's new rows see the whole prefix) attends to keys
 * j ≤ i + Tk − Tq. Work is split over (batch, kv-head) groups, which own disjoint slices of every
 * output and gradient, so the result is the same for any thread count.
 */
public final class FlashAttention {
    private static final int BR = 64;
    private static final int BC = 64;

    private FlashAttention() {
    }

    /** out (B, H, Tq, D) and lse (B, H, Tq) are written. */
    public static void forward(float[] q, float[] k, float[] v, float[] out, float[] lse,
                               int b, int h, int hkv, int tq, int tk, int d, boolean causal) {
        forward(q, k, v, out, lse, b, h, hkv, tq, tk, tk, d, causal);
    }

    /**
     * As above with k and v stored as (B, Hkv, kvRows, D) of which the first tk rows per head are
     * used: a preallocated KV cache is read in place instead of being copied to (B, Hkv, Tk, D).
     */
    public static void forward(float[] q, float[] k, float[] v, float[] out, float[] lse,
                               int b, int h, int hkv, int tq, int tk, int kvRows, int d, boolean causal) {
        int group = h / hkv;
        float scale = (float) (1 / Math.sqrt(d));
        if (tq <= FEW_QUERIES) {
            forwardFewQueries(q, k, v, out, lse, b, h, hkv, tq, tk, kvRows, d, causal, scale);
            return;
        }
        WorkerPool.shared().parallelFor(0, b * hkv, 1, (g0, g1) -> {
            float[][] scratch = headScratch();
            float[] kT = new float[d * tk];
            for (int g = g0; g < g1; g++) {
                int bi = g / hkv, kh = g % hkv;
                int kvOff = (bi * hkv + kh) * kvRows * d;
                transpose(k, kvOff, tk, d, kT);
                for (int hh = kh * group; hh < (kh + 1) * group; hh++) {
                    int row = (bi * h + hh) * tq;
                    forwardHead(q, kT, v, out, lse, row * d, kvOff, row, tq, tk, d, causal, scratch);
                }
            }
        });
    }

    /** Up to this many query rows (token-by-token decoding), attention runs row by row without GEMM tiles. */
    public static final int FEW_QUERIES = 4;

    /**
     * Decoding: one query row per head against the cache. Scores are dot products, the softmax is
     * exact (max first, then one pass of exponentials), and the output accumulates p_j · v_j; no
     * tile packing, which would cost more than the arithmetic for a single row.
     */
    private static void forwardFewQueries(float[] q, float[] k, float[] v, float[] out, float[] lse,
                                          int b, int h, int hkv, int tq, int tk, int kvRows, int d, boolean causal,
                                          float scale) {
        int group = h / hkv, shift = tk - tq;
        WorkerPool.shared().parallelFor(0, b * hkv, 1, (g0, g1) -> {
            float[] s = new float[tk];
            for (int g = g0; g < g1; g++) {
                int bi = g / hkv, kh = g % hkv;
                int kvOff = (bi * hkv + kh) * kvRows * d;
                for (int hh = kh * group; hh < (kh + 1) * group; hh++) {
                    for (int r = 0; r < tq; r++) {
                        int qo = ((bi * h + hh) * tq + r) * d;
                        int limit = causal ? Math.max(0, Math.min(tk, r + shift + 1)) : tk;
                        float mx = Float.NEGATIVE_INFINITY;
                        for (int j = 0; j < limit; j++) {
                            s[j] = scale * VectorReductions.dot(q, qo, k, kvOff + j * d, d);
                            mx = Math.max(mx, s[j]);
                        }
                        java.util.Arrays.fill(out, qo, qo + d, 0f);
                        int li = (bi * h + hh) * tq + r;
                        if (limit == 0) {
                            lse[li] = Float.NEGATIVE_INFINITY;
                            continue;
                        }
                        float sum = 0;
                        for (int j = 0; j < limit; j++) {
                            float p = (float) Math.exp(s[j] - mx);
                            sum += p;
                            VectorOps.scaleAdd(v, kvOff + j * d, p, out, qo, d);
                        }
                        VectorOps.mulScalar(out, qo, 1f / sum, out, qo, d);
                        lse[li] = (float) (mx + Math.log(sum));
                    }
                }
            }
        });
    }

    /** Scratch for {@link #forwardHead}, one per thread: a score tile, running maxima and sums. */
    public static float[][] headScratch() {
        return new float[][] {new float[BR * BC], new float[BR], new float[BR]};
    }

    /**
     * All Tq query rows of one head (q and out at qOff, lse at lseOff) against Tk keys, given
     * transposed as kT (D, Tk) (see {@link #transpose}; heads sharing a kv head share it), and
     * values (Tk, D) at kvOff in v: the tile loop of {@link #forward}, also for a caller that
     * stages F32 keys and values itself ({@code QuantAttention} decodes an F16 or Q8_0 cache).
     */
    public static void forwardHead(float[] q, float[] kT, float[] v, float[] out, float[] lse, int qOff, int kvOff,
                                   int lseOff, int tq, int tk, int d, boolean causal, float[][] scratch) {
        float scale = (float) (1 / Math.sqrt(d));
        for (int i0 = 0; i0 < tq; i0 += BR) {
            int br = Math.min(BR, tq - i0);
            forwardTile(q, kT, v, out, lse, qOff, kvOff, lseOff, i0, br, tq, tk, d, causal, scale, scratch[0], scratch[1], scratch[2]);
        }
    }

    /**
     * kT (d, rows) = the (rows, d) block of x at off, transposed. The tile GEMMs then read keys
     * and values as plain (k, n) operands, whose packing is a vector copy; packing a transposed
     * operand is a scalar strided copy that, redone for every tile pair, cost about as much as
     * the tiles' arithmetic at head size 32. Transposing once per head makes it one pass.
     */
    public static void transpose(float[] x, int off, int rows, int d, float[] xT) {
        for (int j = 0; j < rows; j++) {
            int src = off + j * d;
            for (int c = 0; c < d; c++) xT[c * rows + j] = x[src + c];
        }
    }

    /** kT is the head's keys transposed, (d, tk); v is read in place at kvOff. */
    private static void forwardTile(float[] q, float[] kT, float[] v, float[] out, float[] lse, int qOff, int kvOff,
                                    int lseOff, int i0, int br, int tq, int tk, int d, boolean causal, float scale,
                                    float[] s, float[] m, float[] l) {
        int shift = tk - tq;
        java.util.Arrays.fill(m, 0, br, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(l, 0, br, 0f);
        int o0 = qOff + i0 * d;
        java.util.Arrays.fill(out, o0, o0 + br * d, 0f);
        int jEnd = causal ? Math.min(tk, i0 + br + shift) : tk;
        for (int j0 = 0; j0 < jEnd; j0 += BC) {
            int bc = Math.min(BC, jEnd - j0);
            // S = scale · Q_i K_jᵀ   (br, bc)
            Gemm.sgemm(false, false, br, bc, d, scale, q, o0, d, kT, j0, tk, 0f, s, 0, bc);
            for (int r = 0; r < br; r++) {
                int row = r * bc;
                int limit = causal ? Math.max(0, Math.min(bc, i0 + r + shift - j0 + 1)) : bc; // keys j0..j0+limit-1 visible
                float mx = m[r];
                for (int c = 0; c < limit; c++) mx = Math.max(mx, s[row + c]);
                if (mx == Float.NEGATIVE_INFINITY) { // row sees no key in this tile
                    java.util.Arrays.fill(s, row, row + bc, 0f);
                    continue;
                }
                float corr = (float) Math.exp(m[r] - mx);
                float sum = 0;
                for (int c = 0; c < limit; c++) {
                    float p = (float) Math.exp(s[row + c] - mx);
                    s[row + c] = p;
                    sum += p;
                }
                for (int c = limit; c < bc; c++) s[row + c] = 0f;
                l[r] = l[r] * corr + sum;
                m[r] = mx;
                if (corr != 1f) VectorOps.mulScalar(out, o0 + r * d, corr, out, o0 + r * d, d);
            }
            // O_i += P V_j   (br, d)
            Gemm.sgemm(false, false, br, d, bc, 1f, s, 0, bc, v, kvOff + j0 * d, d, 1f, out, o0, d);
        }
        for (int r = 0; r < br; r++) {
            float inv = l[r] == 0 ? 0f : 1f / l[r];
            VectorOps.mulScalar(out, o0 + r * d, inv, out, o0 + r * d, d);
            lse[lseOff + i0 + r] = l[r] == 0 ? Float.NEGATIVE_INFINITY : (float) (m[r] + Math.log(l[r]));
        }
    }

    /** Gradients dq (B, H, Tq, D), dk, dv (B, Hkv, Tk, D) are overwritten. */
    public static void backward(float[] q, float[] k, float[] v, float[] out, float[] lse, float[] dout,
                                float[] dq, float[] dk, float[] dv,
                                int b, int h, int hkv, int tq, int tk, int d, boolean causal) {
        int group = h / hkv;
        float scale = (float) (1 / Math.sqrt(d));
        int shift = tk - tq;
        java.util.Arrays.fill(dq, 0f);
        java.util.Arrays.fill(dk, 0f);
        java.util.Arrays.fill(dv, 0f);
        WorkerPool.shared().parallelFor(0, b * hkv, 1, (g0, g1) -> {
            float[] p = new float[BR * BC], dp = new float[BR * BC];
            float[] delta = new float[tq];
            float[] kT = new float[d * tk], vT = new float[d * tk];
            for (int g = g0; g < g1; g++) {
                int bi = g / hkv, kh = g % hkv;
                int kvOff = (bi * hkv + kh) * tk * d;
                transpose(k, kvOff, tk, d, kT);
                transpose(v, kvOff, tk, d, vT);
                for (int hh = kh * group; hh < (kh + 1) * group; hh++) {
                    int qOff = (bi * h + hh) * tq * d;
                    int lseOff = (bi * h + hh) * tq;
                    // Δ_i = Σ_d dO_i ∘ O_i  (the softmax-backward row term)
                    for (int i = 0; i < tq; i++) delta[i] = VectorReductions.dot(dout, qOff + i * d, out, qOff + i * d, d);
                    for (int j0 = 0; j0 < tk; j0 += BC) {
                        int bc = Math.min(BC, tk - j0);
                        int iStart = causal ? Math.max(0, ((j0 - shift) / BR) * BR) : 0;
                        for (int i0 = iStart; i0 < tq; i0 += BR) {
                            int br = Math.min(BR, tq - i0);
                            if (causal && i0 + br - 1 + shift < j0) continue; // tile fully masked
                            int q0 = qOff + i0 * d;
                            // P = exp(scale · Q_i K_jᵀ − lse_i), masked   (br, bc)
                            Gemm.sgemm(false, false, br, bc, d, scale, q, q0, d, kT, j0, tk, 0f, p, 0, bc);
                            for (int r = 0; r < br; r++) {
                                float rowLse = lse[lseOff + i0 + r];
                                int limit = causal ? Math.max(0, Math.min(bc, i0 + r + shift - j0 + 1)) : bc;
                                int row = r * bc;
                                for (int c = 0; c < limit; c++) p[row + c] = (float) Math.exp(p[row + c] - rowLse);
                                for (int c = limit; c < bc; c++) p[row + c] = 0f;
                            }
                            // dV_j += Pᵀ dO_i   (bc, d)
                            Gemm.sgemm(true, false, bc, d, br, 1f, p, 0, bc, dout, q0, d, 1f, dv, kvOff + j0 * d, d);
                            // dP = dO_i V_jᵀ   (br, bc)
                            Gemm.sgemm(false, false, br, bc, d, 1f, dout, q0, d, vT, j0, tk, 0f, dp, 0, bc);
                            // dS = P ∘ (dP − Δ_i)   (stored in dp)
                            for (int r = 0; r < br; r++) {
                                float dl = delta[i0 + r];
                                int row = r * bc;
                                for (int c = 0; c < bc; c++) dp[row + c] = p[row + c] * (dp[row + c] - dl);
                            }
                            // dQ_i += scale · dS K_j ;  dK_j += scale · dSᵀ Q_i
                            Gemm.sgemm(false, false, br, d, bc, scale, dp, 0, bc, k, kvOff + j0 * d, d, 1f, dq, q0, d);
                            Gemm.sgemm(true, false, bc, d, br, scale, dp, 0, bc, q, q0, d, 1f, dk, kvOff + j0 * d, d);
                        }
                    }
                }
            }
        });
    }
}
