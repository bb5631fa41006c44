package dev.moxing.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The vector Adam kernel against its scalar twin, bit for bit; and the parallel split. */
class AdamKernelTest {

    private static float[] randn(Rng rng, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rng.nextGaussian() * scale;
        return a;
    }

    @Test
    void vectorMatchesScalarBitForBit() {
        Rng rng = new Rng(7);
        for (boolean ams : new boolean[] {false, true}) {
            for (int n : new int[] {0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 100, 257}) {
                int po = n % 5, go = n % 3;
                float[] p = randn(rng, n + po, 1), g = randn(rng, n + go, 0.1f);
                float[] m = randn(rng, n, 0.01f), v = randn(rng, n, 0.001f), vmax = randn(rng, n, 0.001f);
                for (int i = 0; i < n; i++) {
                    v[i] = Math.abs(v[i]);
                    vmax[i] = Math.abs(vmax[i]);
                }
                float[] p2 = p.clone(), m2 = m.clone(), v2 = v.clone(), vmax2 = vmax.clone();
                AdamKernel.Step k = AdamKernel.Step.of(0.9, 0.999, 0.01, 1 - 1e-3 * 0.1, 1e-3 / 0.271, Math.sqrt(0.003), 1e-8);
                AdamKernel.update(p, po, g, go, m, v, ams ? vmax : null, 0, n, k);
                AdamKernel.scalar(p2, po, g, go, m2, v2, ams ? vmax2 : null, 0, n, k);
                assertArrayEquals(p2, p, "p, n=" + n);
                assertArrayEquals(m2, m, "m, n=" + n);
                assertArrayEquals(v2, v, "v, n=" + n);
                assertArrayEquals(vmax2, vmax, "vmax, n=" + n);
            }
        }
    }

    /** A parameter big enough to be split over the worker pool gives the bits of one scalar pass. */
    @Test
    void parallelUpdateOfLargeParameterMatchesScalarReference() {
        Rng rng = new Rng(11);
        int n = 5 * ParamSlots.GRAIN + 123;
        float[] init = randn(rng, n, 1);
        Tensor p = Tensor.of(init, n).setRequiresGrad(true);
        Optimizer adam = new AdamW(0.01, 0.9, 0.99, 1e-8, 0.1, true).bind(List.of(p));
        float[] ref = init.clone(), m = new float[n], v = new float[n], vmax = new float[n];
        for (int t = 1; t <= 3; t++) {
            float[] g = randn(rng, n, 0.5f);
            p.setGrad(Tensor.of(g, n));
            adam.step();
            double bc1 = 1 - Math.pow(0.9, t), bc2 = 1 - Math.pow(0.99, t);
            AdamKernel.scalar(ref, 0, g, 0, m, v, vmax, 0, n,
                    AdamKernel.Step.of(0.9, 0.99, 0, 1 - 0.01 * 0.1, 0.01 / bc1, Math.sqrt(bc2), 1e-8));
        }
        assertArrayEquals(ref, p.toFloatArray());
    }
}
