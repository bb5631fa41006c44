package dev.moxing.kernels;

/**
 * Plain triple-loop single-precision GEMM, the ground truth for {@link Gemm}'s tests. Same
 * contract as {@link Gemm#sgemm(boolean, boolean, int, int, int, float, float[], int, int, float[],
 * int, int, float, float[], int, int)}; accumulates in double so that it is a tighter reference
 * than any float kernel it checks.
 */
public final class GemmReference {

    private GemmReference() {}

    /**
     * C = alpha * op(A) @ op(B) + beta * C, row-major; op(A) is (m,k), stored (k,m) when transA;
     * op(B) is (k,n), stored (n,k) when transB. beta == 0 overwrites C without reading it.
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    sum += (double) av * bv;
                }
                int ci = cOff + i * ldc + j;
                double v = alpha * sum;
                if (beta != 0f) v += (double) beta * c[ci];
                c[ci] = (float) v;
            }
        }
    }
}
