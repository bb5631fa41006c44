package dev.moxing.optim;

import dev.moxing.kernels.VectorOps;
import dev.moxing.kernels.VectorReductions;
import dev.moxing.parallel.WorkerPool;
import dev.moxing.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Gradient clipping, in place on the parameters' {@code grad()} tensors, as torch.nn.utils:
 * parameters without a gradient are skipped (a non-contiguous gradient, which cannot be written
 * in place, is replaced by a contiguous clipped copy). Call between {@code backward()} and
 * {@code optimizer.step()}. Large gradients are processed in parallel chunks fixed by the pool
 * size, so results are deterministic for a given thread count.
 */
public final class GradClip {
    private GradClip() {
    }

    /** Same as torch's foreach-free clip_grad_norm_: eps keeps the coefficient finite at norm 0. */
    static final double EPS = 1e-6;

    /** {@link #byNorm(List, double, double)} with the Euclidean norm. */
    public static double byNorm(List<Tensor> params, double maxNorm) {
        return byNorm(params, maxNorm, 2);
    }

    /**
     * Scales all gradients by {@code min(1, maxNorm / (total + 1e-6))}, where total is the
     * {@code normType}-norm of all gradients together (as if concatenated); {@code normType} may be
     * {@link Double#POSITIVE_INFINITY} (largest magnitude). Returns the total norm before clipping
     * (what training logs print as "grad norm"). A non-finite norm is returned as it is and, as in
     * torch with error_if_nonfinite=false, a NaN norm turns every gradient into NaN and an
     * infinite one scales them by 0 (so the caller can detect it and skip the step).
     */
    public static double byNorm(List<Tensor> params, double maxNorm, double normType) {
        if (!(maxNorm >= 0)) throw new IllegalArgumentException("GradClip.byNorm: invalid max norm " + maxNorm);
        if (!(normType > 0)) throw new IllegalArgumentException("GradClip.byNorm: invalid norm type " + normType);
        List<Tensor> withGrad = withGrad(params);
        if (withGrad.isEmpty()) return 0;
        double total;
        if (normType == Double.POSITIVE_INFINITY) {
            total = 0;
            for (Tensor p : withGrad) {
                Tensor d = ParamSlots.dense(p.grad());
                total = Math.max(total, Math.max(VectorReductions.max(d.buffer(), d.offset(), d.numel()),
                        -VectorReductions.min(d.buffer(), d.offset(), d.numel())));
            }
        } else {
            double sum = 0;
            for (Tensor p : withGrad) sum += powerSum(ParamSlots.dense(p.grad()), normType);
            total = normType == 2 ? Math.sqrt(sum) : Math.pow(sum, 1 / normType);
        }
        double coef = maxNorm / (total + EPS);
        if (!(coef >= 1)) for (Tensor p : withGrad) scale(p, (float) coef); // a NaN norm poisons, as in torch
        return total;
    }

    /** Clamps every gradient element to [-clip, clip]. */
    public static void byValue(List<Tensor> params, double clip) {
        if (!(clip >= 0)) throw new IllegalArgumentException("GradClip.byValue: invalid clip value " + clip);
        float c = (float) clip;
        for (Tensor p : withGrad(params)) {
            Tensor d = ParamSlots.dense(p.grad());
            float[] a = d.buffer();
            int o = d.offset();
            ParamSlots.forRange(d.numel(), (from, to) -> VectorOps.clamp(a, o + from, -c, c, a, o + from, to - from));
            if (d != p.grad()) p.setGrad(d);
        }
    }

    private static List<Tensor> withGrad(List<Tensor> params) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : params) if (p.grad() != null) out.add(p);
        return out;
    }

    /** Sum of |x|^p over one gradient, in chunks fixed by the pool size (deterministic per thread count). */
    private static double powerSum(Tensor g, double p) {
        float[] a = g.buffer();
        int o = g.offset(), n = g.numel();
        WorkerPool pool = WorkerPool.shared();
        int chunks = pool.chunksFor(n, ParamSlots.GRAIN);
        double[] partial = new double[chunks];
        pool.run(chunks, (c, cs) -> {
            int from = (int) ((long) n * c / cs), to = (int) ((long) n * (c + 1) / cs);
            if (p == 2) {
                partial[c] = VectorReductions.sumSquares(a, o + from, to - from);
            } else {
                double s = 0;
                for (int i = from; i < to; i++) s += Math.pow(Math.abs(a[o + i]), p);
                partial[c] = s;
            }
        });
        double s = 0;
        for (double v : partial) s += v;
        return s;
    }

    /** Scales p's gradient in place (a non-contiguous gradient is replaced by a scaled contiguous copy). */
    private static void scale(Tensor p, float coef) {
        Tensor d = ParamSlots.dense(p.grad());
        float[] a = d.buffer();
        int o = d.offset();
        ParamSlots.forRange(d.numel(), (from, to) -> VectorOps.mulScalar(a, o + from, coef, a, o + from, to - from));
        if (d != p.grad()) p.setGrad(d);
    }
}
