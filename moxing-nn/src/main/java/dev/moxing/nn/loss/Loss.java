package dev.moxing.nn.loss;

import dev.moxing.tensor.Tensor;

/** A training objective: predictions and targets in, a (by default scalar, mean-reduced) loss out. */
public interface Loss {
    Tensor apply(Tensor predictions, Tensor targets);

    /** Keras-style name used in progress lines and history ("loss" is printed as such). */
    String name();
}
