package dev.moxing.nn.loss;

import dev.moxing.tensor.Tensor;

import java.util.Objects;

/**
 * Cross-entropy against integer class targets, classes on the last dim: predictions (..., C),
 * targets (...) or (..., 1), I32 or integer-valued F32; as
 * keras.losses.SparseCategoricalCrossentropy ("sparse_categorical_crossentropy") and, for
 * {@link #fromLogits()}, torch.nn.functional.cross_entropy (which puts classes on dim 1 instead).
 *
 * <ul>
 *   <li>{@link #fromLogits()}: the fused log-softmax + NLL op ({@link SoftmaxCrossEntropy}), one
 *       pass over the logits forward and one backward: the classification / language-model hot path.
 *   <li>On probabilities (the default, Keras's): normalised and clipped like
 *       {@link CategoricalCrossEntropy}, then -log p[target]. Built from core ops.
 * </ul>
 * Options: label smoothing (y' = (1 - s) onehot + s / C) and an ignore index (e.g. -100 for
 * padding, PyTorch's convention): ignored positions get loss and gradient 0 and the mean is over
 * the others. A target outside [0, C) otherwise fails with the value and the class count.
 */
public final class SparseCategoricalCrossEntropy implements Loss {
    private final boolean fromLogits;
    private final double labelSmoothing;
    private final Reduction reduction;
    private final Integer ignoreIndex;

    /** On probabilities, no smoothing, mean, nothing ignored. */
    public SparseCategoricalCrossEntropy() {
        this(false, 0, Reduction.MEAN, null);
    }

    /** @param ignoreIndex the target value to skip, or null for none */
    public SparseCategoricalCrossEntropy(boolean fromLogits, double labelSmoothing, Reduction reduction,
                                         Integer ignoreIndex) {
        Targets.checkSmoothing("sparse_categorical_crossentropy", labelSmoothing);
        this.fromLogits = fromLogits;
        this.labelSmoothing = labelSmoothing;
        this.reduction = Objects.requireNonNull(reduction, "reduction");
        this.ignoreIndex = ignoreIndex;
    }

    /** On logits, no smoothing, mean, nothing ignored. */
    public static SparseCategoricalCrossEntropy fromLogits() {
        return new SparseCategoricalCrossEntropy(true, 0, Reduction.MEAN, null);
    }

    public SparseCategoricalCrossEntropy withLabelSmoothing(double s) {
        return new SparseCategoricalCrossEntropy(fromLogits, s, reduction, ignoreIndex);
    }

    public SparseCategoricalCrossEntropy withReduction(Reduction r) {
        return new SparseCategoricalCrossEntropy(fromLogits, labelSmoothing, r, ignoreIndex);
    }

    public SparseCategoricalCrossEntropy withIgnoreIndex(int index) {
        return new SparseCategoricalCrossEntropy(fromLogits, labelSmoothing, reduction, index);
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

    /** The ignored target value, or null. */
    public Integer ignoreIndex() {
        return ignoreIndex;
    }

    @Override
    public String name() {
        return "sparse_categorical_crossentropy";
    }

    @Override
    public Tensor apply(Tensor predictions, Tensor targets) {
        int c = Targets.classes(name(), predictions);
        int[] cls = Targets.classIndices(name(), predictions, targets, c, ignoreIndex);
        if (fromLogits) return SoftmaxCrossEntropy.sparse(name(), predictions, cls, labelSmoothing, reduction);

        // Probabilities: the smoothed one-hot rows (zero for ignored ones) against the Keras formula.
        float[] y = new float[cls.length * c];
        float off = (float) (labelSmoothing / c), on = (float) (1 - labelSmoothing + labelSmoothing / c);
        int counted = 0;
        for (int r = 0; r < cls.length; r++) {
            if (cls[r] < 0) continue;
            counted++;
            if (off != 0) java.util.Arrays.fill(y, r * c, (r + 1) * c, off);
            y[r * c + cls[r]] = on;
        }
        Tensor per = CategoricalCrossEntropy.probabilityLosses(predictions, Tensor.fromArray(y, predictions.shape()));
        return switch (reduction) {
            case MEAN -> per.sum().div(counted);
            case SUM -> per.sum();
            case NONE -> per;
        };
    }

    @Override
    public String toString() {
        return "SparseCategoricalCrossEntropy(fromLogits=" + fromLogits + ", labelSmoothing=" + labelSmoothing
                + ", reduction=" + reduction + (ignoreIndex != null ? ", ignoreIndex=" + ignoreIndex : "") + ")";
    }
}
