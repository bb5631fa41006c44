package dev.moxing.nn.metrics;

import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

/**
 * Share of elements whose probability lies on the same side of the threshold as the 0/1 target.
 * Elementwise, as in Keras, so multi-label outputs (N, k) count each label.
 */
public final class BinaryAccuracy extends RatioMetric {
    private final double threshold;

    public BinaryAccuracy() {
        this("binary_accuracy", 0.5);
    }

    public BinaryAccuracy(String name, double threshold) {
        super(name);
        this.threshold = threshold;
    }

    @Override
    public void accumulate(Tensor predictions, Tensor targets) {
        float[] p = predictions.toFloatArray(), t = targets.toFloatArray();
        if (p.length != t.length) {
            throw new IllegalArgumentException(name() + ": targets of shape " + Shape.str(targets.shape())
                    + " do not match predictions of shape " + Shape.str(predictions.shape()));
        }
        long correct = 0;
        for (int i = 0; i < p.length; i++) {
            boolean predicted = p[i] > threshold, actual = t[i] > 0.5f;
            if (predicted == actual) correct++;
        }
        add(correct, p.length);
    }
}
