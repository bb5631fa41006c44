package dev.moxing.nn.layers;

import dev.moxing.tensor.Tensor;

/** Batch normalisation of (N, C) or (N, C, L) input over N (and L), per channel; see {@link BatchNorm}. */
public final class BatchNorm1d extends BatchNorm {

    public BatchNorm1d(int numFeatures) {
        this(numFeatures, 1e-5, 0.1, true);
    }

    public BatchNorm1d(int numFeatures, double eps, double momentum, boolean affine) {
        super(numFeatures, eps, momentum, affine);
    }

    @Override
    void checkRank(Tensor x) {
        ShapeCheck.rank(this, x, "(N, C) or (N, C, L)", 2, 3);
    }
}
