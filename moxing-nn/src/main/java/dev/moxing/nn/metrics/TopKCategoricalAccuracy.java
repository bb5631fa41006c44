package dev.moxing.nn.metrics;

import dev.moxing.tensor.Tensor;

/**
 * Share of rows whose true class is among the k highest scores. A class tied with the k-th score
 * counts as inside, so the result does not depend on how ties are ordered.
 */
public final class TopKCategoricalAccuracy extends RatioMetric {
    private final int k;

    public TopKCategoricalAccuracy(int k) {
        this("top_k_categorical_accuracy", k);
    }

    public TopKCategoricalAccuracy(String name, int k) {
        super(name);
        if (k < 1) throw new IllegalArgumentException(name + ": k must be at least 1, got " + k);
        this.k = k;
    }

    @Override
    public void accumulate(Tensor predictions, Tensor targets) {
        if (ClassLabels.isBinary(predictions)) {
            throw new IllegalArgumentException(name() + ": needs one score per class, got one probability per row");
        }
        int classes = ClassLabels.classCount(predictions);
        int[] actual = ClassLabels.actual(targets, predictions, name());
        float[] p = predictions.toFloatArray();
        long correct = 0;
        for (int i = 0; i < actual.length; i++) {
            float truth = p[i * classes + actual[i]];
            int higher = 0;
            for (int j = 0; j < classes; j++) if (p[i * classes + j] > truth) higher++;
            if (higher < k) correct++;
        }
        add(correct, actual.length);
    }
}
