package dev.moxing.nn.layers;

import dev.moxing.nn.Module;
import dev.moxing.tensor.Tensor;

/**
 * Root-mean-square normalisation over the last dim (Llama's): y = x / √(mean(x²) + eps) · weight,
 * weight (dim) = 1. No centring and no bias, which is what distinguishes it from LayerNorm; the
 * fused kernel is {@link RowNormKernel}. The default eps is 1e-6 (Llama's; PyTorch's nn.RMSNorm
 * defaults to the dtype's machine epsilon).
 */
public class RMSNorm extends Module {
    private final int dim;
    private final float eps;

    public RMSNorm(int dim) {
        this(dim, 1e-6);
    }

    public RMSNorm(int dim, double eps) {
        ShapeCheck.positive("RMSNorm", "dim", dim);
        if (!(eps >= 0)) throw new IllegalArgumentException("RMSNorm: eps must be >= 0, got " + eps);
        this.dim = dim;
        this.eps = (float) eps;
        registerParameter("weight", Tensor.ones(dim));
    }

    public int dim() {
        return dim;
    }

    public float eps() {
        return eps;
    }

    public Tensor weight() {
        return localParameters().get("weight");
    }

    @Override
    public Tensor forward(Tensor x) {
        ShapeCheck.floats(this, x);
        ShapeCheck.minRank(this, x, 1, "(..., " + dim + ")");
        ShapeCheck.size(this, x, -1, dim, "features");
        return RowNormKernel.apply(x, weight(), null, dim, eps, false, "rmsNorm");
    }

    /** The functional form: input (..., D), weight (D) or null. */
    public static Tensor apply(Tensor input, Tensor weight, float eps) {
        int d = input.size(-1);
        LayerNorm.checkVector("rmsNorm", "weight", weight, d, input);
        return RowNormKernel.apply(input, weight, null, d, eps, false, "rmsNorm");
    }

    @Override
    public String describe() {
        return "RMSNorm(" + dim + ", eps=" + eps + ")";
    }
}
