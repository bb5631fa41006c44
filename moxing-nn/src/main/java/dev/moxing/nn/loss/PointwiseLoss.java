package dev.moxing.nn.loss;

import dev.moxing.autograd.Autograd;
import dev.moxing.autograd.GradMode;
import dev.moxing.tensor.Tensor;

import java.util.Objects;

/**
 * A loss that is a function of each (prediction, target) pair, as one fused op: the forward pass
 * computes every element's loss (in double, stored as float) in one loop, the backward pass every
 * element's derivative in one loop from the saved inputs, already scaled by the reduction. NONE
 * gives a loss per element (PyTorch's convention; Keras would also average the last axis).
 */
abstract class PointwiseLoss implements Loss {
    final Reduction reduction;

    PointwiseLoss(Reduction reduction) {
        this.reduction = Objects.requireNonNull(reduction, "reduction");
    }

    /** out[i] = loss(p[po + i], t[to + i]). */
    abstract void forward(float[] p, int po, float[] t, int to, float[] out, int n);

    /** dp[i] = up.at(i) * d loss(p[po + i], t[to + i]) / d p. */
    abstract void backward(float[] p, int po, float[] t, int to, Reduction.Upstream up, float[] dp, int n);

    /** True for losses of (p - t) alone, whose target gradient is the negated prediction gradient. */
    boolean differenceLoss() {
        return false;
    }

    public Reduction reduction() {
        return reduction;
    }

    @Override
    public Tensor apply(Tensor predictions, Tensor targets) {
        Tensor t = Targets.sameShape(name(), predictions, targets);
        boolean targetGrad = t.requiresGrad() && GradMode.isEnabled();
        if (targetGrad && !differenceLoss()) {
            throw new IllegalArgumentException(name() + ": targets require grad, but this loss does not "
                    + "differentiate with respect to targets; pass targets.detach()");
        }
        Targets.Flat p = Targets.Flat.of(predictions), y = Targets.Flat.of(t);
        int n = predictions.numel();
        int[] shape = predictions.shape();
        float[] per = new float[n];
        forward(p.data(), p.offset(), y.data(), y.offset(), per, n);
        Tensor out = reduction.output(per, shape, n);
        return Autograd.record(out, name(), g -> {
            float[] dp = new float[n];
            backward(p.data(), p.offset(), y.data(), y.offset(), reduction.upstream(g, n), dp, n);
            Tensor gp = Tensor.fromArray(dp, shape);
            return new Tensor[] {gp, targetGrad ? gp.neg() : null};
        }, predictions, t);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(reduction=" + reduction + ")";
    }
}
