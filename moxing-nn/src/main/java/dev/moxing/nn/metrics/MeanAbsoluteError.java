package dev.moxing.nn.metrics;

import dev.moxing.tensor.Tensor;

/** Mean of |prediction − target| over every element seen. */
public final class MeanAbsoluteError extends RatioMetric {
    public MeanAbsoluteError() {
        super("mean_absolute_error");
    }

    @Override
    public void accumulate(Tensor predictions, Tensor targets) {
        float[] p = predictions.toFloatArray(), t = Regression.targets(name(), predictions, targets);
        double sum = 0;
        for (int i = 0; i < p.length; i++) sum += Math.abs((double) p[i] - t[i]);
        add(sum, p.length);
    }
}
