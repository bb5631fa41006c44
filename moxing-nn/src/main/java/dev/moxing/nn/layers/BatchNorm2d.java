package dev.moxing.nn.layers;

import dev.moxing.tensor.Tensor;

/** Batch normalisation of (N, C, H, W) input over N, H and W, per channel; see {@link BatchNorm}. */
public final class BatchNorm2d extends BatchNorm {

    public BatchNorm2d(int numFeatures) {
        this(numFeatures, 1e-5, 0.1, true);
    }

    public BatchNorm2d(int numFeatures, double eps, double momentum, boolean affine) {
        super(numFeatures, eps, momentum, affine);
    }

    @Override
    void checkRank(Tensor x) {
        ShapeCheck.rank(this, x, "(N, C, H, W)", 4);
    }
}
