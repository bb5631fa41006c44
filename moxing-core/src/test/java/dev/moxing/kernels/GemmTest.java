package dev.moxing.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moxing.parallel.WorkerPool;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Gemm} against {@link GemmReference}. Sizes are picked to hit every path: the small
 * scalar path, the few-rows path (m <= 4), edge tiles (m not a multiple of MR=12, n not a multiple of NR=2 vectors), several
 * k blocks (k > KC), several n blocks (n > NC), row- and column-split parallelism, and every
 * transpose combination, all with offsets and leading dimensions wider than the matrices.
 */
class GemmTest {

    private static final WorkerPool POOL1 = new WorkerPool(1);
    private static final WorkerPool POOL3 = new WorkerPool(3);

    /** {m, n, k}. */
    private static final int[][] SIZES = {
        {1, 1, 1}, {1, 7, 15}, {7, 1, 33}, {17, 33, 15}, {15, 17, 7},      // small path
        {33, 17, 64}, {12, 32, 100}, {24, 64, 96},                         // exact tiles
        {15, 1023, 17}, {1023, 17, 33}, {13, 47, 1023}, {1, 1023, 129},    // edges, m or n tiny
        {30, 300, 200},                                                    // few rows: column split
        {100, 70, 300}, {50, 70, 1700},                                    // row split; 3 k blocks
        {13, 4200, 40},                                                    // 2 n blocks
        {3, 200, 300}, {4, 70, 1100},                                      // few-rows (GEMV-like) path
    };

    private static final float[][] ALPHA_BETA = {{1f, 0f}, {-1.5f, 1f}, {0.5f, -0.75f}};

    @AfterAll
    static void noLeak() {
        // Nothing to close: pool workers are daemon threads.
    }

    @Test
    void matchesReferenceForAllTransposesSizesAndScalings() {
        Random rnd = new Random(42);
        int cases = 0;
        for (int[] s : SIZES) {
            for (int t = 0; t < 4; t++) {
                float[] ab = ALPHA_BETA[cases++ % ALPHA_BETA.length];
                check(rnd, POOL3, (t & 2) != 0, (t & 1) != 0, s[0], s[1], s[2], ab[0], ab[1]);
            }
        }
    }

    @Test
    void singleThreadedPoolMatchesReference() {
        Random rnd = new Random(7);
        check(rnd, POOL1, false, false, 100, 70, 300, 1f, 0f);
        check(rnd, POOL1, true, true, 50, 33, 1700, 0.5f, 2f);
        check(rnd, POOL1, false, true, 1023, 17, 33, -1f, 1f);
    }

    /**
     * op(A) = Aᵀ with A (k, m) filling its array exactly: packing copies each panel's last 12 of
     * every row with a masked vector, which at the array's end would run past it (a path that slows
     * the compiled loop), so there it copies with arraycopy instead; the product must not change.
     */
    @Test
    void transposedAPackedUpToTheArraysEnd() {
        Random rnd = new Random(11);
        for (int[] s : new int[][] {{24, 64, 30}, {36, 96, 20}, {12, 256, 16}}) { // above Gemm.SMALL: the packed path
            int m = s[0], n = s[1], k = s[2];
            float[] a = random(rnd, k * m), b = random(rnd, k * n), c = new float[m * n], expected = new float[m * n];
            GemmReference.sgemm(true, false, m, n, k, 1f, a, 0, m, b, 0, n, 0f, expected, 0, n);
            Gemm.sgemm(POOL1, true, false, m, n, k, 1f, a, 0, m, b, 0, n, 0f, c, 0, n);
            for (int i = 0; i < c.length; i++) {
                assertThat(c[i]).as("m=%d n=%d k=%d at %d", m, n, k, i).isCloseTo(expected[i], within(1e-4f * (1 + Math.abs(expected[i]))));
            }
        }
    }

    @Test
    void betaZeroNeverReadsC() {
        Random rnd = new Random(3);
        for (int[] s : new int[][] {{5, 6, 7}, {100, 70, 300}, {50, 70, 1700}}) {
            Problem p = new Problem(rnd, true, false, s[0], s[1], s[2]);
            Arrays.fill(p.c, Float.NaN); // including the padding, which must stay NaN
            float[] expected = p.c.clone();
            GemmReference.sgemm(true, false, p.m, p.n, p.k, 2f, p.a, p.aOff, p.lda, p.b, p.bOff, p.ldb,
                    0f, expected, p.cOff, p.ldc);
            Gemm.sgemm(POOL3, true, false, p.m, p.n, p.k, 2f, p.a, p.aOff, p.lda, p.b, p.bOff, p.ldb,
                    0f, p.c, p.cOff, p.ldc);
            assertClose(p, p.c, expected, 2f, 0f, null);
            for (int i = 0; i < p.m; i++) {
                for (int j = 0; j < p.n; j++) assertThat(p.c[p.cOff + i * p.ldc + j]).isNotNaN();
            }
        }
    }

