package dev.moxing.nn.metrics;

import dev.moxing.tensor.Tensor;

/**
 * Share of rows whose highest score is the true class. Targets may be one-hot rows or class
 * indices: Keras's categorical and sparse categorical accuracy differ only in that, so one class
 * serves both names.
 */
public final class CategoricalAccuracy extends RatioMetric {

    /** One-hot targets, Keras name "categorical_accuracy". */
    public CategoricalAccuracy() {
        this("categorical_accuracy");
    }

    public CategoricalAccuracy(String name) {
        super(name);
    }

    /** Class-index targets, Keras name "sparse_categorical_accuracy". */
    public static CategoricalAccuracy sparse() {
        return new CategoricalAccuracy("sparse_categorical_accuracy");
    }

    @Override
    public void accumulate(Tensor predictions, Tensor targets) {
        int[] predicted = ClassLabels.predicted(predictions, 0.5);
        int[] actual = ClassLabels.actual(targets, predictions, name());
        long correct = 0;
        for (int i = 0; i < predicted.length; i++) if (predicted[i] == actual[i]) correct++;
        add(correct, predicted.length);
    }
}
