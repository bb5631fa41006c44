package dev.moxing.nn.loss;

import dev.moxing.tensor.Tensor;

import java.util.Locale;

/**
 * How per-element (or, for the categorical losses, per-sample) losses become the result: their
 * mean (the default, Keras's "sum_over_batch_size"), their sum, or none (a tensor of them).
 */
public enum Reduction {
    MEAN, SUM, NONE;

    /** "mean" / "sum_over_batch_size", "sum", "none" (any case). */
    public static Reduction of(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "mean", "sum_over_batch_size", "auto" -> MEAN;
            case "sum" -> SUM;
            case "none" -> NONE;
            default -> throw new IllegalArgumentException("unknown loss reduction '" + name + "' (mean, sum, none)");
        };
    }

    /** Reduces a tensor of losses with recorded tensor ops (for losses composed from core ops). */
    public Tensor apply(Tensor losses) {
        return switch (this) {
            case MEAN -> losses.mean();
            case SUM -> losses.sum();
            case NONE -> losses;
        };
    }

    /**
     * The result of a fused loss from its per-item values (a scalar, or {@code per} itself shaped
     * {@code shape}); MEAN divides the sum by {@code count}, which is the number of items that count
     * (fewer than per.length when some are ignored). Sums in double, in index order.
     */
    Tensor output(float[] per, int[] shape, double count) {
        if (this == NONE) return Tensor.fromArray(per, shape);
        double total = 0;
        for (float v : per) total += v;
        return Tensor.scalar((float) (this == MEAN ? total / count : total));
    }

    /** The upstream gradient of each item, from the gradient of {@link #output}. */
    Upstream upstream(Tensor gradOut, double count) {
        return switch (this) {
            case MEAN -> new Upstream(null, (float) (gradOut.item() / count));
            case SUM -> new Upstream(null, gradOut.item());
            case NONE -> new Upstream(gradOut.toFloatArray(), 0f);
        };
    }

    /** One weight per item, or one for all. */
    record Upstream(float[] each, float all) {
        float at(int i) {
            return each == null ? all : each[i];
        }
    }
}
