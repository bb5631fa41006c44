package dev.moxing.kernels;

import dev.moxing.parallel.WorkerPool;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The unpacked path for m ≤ Gemm.FEW_ROWS (decoding one token) against the scalar reference. */
class GemmFewRowsTest {
    @Test
    void matchesReferenceForEveryLayoutAndBeta() {
        Random r = new Random(3);
        WorkerPool one = new WorkerPool(1), three = new WorkerPool(3);
        for (int m = 1; m <= Gemm.FEW_ROWS + 1; m++) {
            for (int[] nk : new int[][] {{300, 200}, {1023, 65}, {17, 4099}}) {
                int n = nk[0], k = nk[1];
                for (boolean ta : new boolean[] {false, true}) {
                    for (boolean tb : new boolean[] {false, true}) {
                        for (float beta : new float[] {0f, 1f, 0.5f}) {
                            int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;
                            float[] a = rand(r, 7 + (ta ? k : m) * lda), b = rand(r, 11 + (tb ? n : k) * ldb);
                            float[] c0 = rand(r, 2 + m * ldc);
                            float[] expected = c0.clone(), got1 = c0.clone(), got3 = c0.clone();
                            GemmReference.sgemm(ta, tb, m, n, k, 0.75f, a, 7, lda, b, 11, ldb, beta, expected, 2, ldc);
                            Gemm.sgemm(one, ta, tb, m, n, k, 0.75f, a, 7, lda, b, 11, ldb, beta, got1, 2, ldc);
                            Gemm.sgemm(three, ta, tb, m, n, k, 0.75f, a, 7, lda, b, 11, ldb, beta, got3, 2, ldc);
                            assertThat(got3).as("thread count must not change bits").containsExactly(got1);
                            for (int i = 0; i < expected.length; i++) {
                                float tol = 1e-4f * (float) Math.sqrt(k) + 1e-5f * Math.abs(expected[i]);
                                assertThat(Math.abs(got1[i] - expected[i])).as("m=%d n=%d k=%d ta=%s tb=%s beta=%s [%d]",
                                        m, n, k, ta, tb, beta, i).isLessThanOrEqualTo(tol);
                            }
                        }
                    }
                }
            }
        }
    }

    private static float[] rand(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }
}
