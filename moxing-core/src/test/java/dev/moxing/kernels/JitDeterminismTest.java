package dev.moxing.kernels;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Transcendental kernels must give the same bits before and after the JIT compiles them: the JDK's
 * lanewise EXP/LOG/TANH did not, which made training runs irreproducible (see VectorMath).
 */
class JitDeterminismTest {
    @Test
    void sameBitsColdAndCompiled() {
        float[] x = new float[1024];
        Random r = new Random(1);
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 6);
        float[] pos = new float[x.length];
        for (int i = 0; i < x.length; i++) pos[i] = Math.abs(x[i]) + 1e-3f;
        float[][] cold = run(x, pos);
        float[][] warm = null;
        for (int k = 0; k < 3000; k++) warm = run(x, pos); // enough calls for C2 to compile the loops
        for (int op = 0; op < cold.length; op++) {
            for (int i = 0; i < x.length; i++) {
                assertThat(Float.floatToRawIntBits(warm[op][i])).as("op %d element %d", op, i)
                        .isEqualTo(Float.floatToRawIntBits(cold[op][i]));
            }
        }
    }

    private static float[][] run(float[] x, float[] pos) {
        int n = x.length;
        float[][] out = new float[6][n];
        VectorOps.exp(x, 0, out[0], 0, n);
        VectorOps.log(pos, 0, out[1], 0, n);
        VectorActivations.tanh(x, 0, out[2], 0, n);
        VectorActivations.gelu(x, 0, out[3], 0, n);
        VectorActivations.silu(x, 0, out[4], 0, n);
        VectorSoftmax.softmaxRows(x, 0, out[5], 0, 8, n / 8);
        return out;
    }
}
