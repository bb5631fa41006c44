package dev.moxing.nn.loss;

/**
 * Binary cross-entropy -(y log p + (1 - y) log(1 - p)) per element, with y in [0, 1] (hard or soft
 * labels), as keras.losses.BinaryCrossentropy ("binary_crossentropy").
 *
 * <ul>
 *   <li>On probabilities (the default; after a sigmoid): PyTorch's clamping, each log at least
 *       -100, so p = 0 or 1 gives a large finite loss, and PyTorch's gradient
 *       (p - y) / max(p (1 - p), 1e-12). A value outside [0, 1] (or NaN) is an error, as in PyTorch.
 *   <li>{@link #fromLogits()}: on raw scores x, in the stable form
 *       max(x, 0) - x y + log(1 + exp(-|x|)), gradient sigmoid(x) - y; prefer it for training.
 * </ul>
 * Label smoothing replaces y by y (1 - s) + s / 2.
 */
public final class BinaryCrossEntropy extends PointwiseLoss {
    private final boolean fromLogits;
    private final double labelSmoothing;

    /** On probabilities, no smoothing, mean. */
    public BinaryCrossEntropy() {
        this(false, 0, Reduction.MEAN);
    }

    public BinaryCrossEntropy(boolean fromLogits, double labelSmoothing, Reduction reduction) {
        super(reduction);
        Targets.checkSmoothing("binary_crossentropy", labelSmoothing);
        this.fromLogits = fromLogits;
        this.labelSmoothing = labelSmoothing;
    }

    /** On logits (raw scores), no smoothing, mean. */
    public static BinaryCrossEntropy fromLogits() {
        return new BinaryCrossEntropy(true, 0, Reduction.MEAN);
    }

    public BinaryCrossEntropy withLabelSmoothing(double s) {
        return new BinaryCrossEntropy(fromLogits, s, reduction);
    }

    public BinaryCrossEntropy withReduction(Reduction r) {
        return new BinaryCrossEntropy(fromLogits, labelSmoothing, r);
    }

    public boolean isFromLogits() {
        return fromLogits;
    }

    public double labelSmoothing() {
        return labelSmoothing;
    }

    @Override
    public String name() {
        return "binary_crossentropy";
    }

    private double smooth(float y) {
        return labelSmoothing == 0 ? y : y * (1 - labelSmoothing) + 0.5 * labelSmoothing;
    }

    @Override
    void forward(float[] p, int po, float[] t, int to, float[] out, int n) {
        for (int i = 0; i < n; i++) {
            double x = p[po + i], y = smooth(t[to + i]);
            double loss;
            if (fromLogits) {
                loss = Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
            } else {
                if (!(x >= 0 && x <= 1)) {
                    throw new IllegalArgumentException(name() + ": predictions must be probabilities in [0, 1], found " + x
                            + " at position " + i + " (for raw scores use BinaryCrossEntropy.fromLogits())");
                }
                // 1 - x is exact in double for a float x, so log(1 - x) loses nothing.
                loss = -(y * Math.max(Math.log(x), -100) + (1 - y) * Math.max(Math.log(1 - x), -100));
            }
            out[i] = (float) loss;
        }
    }

    @Override
    void backward(float[] p, int po, float[] t, int to, Reduction.Upstream up, float[] dp, int n) {
        for (int i = 0; i < n; i++) {
            double x = p[po + i], y = smooth(t[to + i]);
            double d;
            if (fromLogits) {
                double e = Math.exp(-Math.abs(x));
                double sigmoid = x >= 0 ? 1 / (1 + e) : e / (1 + e);
                d = sigmoid - y;
            } else {
                d = (x - y) / Math.max((1 - x) * x, 1e-12);
            }
            dp[i] = (float) (d * up.at(i));
        }
    }

    @Override
    public String toString() {
        return "BinaryCrossEntropy(fromLogits=" + fromLogits + ", labelSmoothing=" + labelSmoothing
                + ", reduction=" + reduction + ")";
    }
}
