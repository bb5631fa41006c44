package dev.moxing.nn.metrics;

import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

/** Shape check shared by the regression metrics: one target per output (a trailing 1 may differ). */
final class Regression {
    private Regression() {
    }

    static float[] targets(String who, Tensor predictions, Tensor targets) {
        if (predictions.numel() != targets.numel()) {
            throw new IllegalArgumentException(who + ": targets of shape " + Shape.str(targets.shape())
                    + " do not match predictions of shape " + Shape.str(predictions.shape()));
        }
        return targets.toFloatArray();
    }
}
