package dev.moxing.nn.loss;

/**
 * Quadratic near zero, linear beyond {@code delta}: with d = p - t, 0.5 d^2 for |d| &lt;= delta,
 * delta (|d| - 0.5 delta) otherwise; as torch.nn.HuberLoss / keras.losses.Huber (delta 1.0).
 */
public final class Huber extends PointwiseLoss {
    private final double delta;

    public Huber() {
        this(1.0);
    }

    public Huber(double delta) {
        this(delta, Reduction.MEAN);
    }

    public Huber(double delta, Reduction reduction) {
        super(reduction);
        if (!(delta > 0) || Double.isInfinite(delta)) throw new IllegalArgumentException("huber_loss: delta must be positive, got " + delta);
        this.delta = delta;
    }

    public double delta() {
        return delta;
    }

    @Override
    public String name() {
        return "huber_loss";
    }

    @Override
    boolean differenceLoss() {
        return true;
    }

    @Override
    void forward(float[] p, int po, float[] t, int to, float[] out, int n) {
        for (int i = 0; i < n; i++) {
            double a = Math.abs((double) p[po + i] - t[to + i]);
            out[i] = (float) (a < delta ? 0.5 * a * a : delta * (a - 0.5 * delta));
        }
    }

    @Override
    void backward(float[] p, int po, float[] t, int to, Reduction.Upstream up, float[] dp, int n) {
        for (int i = 0; i < n; i++) {
            double d = Math.max(-delta, Math.min(delta, (double) p[po + i] - t[to + i]));
            dp[i] = (float) (d * up.at(i));
        }
    }

    @Override
    public String toString() {
        return "Huber(delta=" + delta + ", reduction=" + reduction + ")";
    }
}
