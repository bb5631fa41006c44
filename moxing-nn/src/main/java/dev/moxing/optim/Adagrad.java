package dev.moxing.optim;

import dev.moxing.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * Adagrad with torch.optim.Adagrad's rule and defaults (lr 0.01, lrDecay 0, weightDecay 0,
 * initialAccumulatorValue 0, eps 1e-10):
 *
 * <pre>
 * t += 1;  g = g + wd * p
 * clr = lr / (1 + (t - 1) * lrDecay)
 * sum += g * g                          (sum starts at initialAccumulatorValue)
 * p -= clr * g / (sqrt(sum) + eps)
 * </pre>
 */
public final class Adagrad extends Optimizer {
    private final double lrDecay;
    private final double initialAccumulatorValue;
    private final double eps;
    private final ParamSlots slots = new ParamSlots("sum");

    /** Keras-style, unbound, PyTorch defaults. */
    public Adagrad() {
        this(0.01);
    }

    public Adagrad(double lr) {
        this(lr, 0, 0, 0, 1e-10);
    }

    public Adagrad(double lr, double lrDecay, double weightDecay, double initialAccumulatorValue, double eps) {
        super(lr, weightDecay);
        if (!(lrDecay >= 0)) throw new IllegalArgumentException("Adagrad: invalid lr decay " + lrDecay);
        if (!(initialAccumulatorValue >= 0)) {
            throw new IllegalArgumentException("Adagrad: invalid initial accumulator value " + initialAccumulatorValue);
        }
        if (!(eps >= 0)) throw new IllegalArgumentException("Adagrad: invalid epsilon " + eps);
        this.lrDecay = lrDecay;
        this.initialAccumulatorValue = initialAccumulatorValue;
        this.eps = eps;
    }

    /** PyTorch-style, bound to {@code params}. */
    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("lr_decay", lrDecay);
        c.put("initial_accumulator_value", initialAccumulatorValue);
        c.put("epsilon", eps);
        return c;
    }

    public Adagrad(List<Tensor> params, double lr) {
        this(lr);
        bind(params);
    }

    @Override
    protected void update(Tensor param, Tensor grad, double lr, double weightDecay) {
        float[] p = param.buffer();
        int po = param.offset();
        Tensor gd = ParamSlots.dense(grad);
        float[] g = gd.buffer();
        int go = gd.offset();
        ParamSlots.Slot slot = slots.of(param);
        float[] sum = slot.buffers[0];
        if (slot.step == 0 && initialAccumulatorValue != 0) java.util.Arrays.fill(sum, (float) initialAccumulatorValue);
        long t = ++slot.step;
        float clr = (float) (lr / (1 + (t - 1) * lrDecay));
        float wd = (float) weightDecay, e = (float) eps;
        ParamSlots.forRange(param.numel(), (from, to) -> {
            for (int i = from; i < to; i++) {
                float gi = g[go + i] + wd * p[po + i];
                float s = sum[i] + gi * gi;
                sum[i] = s;
                p[po + i] -= clr * (gi / ((float) Math.sqrt(s) + e));
            }
        });
    }

    @Override
    public OptimizerState stateDict() {
        return slots.export(super.stateDict(), groups);
    }

    @Override
    public void loadStateDict(OptimizerState state) {
        super.loadStateDict(state);
        slots.load(state, groups);
    }
}
