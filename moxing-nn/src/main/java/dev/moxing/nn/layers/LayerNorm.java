package dev.moxing.nn.layers;

import dev.moxing.nn.Module;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

import java.util.Arrays;

/**
 * Layer normalisation over the trailing dims given by normalizedShape (PyTorch's nn.LayerNorm):
 * each row is centred and scaled to unit (biased) variance, then weight (normalizedShape) = 1 and
 * bias = 0 are applied when elementwiseAffine. The fused kernel is {@link RowNormKernel}.
 */
public class LayerNorm extends Module {
    private final int[] normalizedShape;
    private final int size;
    private final float eps;

    public LayerNorm(int dim) {
        this(dim, 1e-5);
    }

    public LayerNorm(int dim, double eps) {
        this(new int[] {dim}, eps, true);
    }

    public LayerNorm(int[] normalizedShape, double eps, boolean elementwiseAffine) {
        if (normalizedShape.length == 0) throw new IllegalArgumentException("LayerNorm: normalizedShape is empty");
        for (int s : normalizedShape) ShapeCheck.positive("LayerNorm", "normalizedShape entries", s);
        if (!(eps > 0)) throw new IllegalArgumentException("LayerNorm: eps must be > 0, got " + eps);
        this.normalizedShape = normalizedShape.clone();
        this.size = Shape.numel(normalizedShape);
        this.eps = (float) eps;
        if (elementwiseAffine) {
            registerParameter("weight", Tensor.ones(normalizedShape));
            registerParameter("bias", Tensor.zeros(normalizedShape));
        }
    }

    public int[] normalizedShape() {
        return normalizedShape.clone();
    }

    public float eps() {
        return eps;
    }

    public boolean elementwiseAffine() {
        return weight() != null;
    }

    public Tensor weight() {
        return localParameters().get("weight");
    }

    public Tensor bias() {
        return localParameters().get("bias");
    }

    @Override
    public Tensor forward(Tensor x) {
        ShapeCheck.floats(this, x);
        int[] s = x.shape();
        int k = normalizedShape.length;
        if (s.length < k || !Arrays.equals(s, s.length - k, s.length, normalizedShape, 0, k)) {
            throw new IllegalArgumentException(describe() + ": input " + Shape.str(s) + " does not end in "
                    + Shape.str(normalizedShape));
        }
        return RowNormKernel.apply(x, weight(), bias(), size, eps, true, "layerNorm");
    }

    /**
     * The functional form over the last dim: input (..., D), weight and bias (D) or null. Used by
     * models that keep their own parameters.
     */
    public static Tensor apply(Tensor input, Tensor weight, Tensor bias, float eps) {
        int d = input.size(-1);
        checkVector("layerNorm", "weight", weight, d, input);
        checkVector("layerNorm", "bias", bias, d, input);
        return RowNormKernel.apply(input, weight, bias, d, eps, true, "layerNorm");
    }

    static void checkVector(String op, String name, Tensor t, int d, Tensor input) {
        if (t != null && t.numel() != d) {
            throw new IllegalArgumentException(op + ": " + name + " " + Shape.str(t.shape()) + " does not match input "
                    + Shape.str(input.shape()) + " (expected " + d + " elements)");
        }
    }

    @Override
    public String describe() {
        String shape = normalizedShape.length == 1 ? Integer.toString(normalizedShape[0]) : Shape.str(normalizedShape);
        return "LayerNorm(" + shape + (eps != 1e-5f ? ", eps=" + eps : "") + (weight() == null ? ", affine=false" : "")
                + ")";
    }
}