    @Test
    void degenerateSizesAndAlphaZero() {
        float[] c = {1f, 2f, 3f, 4f};
        Gemm.sgemm(POOL3, false, false, 2, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 2, 3f, c, 0, 2);
        assertThat(c).containsExactly(3f, 6f, 9f, 12f);
        float[] nan = {Float.NaN, Float.NaN};
        Gemm.sgemm(POOL3, false, false, 1, 2, 1, 0f, new float[] {1f}, 0, 1, new float[] {1f, 1f}, 0, 2,
                0f, nan, 0, 2);
        assertThat(nan).containsExactly(0f, 0f);
        Gemm.sgemm(POOL3, false, false, 0, 5, 5, 1f, new float[0], 0, 5, new float[25], 0, 5, 0f, new float[0], 0, 5);
        assertThatThrownBy(() -> Gemm.sgemm(false, false, 4, 4, 4, 1f, new float[15], 0, 4, new float[16], 0, 4,
                0f, new float[16], 0, 4)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Gemm.sgemm(false, false, 4, 4, 4, 1f, new float[16], 0, 3, new float[16], 0, 4,
                0f, new float[16], 0, 4)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void deterministicAcrossRunsAndThreadCounts() {
        Random rnd = new Random(11);
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 2) != 0, tb = (t & 1) != 0;
            for (int[] s : new int[][] {{100, 70, 300}, {30, 300, 200}, {64, 300, 1700}, {3, 500, 200}}) {
                Problem p = new Problem(rnd, ta, tb, s[0], s[1], s[2]);
                float[] c1 = p.c.clone(), c3a = p.c.clone(), c3b = p.c.clone();
                run(POOL1, p, c1, 0.7f, 0.3f);
                run(POOL3, p, c3a, 0.7f, 0.3f);
                run(POOL3, p, c3b, 0.7f, 0.3f);
                assertThat(c3b).as("same pool size, %s", p).isEqualTo(c3a);
                // Stronger than required: the partition never changes any element's sum order.
                assertThat(c3a).as("1 vs 3 threads, %s", p).isEqualTo(c1);
            }
        }
    }

