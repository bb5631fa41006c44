package dev.moxing.nn.layers;

import dev.moxing.nn.Module;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

/**
 * Keras-style input checks: when a layer's input does not fit, the message names the layer (its
 * {@link Module#describe()}), the input's shape and what was expected, e.g.
 * {@code Linear(784 → 512): input (128, 100) has 100 features, expected 784}.
 */
final class ShapeCheck {
    private ShapeCheck() {
    }

    /** The input must have one of the given ranks; layout names the dims, e.g. "(N, C, H, W)". */
    static void rank(Module layer, Tensor x, String layout, int... ranks) {
        for (int r : ranks) if (x.dim() == r) return;
        StringBuilder want = new StringBuilder();
        for (int i = 0; i < ranks.length; i++) want.append(i == 0 ? "" : " or ").append(ranks[i]).append("-D");
        throw new IllegalArgumentException(layer.describe() + ": expected a " + want + " input " + layout
                + ", got shape " + Shape.str(x.shape()));
    }

    /** At least {@code min} dims; layout names them, e.g. "(..., 784)". */
    static void minRank(Module layer, Tensor x, int min, String layout) {
        if (x.dim() < min) {
            throw new IllegalArgumentException(layer.describe() + ": expected an input of at least " + min
                    + " dims " + layout + ", got shape " + Shape.str(x.shape()));
        }
    }

    /** Dim {@code dim} (negative counts from the end) must be {@code expected}; what names it ("features", "channels"). */
    static void size(Module layer, Tensor x, int dim, int expected, String what) {
        int d = dim < 0 ? dim + x.dim() : dim;
        if (x.size(d) != expected) {
            throw new IllegalArgumentException(layer.describe() + ": input " + Shape.str(x.shape()) + " has "
                    + x.size(d) + " " + what + ", expected " + expected);
        }
    }

    /** Floating-point input (a common mistake is feeding token ids to a layer that wants features). */
    static void floats(Module layer, Tensor x) {
        DType t = x.dtype();
        if (t != DType.F32 && t != DType.F16 && t != DType.BF16) {
            throw new IllegalArgumentException(layer.describe() + ": expected a float input, got "
                    + x.dtype() + " of shape " + Shape.str(x.shape()));
        }
    }

    static void positive(String layer, String what, int value) {
        if (value <= 0) throw new IllegalArgumentException(layer + ": " + what + " must be positive, got " + value);
    }
}
