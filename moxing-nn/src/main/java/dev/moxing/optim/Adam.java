package dev.moxing.optim;

import dev.moxing.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * Adam with torch.optim.Adam's rule and defaults (lr 1e-3, betas 0.9/0.999, eps 1e-8, L2 weight
 * decay 0, no AMSGrad). Keras's eps default is 1e-7; pass it explicitly to match Keras. Per
 * parameter, with t its own step count:
 *
 * <pre>
 * g = g + wd * p                                  (L2; {@link AdamW} decays p directly instead)
 * m = b1 * m + (1 - b1) * g;   v = b2 * v + (1 - b2) * g^2
 * vmax = max(vmax, v)  and use vmax for v          (amsgrad)
 * p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 *
 * The update is one fused vector pass per parameter ({@link AdamKernel}), split over the worker
 * pool for large parameters.
 */
public class Adam extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final boolean amsgrad;
    private final boolean decoupled;
    private final ParamSlots slots;

    /** Keras-style, unbound, PyTorch defaults. */
    public Adam() {
        this(1e-3);
    }

    public Adam(double lr) {
        this(lr, 0.9, 0.999, 1e-8, 0, false);
    }

    public Adam(double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        this(lr, beta1, beta2, eps, weightDecay, amsgrad, false);
    }

    /** PyTorch-style, bound to {@code params}. */
    public Adam(List<Tensor> params, double lr) {
        this(lr);
        bind(params);
    }

    Adam(double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad, boolean decoupled) {
        super(lr, weightDecay);
        String me = getClass().getSimpleName();
        if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException(me + ": invalid beta1 " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException(me + ": invalid beta2 " + beta2);
        if (!(eps >= 0)) throw new IllegalArgumentException(me + ": invalid epsilon " + eps);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.amsgrad = amsgrad;
        this.decoupled = decoupled;
        this.slots = amsgrad ? new ParamSlots("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
                : new ParamSlots("exp_avg", "exp_avg_sq");
    }

    @Override
    protected final void update(Tensor param, Tensor grad, double lr, double weightDecay) {
        float[] p = param.buffer();
        int po = param.offset();
        Tensor gd = ParamSlots.dense(grad);
        float[] g = gd.buffer();
        int go = gd.offset();
        ParamSlots.Slot slot = slots.of(param);
        long t = ++slot.step;
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        AdamKernel.Step k = AdamKernel.Step.of(beta1, beta2, decoupled ? 0 : weightDecay,
                decoupled ? 1 - lr * weightDecay : 1, lr / bc1, Math.sqrt(bc2), eps);
        float[] m = slot.buffers[0], v = slot.buffers[1], vmax = amsgrad ? slot.buffers[2] : null;
        ParamSlots.forRange(param.numel(), (from, to) -> AdamKernel.update(p, po, g, go, m, v, vmax, from, to, k));
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("beta_1", beta1);
        c.put("beta_2", beta2);
        c.put("epsilon", eps);
        c.put("amsgrad", amsgrad);
        return c;
    }

    @Override
    public final OptimizerState stateDict() {
        return slots.export(super.stateDict(), groups);
    }

    @Override
    public final void loadStateDict(OptimizerState state) {
        super.loadStateDict(state);
        slots.load(state, groups);
    }
}
