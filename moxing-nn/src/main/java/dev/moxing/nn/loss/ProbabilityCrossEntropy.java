package dev.moxing.nn.loss;

import dev.moxing.autograd.Autograd;
import dev.moxing.tensor.Tensor;

import java.util.Arrays;

/**
 * Keras's cross-entropy on probabilities as one fused op over rows (R, C), classes last: per row,
 * q = clip(p / sum(p), eps, 1 - eps) and loss = -sum(y log q). The same arithmetic as composing
 * div, sum, clamp, log, mul, sum and neg, but one pass per row instead of seven ops, seven
 * results and seven graph nodes (the loss of the Fashion-MNIST example ran as that chain on every
 * batch). Backward, with u = p / s (before clipping) and g the row's upstream gradient:
 * <pre>
 * dL/du_c = -g y_c / q_c     where eps <= u_c <= 1 - eps (clamp passes the gradient there), else 0
 * dL/dp_j = dL/du_j / s - sum_c(dL/du_c p_c) / s^2
 * dL/dy_c = -g log q_c
 * </pre>
 * Sums run in double; the result is rounded to float once per row.
 */
final class ProbabilityCrossEntropy {
    private ProbabilityCrossEntropy() {
    }

    /** Per-row losses (the shape of p without its last dim); differentiable in p and y. */
    static Tensor apply(Tensor p, Tensor y) {
        int c = p.size(-1);
        int rows = c == 0 ? 0 : (int) (p.numel() / c);
        Targets.Flat pf = Targets.Flat.of(p), yf = Targets.Flat.of(y);
        float[] pd = pf.data(), yd = yf.data();
        int po = pf.offset(), yo = yf.offset();
        float eps = CategoricalCrossEntropy.EPSILON, hi = 1 - eps;
        float[] per = new float[rows];
        float[] sums = new float[rows];
        for (int r = 0; r < rows; r++) {
            int pr = po + r * c, yr = yo + r * c;
            float s = rowSum(pd, pr, c);
            sums[r] = s;
            double loss = 0;
            for (int j = 0; j < c; j++) {
                float q = Math.min(Math.max(pd[pr + j] / s, eps), hi);
                loss -= yd[yr + j] * Math.log(q);
            }
            per[r] = (float) loss;
        }
        Tensor out = Tensor.fromArray(per, Arrays.copyOf(p.shape(), p.dim() - 1));
        int[] shape = p.shape();
        return Autograd.record(out, "categorical_crossentropy", g -> {
            float[] gd = g.contiguous().toFloatArray();
            float[] dp = p.requiresGrad() ? new float[rows * c] : null;
            float[] dy = y.requiresGrad() ? new float[rows * c] : null;
            for (int r = 0; r < rows; r++) {
                int pr = po + r * c, yr = yo + r * c, o = r * c;
                float s = sums[r], gr = gd[r];
                double dot = 0; // sum_c dL/du_c * p_c
                for (int j = 0; j < c; j++) {
                    float u = pd[pr + j] / s;
                    float q = Math.min(Math.max(u, eps), hi);
                    float du = u >= eps && u <= hi ? -gr * yd[yr + j] / q : 0f;
                    if (dp != null) {
                        dp[o + j] = du / s;
                        dot += (double) du * pd[pr + j];
                    }
                    if (dy != null) dy[o + j] = (float) (-gr * Math.log(q));
                }
                if (dp != null) {
                    float corr = (float) (dot / ((double) s * s));
                    for (int j = 0; j < c; j++) dp[o + j] -= corr;
                }
            }
            return new Tensor[] {dp == null ? null : Tensor.fromArray(dp, shape), dy == null ? null : Tensor.fromArray(dy, shape)};
        }, p, y);
    }

    /** The row's sum in double, rounded once. */
    private static float rowSum(float[] d, int from, int n) {
        double s = 0;
        for (int j = 0; j < n; j++) s += d[from + j];
        return (float) s;
    }
}
