package dev.moxing.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The small products inside {@link FlashAttention}'s tiles: {@code C = alpha · A B (+ C)} with
 * A read in place through any (row, column) strides (so a transposed tile costs nothing) and B,
 * C row-major, without packing.
 *
 * <p>Why not {@link Gemm}: the attention tiles are 64 × 64 × head size (32 or 64) and already sit
 * in L1; Gemm's packing of both operands, done afresh for each tile, plus its scalar packing of a
 * transposed A (dVⱼ += Pᵀ dOᵢ, dKⱼ += dSᵀ Qᵢ), took as long as the multiply-adds (profile of the
 * S GPT's attention: 61% of its time under Gemm, of which 17 points packing transposed tiles).
 * Here B rows are loaded straight as vectors and A elements are broadcast from where they lie.
 *
 * <p>Register block: 8 rows of A (broadcast) by 2 vectors of B: 16 accumulators, 8 broadcasts
 * and 2 vector loads per 16 fused multiply-adds. Columns past n are masked; rows past the last
 * multiple of 8 go one at a time. Every element of C is a plain sequential sum over p, so the
 * result does not depend on the blocking.
 */
final class TileGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int NB = 2 * L;

    private TileGemm() {
    }

    /** No causal structure: every (i, j) over every p. */
    static final int FULL = 0;
    /** Row i needs only the columns j ≤ i + diag (the others may be left unwritten). */
    static final int COLS_UPTO = 1;
    /** A(i, p) is zero for p &gt; i + diag: the sum stops there. Accumulating products only. */
    static final int K_UPTO = 2;
    /** A(i, p) is zero for p &lt; i − diag: the sum starts there. Accumulating products only. */
    static final int K_FROM = 3;

    /**
     * c[i·ldc + j] = alpha · Σₚ A(i, p) · b[p·ldb + j] (+ c[i·ldc + j] when {@code accumulate}),
     * for i &lt; m, j &lt; n, p &lt; k, where A(i, p) = a[aOff + i·ars + p·acs].
     */
    static void mul(int m, int n, int k, float alpha, float[] a, int aOff, int ars, int acs,
                    float[] b, int bOff, int ldb, boolean accumulate, float[] c, int cOff, int ldc) {
        mul(m, n, k, alpha, a, aOff, ars, acs, b, bOff, ldb, accumulate, c, cOff, ldc, FULL, 0);
    }

    /**
     * As above, skipping what a causal mask makes zero or unneeded ({@code causal}: one of
     * {@link #FULL}, {@link #COLS_UPTO}, {@link #K_UPTO}, {@link #K_FROM}, with {@code diag}). A
     * diagonal attention tile is then about half the work. Skipped products are exact zeros
     * (their A elements are zero), so sums are unchanged.
     */
    static void mul(int m, int n, int k, float alpha, float[] a, int aOff, int ars, int acs,
                    float[] b, int bOff, int ldb, boolean accumulate, float[] c, int cOff, int ldc, int causal, int diag) {
        for (int j0 = 0; j0 < n; j0 += NB) {
            int cols = Math.min(NB, n - j0);
            // A partial block's masked loads and stores span NB columns; where that runs past the end
            // of b or c, the Vector API takes an out-of-range path, and once a compiled block8 has
            // seen it the whole loop slows down (attention at head size 48: 2.8x). Such blocks go
            // through padded copies instead, so the kernels only ever see in-range offsets.
            if (cols < NB && (k > 0 && bOff + (long) (k - 1) * ldb + j0 + NB > b.length
                    || m > 0 && cOff + (long) (m - 1) * ldc + j0 + NB > c.length)) {
                edgeColumns(m, cols, k, alpha, a, aOff, ars, acs, b, bOff + j0, ldb, accumulate, c, cOff + j0, ldc,
                        causal, causal == COLS_UPTO ? diag - j0 : diag);
            } else {
                columns(m, n, k, alpha, a, aOff, ars, acs, b, bOff, ldb, accumulate, c, cOff, ldc, causal, diag, j0);
            }
        }
    }

    /** Columns [j0, j0 + NB) ∩ [0, n) of C, every row. */
    private static void columns(int m, int n, int k, float alpha, float[] a, int aOff, int ars, int acs, float[] b, int bOff,
                                int ldb, boolean accumulate, float[] c, int cOff, int ldc, int causal, int diag, int j0) {
        for (int i = 0; i < m; ) {
            int rows = i + 8 <= m ? 8 : 1;
            int last = i + rows - 1, p0 = 0, p1 = k;
            if (causal == COLS_UPTO && j0 > last + diag) { // no row of the block needs these columns
                i += rows;
                continue;
            }
            if (causal == K_UPTO) p1 = Math.min(k, last + diag + 1);
            if (causal == K_FROM) p0 = Math.max(0, i - diag);
            if (p0 < p1 || !accumulate) {
                int ao = aOff + i * ars + p0 * acs, bo = bOff + p0 * ldb + j0, co = cOff + i * ldc + j0;
                int kk = Math.max(0, p1 - p0);
                if (rows == 8) block8(kk, alpha, a, ao, ars, acs, b, bo, ldb, accumulate, c, co, ldc, n - j0);
                else block1(kk, alpha, a, ao, acs, b, bo, ldb, accumulate, c, co, n - j0);
            }
            i += rows;
        }
    }

    /** Per-thread padded copies for {@link #edgeColumns}: B's columns (k, NB), C's (m, NB). */
    private static final ThreadLocal<float[][]> EDGE = ThreadLocal.withInitial(() -> new float[2][0]);

    /**
     * The last, partial column block (cols &lt; NB) when its full-width vectors would run past the
     * end of b or c: copies those columns of B and C into arrays NB wide, multiplies there, and
     * copies C's columns back (all of them, so entries the causal mode skips come back unchanged).
     */
    private static void edgeColumns(int m, int cols, int k, float alpha, float[] a, int aOff, int ars, int acs, float[] b,
                                    int bOff, int ldb, boolean accumulate, float[] c, int cOff, int ldc, int causal, int diag) {
        float[][] edge = EDGE.get();
        if (edge[0].length < k * NB) edge[0] = new float[k * NB];
        if (edge[1].length < m * NB) edge[1] = new float[m * NB];
        float[] bs = edge[0], cs = edge[1];
        for (int p = 0; p < k; p++) System.arraycopy(b, bOff + p * ldb, bs, p * NB, cols);
        for (int i = 0; i < m; i++) System.arraycopy(c, cOff + i * ldc, cs, i * NB, cols);
        columns(m, cols, k, alpha, a, aOff, ars, acs, bs, 0, NB, accumulate, cs, 0, NB, causal, diag, 0);
        for (int i = 0; i < m; i++) System.arraycopy(cs, i * NB, c, cOff + i * ldc, cols);
    }

    /** 8 rows of C (at cOff, stride ldc) by the first min(cols, 2L) columns. */
    private static void block8(int k, float alpha, float[] a, int aOff, int ars, int acs, float[] b, int bOff, int ldb,
                               boolean accumulate, float[] c, int cOff, int ldc, int cols) {
        // Masks are made here, not passed in: a mask crossing a call that is not inlined is boxed.
        VectorMask<Float> m0 = S.indexInRange(0, cols), m1 = S.indexInRange(L, cols);
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        int a1 = ars, a2 = 2 * ars, a3 = 3 * ars, a4 = 4 * ars, a5 = 5 * ars, a6 = 6 * ars, a7 = 7 * ars;
        for (int p = 0, ap = aOff, bp = bOff; p < k; p++, ap += acs, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp, m0), b1 = FloatVector.fromArray(S, b, bp + L, m1);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ap + a1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ap + a2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ap + a3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ap + a4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ap + a5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[ap + a6]);
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[ap + a7]);
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        // Stores unrolled by hand: a helper taking the accumulators would box them.
        int o = cOff;
        if (accumulate) {
            FloatVector.fromArray(S, c, o, m0).add(c00.mul(alpha)).intoArray(c, o, m0);
            FloatVector.fromArray(S, c, o + L, m1).add(c01.mul(alpha)).intoArray(c, o + L, m1);
            o += ldc;
            FloatVector.fromArray(S, c, o, m0).add(c10.mul(alpha)).intoArray(c, o, m0);
            FloatVector.fromArray(S, c, o + L, m1).add(c11.mul(alpha)).intoArray(c, o + L, m1);
            o += ldc;
            FloatVector.fromArray(S, c, o, m0).add(c20.mul(alpha)).intoArray(c, o, m0);
            FloatVector.fromArray(S, c, o + L, m1).add(c21.mul(alpha)).intoArray(c, o + L, m1);
            o += ldc;
            FloatVector.fromArray(S, c, o, m0).add(c30.mul(alpha)).intoArray(c, o, m0);
            FloatVector.fromArray(S, c, o + L, m1).add(c31.mul(alpha)).intoArray(c, o + L, m1);
            o += ldc;
            FloatVector.fromArray(S, c, o, m0).add(c40.mul(alpha)).intoArray(c, o, m0);
            FloatVector.fromArray(S, c, o + L, m1).add(c41.mul(alpha)).intoArray(c, o + L, m1);
            o += ldc;
            FloatVector.fromArray(S, c, o, m0).add(c50.mul(alpha)).intoArray(c, o, m0);
            FloatVector.fromArray(S, c, o + L, m1).add(c51.mul(alpha)).intoArray(c, o + L, m1);
            o += ldc;
            FloatVector.fromArray(S, c, o, m0).add(c60.mul(alpha)).intoArray(c, o, m0);
            FloatVector.fromArray(S, c, o + L, m1).add(c61.mul(alpha)).intoArray(c, o + L, m1);
            o += ldc;
            FloatVector.fromArray(S, c, o, m0).add(c70.mul(alpha)).intoArray(c, o, m0);
            FloatVector.fromArray(S, c, o + L, m1).add(c71.mul(alpha)).intoArray(c, o + L, m1);
        } else {
            c00.mul(alpha).intoArray(c, o, m0);
            c01.mul(alpha).intoArray(c, o + L, m1);
            o += ldc;
            c10.mul(alpha).intoArray(c, o, m0);
            c11.mul(alpha).intoArray(c, o + L, m1);
            o += ldc;
            c20.mul(alpha).intoArray(c, o, m0);
            c21.mul(alpha).intoArray(c, o + L, m1);
            o += ldc;
            c30.mul(alpha).intoArray(c, o, m0);
            c31.mul(alpha).intoArray(c, o + L, m1);
            o += ldc;
            c40.mul(alpha).intoArray(c, o, m0);
            c41.mul(alpha).intoArray(c, o + L, m1);
            o += ldc;
            c50.mul(alpha).intoArray(c, o, m0);
            c51.mul(alpha).intoArray(c, o + L, m1);
            o += ldc;
            c60.mul(alpha).intoArray(c, o, m0);
            c61.mul(alpha).intoArray(c, o + L, m1);
            o += ldc;
            c70.mul(alpha).intoArray(c, o, m0);
            c71.mul(alpha).intoArray(c, o + L, m1);
        }
    }

    /** One row of C by the first min(cols, 2L) columns. */
    private static void block1(int k, float alpha, float[] a, int aOff, int acs, float[] b, int bOff, int ldb,
                               boolean accumulate, float[] c, int cOff, int cols) {
        VectorMask<Float> m0 = S.indexInRange(0, cols), m1 = S.indexInRange(L, cols);
        FloatVector c0 = FloatVector.zero(S), c1 = c0;
        for (int p = 0, ap = aOff, bp = bOff; p < k; p++, ap += acs, bp += ldb) {
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c0 = x.fma(FloatVector.fromArray(S, b, bp, m0), c0);
            c1 = x.fma(FloatVector.fromArray(S, b, bp + L, m1), c1);
        }
        if (accumulate) {
            FloatVector.fromArray(S, c, cOff, m0).add(c0.mul(alpha)).intoArray(c, cOff, m0);
            FloatVector.fromArray(S, c, cOff + L, m1).add(c1.mul(alpha)).intoArray(c, cOff + L, m1);
        } else {
            c0.mul(alpha).intoArray(c, cOff, m0);
            c1.mul(alpha).intoArray(c, cOff + L, m1);
        }
    }
}