    @Test
    void batchedWithBroadcastOperands() {
        Random rnd = new Random(5);
        // {batch, m, n, k}: small (parallel over the batch) and large (parallel inside each GEMM).
        for (int[] s : new int[][] {{7, 17, 33, 20}, {5, 1, 40, 9}, {3, 130, 140, 250}}) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 2) != 0, tb = (t & 1) != 0;
                int batch = s[0], m = s[1], n = s[2], k = s[3];
                int lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 1, ldc = n + 3;
                int strideA = (ta ? k : m) * lda + 5;
                int strideB = t == 1 ? 0 : (tb ? n : k) * ldb; // stride 0: one B for the batch
                int strideC = m * ldc + 1;
                float[] a = random(rnd, 3 + (batch - 1) * strideA + (ta ? k : m) * lda);
                float[] b = random(rnd, 1 + Math.max(0, batch - 1) * strideB + (tb ? n : k) * ldb);
                float[] c = random(rnd, 2 + (batch - 1) * strideC + m * ldc);
                float[] expected = c.clone();
                for (int i = 0; i < batch; i++) {
                    GemmReference.sgemm(ta, tb, m, n, k, 1.25f, a, 3 + i * strideA, lda, b, 1 + i * strideB, ldb,
                            -0.5f, expected, 2 + i * strideC, ldc);
                }
                Gemm.sgemmBatched(batch, ta, tb, m, n, k, 1.25f, a, 3, strideA, lda, b, 1, strideB, ldb,
                        -0.5f, c, 2, strideC, ldc);
                double tol = 1e-5 * k + 1e-5;
                for (int i = 0; i < c.length; i++) {
                    assertThat((double) c[i]).as("batched %s t=%d at %d", Arrays.toString(s), t, i)
                            .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(tol));
                }
            }
        }
        // Broadcast A (stride 0) too, batch 0 is a no-op.
        float[] a = random(rnd, 6 * 4), b = random(rnd, 3 * 4 * 5), c = new float[3 * 6 * 5];
        Gemm.sgemmBatched(3, false, false, 6, 5, 4, 1f, a, 0, 0, 4, b, 0, 20, 5, 0f, c, 0, 30, 5);
        float[] expected = new float[c.length];
        for (int i = 0; i < 3; i++) {
            GemmReference.sgemm(false, false, 6, 5, 4, 1f, a, 0, 4, b, 20 * i, 5, 0f, expected, 30 * i, 5);
        }
        for (int i = 0; i < c.length; i++) assertThat(c[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5f));
        Gemm.sgemmBatched(0, false, false, 6, 5, 4, 1f, a, 0, 0, 4, b, 0, 20, 5, 0f, new float[0], 0, 30, 5);
    }

    // ---------------------------------------------------------------------------------------

    /** Operands with random offsets and leading dimensions a little wider than the matrices. */
    private static final class Problem {
        final boolean ta, tb;
        final int m, n, k, aOff, lda, bOff, ldb, cOff, ldc;
        final float[] a, b, c;

        Problem(Random rnd, boolean ta, boolean tb, int m, int n, int k) {
            this.ta = ta;
            this.tb = tb;
            this.m = m;
            this.n = n;
            this.k = k;
            aOff = rnd.nextInt(5);
            bOff = rnd.nextInt(5);
            cOff = rnd.nextInt(5);
            lda = (ta ? m : k) + rnd.nextInt(4);
            ldb = (tb ? k : n) + rnd.nextInt(4);
            ldc = n + rnd.nextInt(4);
            a = random(rnd, aOff + (ta ? k : m) * lda);
            b = random(rnd, bOff + (tb ? n : k) * ldb);
            c = random(rnd, cOff + m * ldc);
        }

        @Override
        public String toString() {
            return "m=" + m + " n=" + n + " k=" + k + " trans=" + (ta ? "T" : "N") + (tb ? "T" : "N")
                    + " lda=" + lda + " ldb=" + ldb + " ldc=" + ldc;
        }
    }

    private static void run(WorkerPool pool, Problem p, float[] c, float alpha, float beta) {
        Gemm.sgemm(pool, p.ta, p.tb, p.m, p.n, p.k, alpha, p.a, p.aOff, p.lda, p.b, p.bOff, p.ldb,
                beta, c, p.cOff, p.ldc);
    }

    private static void check(Random rnd, WorkerPool pool, boolean ta, boolean tb, int m, int n, int k,
            float alpha, float beta) {
        Problem p = new Problem(rnd, ta, tb, m, n, k);
        float[] expected = p.c.clone();
        GemmReference.sgemm(ta, tb, m, n, k, alpha, p.a, p.aOff, p.lda, p.b, p.bOff, p.ldb,
                beta, expected, p.cOff, p.ldc);
        float[] actual = p.c.clone();
        run(pool, p, actual, alpha, beta);
        assertClose(p, actual, expected, alpha, beta, p.c);
    }

    /**
     * Float rounding bound: each output sums k products of values in [-1, 1], so the error is at
     * most about k * eps * |alpha| plus the beta term's rounding. Elements outside the m x n
     * window (offsets, ldc padding) must be untouched.
     */
    private static void assertClose(Problem p, float[] actual, float[] expected, float alpha, float beta,
            float[] original) {
        double tol = 2 * Math.ulp(1f) * (p.k * Math.abs(alpha) + 2 * Math.abs(beta)) + 1e-6;
        for (int idx = 0; idx < actual.length; idx++) {
            int rel = idx - p.cOff;
            boolean inside = rel >= 0 && rel / p.ldc < p.m && rel % p.ldc < p.n;
            if (!inside) {
                if (original != null) assertThat(actual[idx]).as("%s: outside C at %d", p, idx).isEqualTo(original[idx]);
                continue;
            }
            double err = Math.abs((double) actual[idx] - expected[idx]);
            if (!(err <= tol)) {
                throw new AssertionError(p + " alpha=" + alpha + " beta=" + beta + ": C[" + rel / p.ldc + ","
                        + rel % p.ldc + "] = " + actual[idx] + ", expected " + expected[idx] + " (tol " + tol + ")");
            }
        }
    }

    private static float[] random(Random rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = rnd.nextFloat() * 2f - 1f;
        return x;
    }
}
