package dev.moxing.nn.loss;

/** (p - t)^2, as torch.nn.MSELoss / keras.losses.MeanSquaredError ("mse"). */
public final class MeanSquaredError extends PointwiseLoss {

    public MeanSquaredError() {
        this(Reduction.MEAN);
    }

    public MeanSquaredError(Reduction reduction) {
        super(reduction);
    }

    @Override
    public String name() {
        return "mean_squared_error";
    }

    @Override
    boolean differenceLoss() {
        return true;
    }

    @Override
    void forward(float[] p, int po, float[] t, int to, float[] out, int n) {
        for (int i = 0; i < n; i++) {
            double d = (double) p[po + i] - t[to + i];
            out[i] = (float) (d * d);
        }
    }

    @Override
    void backward(float[] p, int po, float[] t, int to, Reduction.Upstream up, float[] dp, int n) {
        for (int i = 0; i < n; i++) dp[i] = (float) (2 * ((double) p[po + i] - t[to + i]) * up.at(i));
    }
}
