package dev.moxing.nn.loss;

/** |p - t|, as torch.nn.L1Loss / keras.losses.MeanAbsoluteError ("mae"); the gradient at p = t is 0. */
public final class MeanAbsoluteError extends PointwiseLoss {

    public MeanAbsoluteError() {
        this(Reduction.MEAN);
    }

    public MeanAbsoluteError(Reduction reduction) {
        super(reduction);
    }

    @Override
    public String name() {
        return "mean_absolute_error";
    }

    @Override
    boolean differenceLoss() {
        return true;
    }

    @Override
    void forward(float[] p, int po, float[] t, int to, float[] out, int n) {
        for (int i = 0; i < n; i++) out[i] = (float) Math.abs((double) p[po + i] - t[to + i]);
    }

    @Override
    void backward(float[] p, int po, float[] t, int to, Reduction.Upstream up, float[] dp, int n) {
        for (int i = 0; i < n; i++) dp[i] = (float) Math.signum((double) p[po + i] - t[to + i]) * up.at(i);
    }
}
