package dev.moxing.nn.metrics;

import dev.moxing.tensor.Tensor;

/** Mean of (prediction − target)² over every element seen. */
public final class MeanSquaredError extends RatioMetric {
    public MeanSquaredError() {
        super("mean_squared_error");
    }

    @Override
    public void accumulate(Tensor predictions, Tensor targets) {
        float[] p = predictions.toFloatArray(), t = Regression.targets(name(), predictions, targets);
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            double d = (double) p[i] - t[i];
            sum += d * d;
        }
        add(sum, p.length);
    }
}
