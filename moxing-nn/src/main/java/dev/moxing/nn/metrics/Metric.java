package dev.moxing.nn.metrics;

import dev.moxing.tensor.Tensor;

/**
 * A stateful quality measure, accumulated batch by batch over an epoch and read at any time, as
 * Keras's metrics are: {@link #accumulate} folds in one batch, {@link #result} is the value over
 * everything accumulated since the last {@link #reset}. Batch values are never averaged with equal
 * weight, so the result does not depend on how the data was cut into batches.
 */
public interface Metric {

    /** The Keras name shown in progress lines and history ("accuracy", "auc", "precision"…). */
    String name();

    /** Folds one batch in: model outputs and targets, first dim the batch. Does not record autograd. */
    void accumulate(Tensor predictions, Tensor targets);

    /** The value over everything accumulated since the last reset (0 when nothing was). */
    double result();

    void reset();
}
