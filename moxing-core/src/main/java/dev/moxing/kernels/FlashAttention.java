package dev.moxing.kernels;

import dev.moxing.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

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
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

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
        float scale = (float) (1 / Math.sqrt(d));
        if (tq <= FEW_QUERIES) {
            forwardFewQueries(q, k, v, out, lse, b, h, hkv, tq, tk, kvRows, d, causal, scale);
            return;
        }
        forwardTiles(q, k, v, out, lse, b, h, hkv, tq, tk, kvRows, d, causal, false);
    }

    /**
     * As {@link #forward(float[], float[], float[], float[], float[], int, int, int, int, int, int, boolean)}
     * with q and out laid out (B, Tq, H, D) and k, v (B, Tk, Hkv, D), contiguous: the heads of a
     * position side by side, as the q/k/v projections produce them and the output projection reads
     * them. Training attends in this layout so that no (B, T, H, D) ↔ (B, H, T, D) copy is made of
     * q, k, v, the output or any of their gradients (5% of an S GPT training step). lse stays (B, H, Tq).
     */
    public static void forwardRows(float[] q, float[] k, float[] v, float[] out, float[] lse,
                                   int b, int h, int hkv, int tq, int tk, int d, boolean causal) {
        forwardTiles(q, k, v, out, lse, b, h, hkv, tq, tk, tk, d, causal, true);
    }

    /**
     * The tile loop over (batch, kv head) groups. {@code rows}: the (B, T, H, D) layout (a head's
     * rows H·D apart), else (B, H, T, D) with kvRows rows per kv head.
     */
    private static void forwardTiles(float[] q, float[] k, float[] v, float[] out, float[] lse, int b, int h, int hkv,
                                     int tq, int tk, int kvRows, int d, boolean causal, boolean rows) {
        int group = h / hkv;
        int ldq = rows ? h * d : d, ldkv = rows ? hkv * d : d;
        WorkerPool.shared().parallelFor(0, b * hkv, 1, (g0, g1) -> {
            float[][] scratch = headScratch();
            float[] kT = new float[d * tk];
            for (int g = g0; g < g1; g++) {
                int bi = g / hkv, kh = g % hkv;
                int kvOff = rows ? (bi * tk * hkv + kh) * d : (bi * hkv + kh) * kvRows * d;
                transpose(k, kvOff, ldkv, tk, d, kT);
                for (int hh = kh * group; hh < (kh + 1) * group; hh++) {
                    int row = (bi * h + hh) * tq;
                    int qOff = rows ? (bi * tq * h + hh) * d : row * d;
                    forwardHead(q, kT, v, out, lse, qOff, ldq, kvOff, ldkv, row, tq, tk, d, causal, scratch);
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

    /** Scratch for {@link #forwardHead}, one per thread: a score tile, running maxima and sums, a vector pad. */
    public static float[][] headScratch() {
        return new float[][] {new float[BR * BC], new float[BR], new float[BR], new float[L]};
    }

    /**
     * All Tq query rows of one head (q and out at qOff, lse at lseOff) against Tk keys, given
     * transposed as kT (D, Tk) (see {@link #transpose}; heads sharing a kv head share it), and
     * values (Tk, D) at kvOff in v: the tile loop of {@link #forward}, also for a caller that
     * stages F32 keys and values itself ({@code QuantAttention} decodes an F16 or Q8_0 cache).
     */
    public static void forwardHead(float[] q, float[] kT, float[] v, float[] out, float[] lse, int qOff, int kvOff,
                                   int lseOff, int tq, int tk, int d, boolean causal, float[][] scratch) {
        forwardHead(q, kT, v, out, lse, qOff, d, kvOff, d, lseOff, tq, tk, d, causal, scratch);
    }

    /** As above with the rows of q and out ldq apart, those of v ldv apart. */
    private static void forwardHead(float[] q, float[] kT, float[] v, float[] out, float[] lse, int qOff, int ldq,
                                    int kvOff, int ldv, int lseOff, int tq, int tk, int d, boolean causal, float[][] scratch) {
        float scale = (float) (1 / Math.sqrt(d));
        for (int i0 = 0; i0 < tq; i0 += BR) {
            int br = Math.min(BR, tq - i0);
            forwardTile(q, kT, v, out, lse, qOff, ldq, kvOff, ldv, lseOff, i0, br, tq, tk, d, causal, scale,
                    scratch[0], scratch[1], scratch[2], scratch[3]);
        }
    }

    /**
     * kT (d, rows) = the (rows, d) block of x at off, transposed. The tile GEMMs then read keys
     * and values as plain (k, n) operands, whose packing is a vector copy; packing a transposed
     * operand is a scalar strided copy that, redone for every tile pair, cost about as much as
     * the tiles' arithmetic at head size 32. Transposing once per head makes it one pass.
     */
    public static void transpose(float[] x, int off, int rows, int d, float[] xT) {
        transpose(x, off, d, rows, d, xT);
    }

    /**
     * As above with the rows of x ld apart. Eight rows at a time, so that each column of xT gets
     * a run of eight consecutive stores (one row at a time scattered single floats d lines apart:
     * 1.7x slower for a (128, 32) head).
     */
    static void transpose(float[] x, int off, int ld, int rows, int d, float[] xT) {
        int j0 = 0;
        for (; j0 + 8 <= rows; j0 += 8) {
            for (int c = 0; c < d; c++) {
                int dst = c * rows + j0, src = off + j0 * ld + c;
                xT[dst] = x[src];
                xT[dst + 1] = x[src + ld];
                xT[dst + 2] = x[src + 2 * ld];
                xT[dst + 3] = x[src + 3 * ld];
                xT[dst + 4] = x[src + 4 * ld];
                xT[dst + 5] = x[src + 5 * ld];
                xT[dst + 6] = x[src + 6 * ld];
                xT[dst + 7] = x[src + 7 * ld];
            }
        }
        for (int j = j0; j < rows; j++) {
            for (int c = 0; c < d; c++) xT[c * rows + j] = x[off + j * ld + c];
        }
    }

    /** kT is the head's keys transposed, (d, tk); v is read in place at kvOff (rows ldv apart). */
    private static void forwardTile(float[] q, float[] kT, float[] v, float[] out, float[] lse, int qOff, int ldq,
                                    int kvOff, int ldv, int lseOff, int i0, int br, int tq, int tk, int d, boolean causal,
                                    float scale, float[] s, float[] m, float[] l, float[] pad) {
        int shift = tk - tq;
        java.util.Arrays.fill(m, 0, br, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(l, 0, br, 0f);
        int o0 = qOff + i0 * ldq;
        for (int r = 0; r < br; r++) java.util.Arrays.fill(out, o0 + r * ldq, o0 + r * ldq + d, 0f);
        int jEnd = causal ? Math.min(tk, i0 + br + shift) : tk;
        for (int j0 = 0; j0 < jEnd; j0 += BC) {
            int bc = Math.min(BC, jEnd - j0);
            // S = scale · Q_i K_jᵀ   (br, bc)
            int dg = causal ? i0 + shift - j0 : bc;  // row r sees the tile's keys c <= r + dg
            int mode = causal ? TileGemm.COLS_UPTO : TileGemm.FULL;
            TileGemm.mul(br, bc, d, scale, q, o0, ldq, 1, kT, j0, tk, false, s, 0, bc, mode, dg);
            for (int r = 0; r < br; r++) {
                int row = r * bc;
                int limit = visibleKeys(causal, r, dg, bc); // keys j0..j0+limit-1 visible
                float mx = Math.max(m[r], rowMax(s, row, limit));
                if (mx == Float.NEGATIVE_INFINITY) { // row sees no key in this tile
                    java.util.Arrays.fill(s, row, row + bc, 0f);
                    continue;
                }
                float corr = m[r] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(m[r] - mx);
                float sum = expRow(s, row, limit, bc, mx, pad);
                l[r] = l[r] * corr + sum;
                m[r] = mx;
                if (j0 > 0 && corr != 1f) scaleRow(out, o0 + r * ldq, d, corr); // earlier tiles' sum, rescaled
            }
            // O_i += P V_j   (br, d)
            TileGemm.mul(br, d, bc, 1f, s, 0, bc, 1, v, kvOff + j0 * ldv, ldv, true, out, o0, ldq,
                    causal ? TileGemm.K_UPTO : TileGemm.FULL, dg);
        }
        for (int r = 0; r < br; r++) {
            scaleRow(out, o0 + r * ldq, d, l[r] == 0 ? 0f : 1f / l[r]);
            lse[lseOff + i0 + r] = l[r] == 0 ? Float.NEGATIVE_INFINITY : (float) (m[r] + Math.log(l[r]));
        }
    }

    /*
     * Row kernels of the tile loops. The softmax's exponentials were a scalar Math.exp per score:
     * with head size 32 they cost more than the tile GEMMs (profile of the S GPT: 22% of a training
     * step in the tile loops, 13% in their GEMMs). Here they are vector code from VectorMath, the
     * masked tail included, so every score of a row goes through the same arithmetic whatever its
     * position and the result does not depend on the tile split of the keys.
     */

    /** How many of a tile's bc keys row r sees: those c ≤ r + dg under a causal mask, else all. */
    private static int visibleKeys(boolean causal, int r, int dg, int bc) {
        return causal ? Math.max(0, Math.min(bc, r + dg + 1)) : bc;
    }

    /** The largest of x[off .. off+n), −∞ for n = 0. */
    static float rowMax(float[] x, int off, int n) {
        // Plain loads and a scalar tail: a masked, blended tail here was once compiled into code
        // that took a quarter of a training step (JFR), where the scalar tail costs a few compares.
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int c = 0;
        for (int e = S.loopBound(n); c < e; c += L) acc = acc.max(FloatVector.fromArray(S, x, off + c));
        for (VectorShuffle<Float> f : FOLD) acc = acc.max(acc.rearrange(f));
        float mx = acc.lane(0);
        for (; c < n; c++) mx = Math.max(mx, x[off + c]);
        return mx;
    }

    /**
     * x[off+c] = exp(x[off+c] − sub) for c &lt; limit, 0 for limit ≤ c &lt; width (the masked keys);
     * returns the sum of the exponentials. pad: scratch of L floats.
     */
    static float expRow(float[] x, int off, int limit, int width, float sub, float[] pad) {
        // One exp call site (a second one for the tail made the method too big for C2 to inline
        // both, and the one left out boxed its vectors: 10x slower rows) and no vector chosen by
        // a condition (which C2 may box too): the last partial vector goes through a padded
        // copy, its lanes past the limit −∞, whose exponential is exactly 0.
        FloatVector sum = FloatVector.zero(S);
        for (int c = 0; c < limit; c += L) {
            boolean full = c + L <= limit;
            if (!full) {
                System.arraycopy(x, off + c, pad, 0, limit - c);
                java.util.Arrays.fill(pad, limit - c, L, Float.NEGATIVE_INFINITY);
            }
            float[] src = full ? x : pad;
            int so = full ? off + c : 0;
            FloatVector p = VectorMath.exp(FloatVector.fromArray(S, src, so).sub(sub));
            sum = sum.add(p);
            p.intoArray(src, so);
            if (!full) System.arraycopy(pad, 0, x, off + c, limit - c);
        }
        if (limit < width) java.util.Arrays.fill(x, off + Math.max(limit, 0), off + width, 0f);
        // Lanes folded in a fixed order, not reduceLanes(ADD), whose order differs between the
        // interpreter and C2: a run must give the same bits before and after the JIT warms up.
        for (VectorShuffle<Float> f : FOLD) sum = sum.add(sum.rearrange(f));
        return sum.lane(0);
    }

    /** Lane folds in a fixed order (see {@link VectorReductions#foldShuffles}). */
    private static final VectorShuffle<Float>[] FOLD = VectorReductions.foldShuffles();

    /** x[off .. off+n) *= f. */
    static void scaleRow(float[] x, int off, int n, float f) {
        int c = 0;
        for (int e = S.loopBound(n); c < e; c += L) FloatVector.fromArray(S, x, off + c).mul(f).intoArray(x, off + c);
        for (; c < n; c++) x[off + c] *= f;
    }

    /**
     * ds[off+c] = p[off+c] · (ds[off+c] − delta) for c &lt; limit, 0 for limit ≤ c &lt; width (masked
     * keys, where ds may hold values the causal tile product skipped): the softmax backward of one row.
     */
    static void softmaxGradRow(float[] p, float[] ds, int off, int limit, int width, float delta) {
        int c = 0;
        for (int e = S.loopBound(limit); c < e; c += L) {
            FloatVector.fromArray(S, p, off + c).mul(FloatVector.fromArray(S, ds, off + c).sub(delta)).intoArray(ds, off + c);
        }
        for (; c < limit; c++) ds[off + c] = p[off + c] * (ds[off + c] - delta);
        if (limit < width) java.util.Arrays.fill(ds, off + limit, off + width, 0f);
    }

    /** Gradients dq (B, H, Tq, D), dk, dv (B, Hkv, Tk, D) are overwritten. */
    public static void backward(float[] q, float[] k, float[] v, float[] out, float[] lse, float[] dout,
                                float[] dq, float[] dk, float[] dv,
                                int b, int h, int hkv, int tq, int tk, int d, boolean causal) {
        backward(q, k, v, out, lse, dout, dq, dk, dv, b, h, hkv, tq, tk, d, causal, false);
    }

    /** The backward of {@link #forwardRows}: dout and dq (B, Tq, H, D), dk and dv (B, Tk, Hkv, D). */
    public static void backwardRows(float[] q, float[] k, float[] v, float[] out, float[] lse, float[] dout,
                                    float[] dq, float[] dk, float[] dv,
                                    int b, int h, int hkv, int tq, int tk, int d, boolean causal) {
        backward(q, k, v, out, lse, dout, dq, dk, dv, b, h, hkv, tq, tk, d, causal, true);
    }

    private static void backward(float[] q, float[] k, float[] v, float[] out, float[] lse, float[] dout,
                                 float[] dq, float[] dk, float[] dv,
                                 int b, int h, int hkv, int tq, int tk, int d, boolean causal, boolean rows) {
        int group = h / hkv;
        int ldq = rows ? h * d : d, ldkv = rows ? hkv * d : d;
        float scale = (float) (1 / Math.sqrt(d));
        int shift = tk - tq;
        java.util.Arrays.fill(dq, 0f);
        java.util.Arrays.fill(dk, 0f);
        java.util.Arrays.fill(dv, 0f);
        WorkerPool.shared().parallelFor(0, b * hkv, 1, (g0, g1) -> {
            float[] p = new float[BR * BC], dp = new float[BR * BC], pad = new float[L];
            float[] delta = new float[tq];
            float[] kT = new float[d * tk], vT = new float[d * tk];
            for (int g = g0; g < g1; g++) {
                int bi = g / hkv, kh = g % hkv;
                int kvOff = rows ? (bi * tk * hkv + kh) * d : (bi * hkv + kh) * tk * d;
                transpose(k, kvOff, ldkv, tk, d, kT);
                transpose(v, kvOff, ldkv, tk, d, vT);
                for (int hh = kh * group; hh < (kh + 1) * group; hh++) {
                    int qOff = rows ? (bi * tq * h + hh) * d : (bi * h + hh) * tq * d;
                    int lseOff = (bi * h + hh) * tq;
                    // Δ_i = Σ_d dO_i ∘ O_i  (the softmax-backward row term)
                    for (int i = 0; i < tq; i++) delta[i] = VectorReductions.dot(dout, qOff + i * ldq, out, qOff + i * ldq, d);
                    for (int j0 = 0; j0 < tk; j0 += BC) {
                        int bc = Math.min(BC, tk - j0);
                        int iStart = causal ? Math.max(0, ((j0 - shift) / BR) * BR) : 0;
                        for (int i0 = iStart; i0 < tq; i0 += BR) {
                            int br = Math.min(BR, tq - i0);
                            if (causal && i0 + br - 1 + shift < j0) continue; // tile fully masked
                            int q0 = qOff + i0 * ldq;
                            // P = exp(scale · Q_i K_jᵀ − lse_i), masked   (br, bc)
                            int dg = causal ? i0 + shift - j0 : bc; // row r sees the tile's keys c <= r + dg
                            int cols = causal ? TileGemm.COLS_UPTO : TileGemm.FULL;
                            int upto = causal ? TileGemm.K_UPTO : TileGemm.FULL, from = causal ? TileGemm.K_FROM : TileGemm.FULL;
                            TileGemm.mul(br, bc, d, scale, q, q0, ldq, 1, kT, j0, tk, false, p, 0, bc, cols, dg);
                            for (int r = 0; r < br; r++) {
                                int limit = visibleKeys(causal, r, dg, bc);
                                expRow(p, r * bc, limit, bc, lse[lseOff + i0 + r], pad);
                            }
                            // dV_j += Pᵀ dO_i   (bc, d)
                            TileGemm.mul(bc, d, br, 1f, p, 0, 1, bc, dout, q0, ldq, true, dv, kvOff + j0 * ldkv, ldkv, from, dg);
                            // dP = dO_i V_jᵀ   (br, bc)
                            TileGemm.mul(br, bc, d, 1f, dout, q0, ldq, 1, vT, j0, tk, false, dp, 0, bc, cols, dg);
                            // dS = P ∘ (dP − Δ_i)   (stored in dp)
                            for (int r = 0; r < br; r++) {
                                int limit = visibleKeys(causal, r, dg, bc);
                                softmaxGradRow(p, dp, r * bc, limit, bc, delta[i0 + r]);
                            }
                            // dQ_i += scale · dS K_j ;  dK_j += scale · dSᵀ Q_i
                            TileGemm.mul(br, d, bc, scale, dp, 0, bc, 1, k, kvOff + j0 * ldkv, ldkv, true, dq, q0, ldq, upto, dg);
                            TileGemm.mul(bc, d, br, scale, dp, 0, 1, bc, q, q0, ldq, true, dk, kvOff + j0 * ldkv, ldkv, from, dg);
                        }
                    }
                }
            }
        });
    }
}
