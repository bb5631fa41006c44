package dev.moxing.nn.loss;

import dev.moxing.autograd.Autograd;
import dev.moxing.kernels.VectorOps;
import dev.moxing.kernels.VectorReductions;
import dev.moxing.kernels.VectorSoftmax;
import dev.moxing.parallel.WorkerPool;
import dev.moxing.tensor.Tensor;

import java.util.Arrays;

/**
 * The fused log-softmax + cross-entropy op over rows of logits (R, C), classes last: the hot path
 * of classification and language-model training. Forward, one row at a time (rows split over the
 * worker pool): the row's softmax into a saved buffer ({@link VectorSoftmax#softmaxRows}: a max
 * pass, an exp-and-sum pass, a scale pass), then the loss from it. For a class target t the loss
 * is -log softmax[t], exact to a few ulps while softmax[t] is a normal float; when it underflows
 * (a logit gap beyond ~87) the loss comes from the log-sum-exp instead, lse - x[t] with
 * lse = max(x) - log(max(softmax)) (the largest probability is 1/sum and never underflows), so
 * the loss stays finite and accurate. Backward is one pass per row from the saved softmax:
 * dx = u (softmax * sum(y') - y'), u the row's upstream gradient and y' the (smoothed) target
 * distribution, i.e. (softmax - onehot) / R for a plain mean.
 *
 * <p>Label smoothing s: y' = (1 - s) y + s / C, as PyTorch and Keras. Rows whose target is ignored
 * (sparse targets of -1 here) have loss 0, gradient 0, and do not count in the mean.
 */
final class SoftmaxCrossEntropy {
    private SoftmaxCrossEntropy() {
    }

    /** About this many logits per parallel chunk. */
    private static final int GRAIN_ELEMENTS = 1 << 14;

    /** Class-index targets (one per row, -1 = ignored). */
    static Tensor sparse(String name, Tensor logits, int[] target, double labelSmoothing, Reduction reduction) {
        int c = logits.size(-1), rows = target.length;
        Targets.Flat x = Targets.Flat.of(logits);
        float[] xs = x.data();
        int xo = x.offset();
        float[] prob = new float[rows * c];
        float[] per = new float[rows];
        double s = labelSmoothing;
        parallelRows(rows, c, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int t = target[r];
                if (t < 0) continue;
                int xr = xo + r * c, pr = r * c;
                VectorSoftmax.softmaxRows(xs, xr, prob, pr, 1, c);
                float pt = prob[pr + t];
                double lse = pt >= Float.MIN_NORMAL ? xs[xr + t] - Math.log(pt) : logSumExp(xs, xr, prob, pr, c);
                double loss = lse - xs[xr + t];
                if (s != 0) {
                    // (1 - s)(lse - x_t) + s * mean_c(lse - x_c)
                    double mean = VectorReductions.sum(xs, xr, c) / (double) c;
                    loss = (1 - s) * loss + s * (lse - mean);
                }
                per[r] = (float) loss;
            }
        });
        int ignored = 0;
        for (int t : target) if (t < 0) ignored++;
        double count = rows - ignored;
        int[] shape = Arrays.copyOf(logits.shape(), logits.dim() - 1);
        Tensor out = reduction.output(per, shape, count);
        int[] inShape = logits.shape();
        return Autograd.record(out, name, g -> {
            Reduction.Upstream up = reduction.upstream(g, count);
            float[] dx = new float[rows * c];
            float offAll = (float) (s / c), onTarget = (float) (1 - s);
            parallelRows(rows, c, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    if (target[r] < 0) continue;
                    float u = up.at(r);
                    int o = r * c;
                    VectorOps.mulScalar(prob, o, u, dx, o, c);
                    if (s != 0) VectorOps.addScalar(dx, o, -u * offAll, dx, o, c);
                    dx[o + target[r]] -= u * onTarget;
                }
            });
            return new Tensor[] {Tensor.fromArray(dx, inShape)};
        }, logits);
    }

    /** Probability-distribution targets shaped like the logits. */
    static Tensor soft(String name, Tensor logits, Tensor targets, double labelSmoothing, Reduction reduction) {
        int c = logits.size(-1), rows = logits.numel() / Math.max(1, c);
        Targets.Flat x = Targets.Flat.of(logits), y = Targets.Flat.of(targets);
        float[] xs = x.data(), ys = y.data();
        int xo = x.offset(), yo = y.offset();
        float[] prob = new float[rows * c];
        float[] per = new float[rows];
        float[] mass = new float[rows]; // sum of the row's smoothed targets (1 for a distribution)
        double s = labelSmoothing, off = s / c;
        parallelRows(rows, c, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int xr = xo + r * c, yr = yo + r * c;
                VectorSoftmax.softmaxRows(xs, xr, prob, r * c, 1, c);
                double lse = logSumExp(xs, xr, prob, r * c, c);
                // sum_c y'_c (lse - x_c), in double: no cancellation when the row is confidently right.
                double loss = 0, m = 0;
                for (int k = 0; k < c; k++) {
                    double yk = (1 - s) * ys[yr + k] + off;
                    loss += yk * (lse - xs[xr + k]);
                    m += yk;
                }
                per[r] = (float) loss;
                mass[r] = (float) m;
            }
        });
        int[] shape = Arrays.copyOf(logits.shape(), logits.dim() - 1);
        Tensor out = reduction.output(per, shape, rows);
        int[] inShape = logits.shape();
        return Autograd.record(out, name, g -> {
            Reduction.Upstream up = reduction.upstream(g, rows);
            float[] dx = new float[rows * c];
            parallelRows(rows, c, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    float u = up.at(r);
                    int o = r * c;
                    VectorOps.mulScalar(prob, o, u * mass[r], dx, o, c);
                    VectorOps.scaleAdd(ys, yo + o, (float) (-u * (1 - s)), dx, o, c);
                    if (s != 0) VectorOps.addScalar(dx, o, (float) (-u * off), dx, o, c);
                }
            });
            return new Tensor[] {Tensor.fromArray(dx, inShape), null};
        }, logits, targets);
    }

    /** The row's log-sum-exp from its logits and softmax: max(x) - log(max(softmax)), max(softmax) = 1 / sum. */
    private static double logSumExp(float[] x, int xo, float[] prob, int po, int c) {
        return VectorReductions.max(x, xo, c) - Math.log(VectorReductions.max(prob, po, c));
    }

    private static void parallelRows(int rows, int c, WorkerPool.RangeBody body) {
        WorkerPool.shared().parallelFor(0, rows, Math.max(1, GRAIN_ELEMENTS / Math.max(1, c)), body);
    }
}
