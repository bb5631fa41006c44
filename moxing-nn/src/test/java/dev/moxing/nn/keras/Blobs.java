package dev.moxing.nn.keras;

import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;

/** A small synthetic classification task: Gaussian blobs in 2-D around well-separated centres. */
public record Blobs(Tensor x, Tensor y) {
    private static final float[][] CENTRES = {{-2, -2}, {2, -2}, {0, 2.5f}};

    /** n points per class for 3 classes, spread 0.6 around their centre; labels are I32 class indices. */
    public static Blobs of(int perClass, long seed) {
        Rng rng = new Rng(seed);
        int n = perClass * CENTRES.length;
        float[] x = new float[n * 2];
        int[] y = new int[n];
        int[] order = rng.permutation(n);
        for (int i = 0; i < n; i++) {
            int row = order[i], c = i % CENTRES.length;
            x[row * 2] = CENTRES[c][0] + 0.6f * (float) rng.nextGaussian();
            x[row * 2 + 1] = CENTRES[c][1] + 0.6f * (float) rng.nextGaussian();
            y[row] = c;
        }
        return new Blobs(Tensor.of(x, n, 2), Tensor.ofInts(y, n));
    }

    public int size() {
        return y.numel();
    }
}
