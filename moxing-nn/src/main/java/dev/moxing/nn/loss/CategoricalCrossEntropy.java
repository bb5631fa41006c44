package dev.moxing.nn.loss;

import dev.moxing.autograd.GradMode;
import dev.moxing.tensor.Tensor;

import java.util.Objects;

/**
 * Cross-entropy against a target distribution per sample (one-hot or soft labels), classes on
 * the last dim, as keras.losses.CategoricalCrossentropy ("categorical_crossentropy"); one loss per
 * sample, so NONE has the predictions' shape without the class dim.
 *
 * <ul>
 *   <li>On probabilities (the default; after a softmax), as Keras: each row is normalised to sum
 *       1, clipped to [1e-7, 1 - 1e-7], and the loss is -sum(y log p) ({@link ProbabilityCrossEntropy}).
 *   <li>{@link #fromLogits()}: the fused log-softmax op ({@link SoftmaxCrossEntropy}), the same
 *       as torch.nn.functional.cross_entropy with probability targets. Prefer it for training.
 * </ul>
 * Label smoothing s: y' = (1 - s) y + s / C.
 */
public final class CategoricalCrossEntropy implements Loss {
    /** Keras's backend epsilon, the clip margin for probability inputs. */
    static final float EPSILON = 1e-7f;

    private final boolean fromLogits;
    private final double labelSmoothing;
    private final Reduction reduction;

    /** On probabilities, no smoothing, mean. */
    public CategoricalCrossEntropy() {
        this(false, 0, Reduction.MEAN);
    }

    public CategoricalCrossEntropy(boolean fromLogits, double labelSmoothing, Reduction reduction) {
        Targets.checkSmoothing("categorical_crossentropy", labelSmoothing);
        this.fromLogits = fromLogits;
        this.labelSmoothing = labelSmoothing;
        this.reduction = Objects.requireNonNull(reduction, "reduction");
    }

    /** On logits, no smoothing, mean. */
    public static CategoricalCrossEntropy fromLogits() {
        return new CategoricalCrossEntropy(true, 0, Reduction.MEAN);
    }

    public CategoricalCrossEntropy withLabelSmoothing(double s) {
        return new CategoricalCrossEntropy(fromLogits, s, reduction);
    }

    public CategoricalCrossEntropy withReduction(Reduction r) {
        return new CategoricalCrossEntropy(fromLogits, labelSmoothing, r);
    }

    public boolean isFromLogits() {
        return fromLogits;
    }

    public double labelSmoothing() {
        return labelSmoothing;
    }

    public Reduction reduction() {
        return reduction;
    }

    @Override
    public String name() {
        return "categorical_crossentropy";
    }

    @Override
    public Tensor apply(Tensor predictions, Tensor targets) {
        int c = Targets.classes(name(), predictions);
        Tensor y = Targets.sameShape(name(), predictions, targets);
        if (fromLogits) {
            if (y.requiresGrad() && GradMode.isEnabled()) {
                throw new IllegalArgumentException(name() + ": targets require grad, but the fused logits path does "
                        + "not differentiate with respect to targets; pass targets.detach()");
            }
            return SoftmaxCrossEntropy.soft(name(), predictions, y, labelSmoothing, reduction);
        }
        if (labelSmoothing != 0) y = y.mul((float) (1 - labelSmoothing)).add((float) (labelSmoothing / c));
        return reduction.apply(probabilityLosses(predictions, y));
    }

    /** -sum(y log p) over the last dim, p normalised and clipped as Keras does (one fused op). */
    static Tensor probabilityLosses(Tensor p, Tensor y) {
        return ProbabilityCrossEntropy.apply(p, y);
    }

    @Override
    public String toString() {
        return "CategoricalCrossEntropy(fromLogits=" + fromLogits + ", labelSmoothing=" + labelSmoothing
                + ", reduction=" + reduction + ")";
    }
}
