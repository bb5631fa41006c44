package dev.moxing.optim;

import dev.moxing.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * RMSprop with torch.optim.RMSprop's rule and defaults (lr 0.01, alpha 0.99, eps 1e-8, no weight
 * decay, no momentum, not centered). Note Keras's defaults differ (rho 0.9, eps 1e-7).
 *
 * <pre>
 * g = g + wd * p
 * sq = alpha * sq + (1 - alpha) * g^2
 * centered:  ga = alpha * ga + (1 - alpha) * g;  avg = sqrt(sq - ga^2) + eps
 * otherwise: avg = sqrt(sq) + eps
 * momentum:  buf = momentum * buf + g / avg;  p -= lr * buf
 * otherwise: p -= lr * g / avg
 * </pre>
 */
public final class RMSprop extends Optimizer {
    private final double alpha;
    private final double eps;
    private final double momentum;
    private final boolean centered;
    private final ParamSlots slots;

    /** Keras-style, unbound, PyTorch defaults. */
    public RMSprop() {
        this(0.01);
    }

    public RMSprop(double lr) {
        this(lr, 0.99, 1e-8, 0, 0, false);
    }

    public RMSprop(double lr, double alpha, double eps, double weightDecay, double momentum, boolean centered) {
        super(lr, weightDecay);
        if (!(alpha >= 0)) throw new IllegalArgumentException("RMSprop: invalid alpha " + alpha);
        if (!(eps >= 0)) throw new IllegalArgumentException("RMSprop: invalid epsilon " + eps);
        if (!(momentum >= 0)) throw new IllegalArgumentException("RMSprop: invalid momentum " + momentum);
        this.alpha = alpha;
        this.eps = eps;
        this.momentum = momentum;
        this.centered = centered;
        // Buffer order: square_avg, then grad_avg (centered), then momentum_buffer (momentum).
        String[] names = centered
                ? (momentum > 0 ? new String[] {"square_avg", "grad_avg", "momentum_buffer"} : new String[] {"square_avg", "grad_avg"})
                : (momentum > 0 ? new String[] {"square_avg", "momentum_buffer"} : new String[] {"square_avg"});
        this.slots = new ParamSlots(names);
    }

    /** PyTorch-style, bound to {@code params}. */
    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("rho", alpha);
        c.put("epsilon", eps);
        c.put("momentum", momentum);
        c.put("centered", centered);
        return c;
    }

    public RMSprop(List<Tensor> params, double lr) {
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
        slot.step++;
        float[] sq = slot.buffers[0];
        float[] ga = centered ? slot.buffers[1] : null;
        float[] buf = momentum > 0 ? slot.buffers[slot.buffers.length - 1] : null;
        float a = (float) alpha, oneMinusA = (float) (1 - alpha), e = (float) eps, mu = (float) momentum;
        float wd = (float) weightDecay, rate = (float) lr;
        ParamSlots.forRange(param.numel(), (from, to) -> {
            for (int i = from; i < to; i++) {
                float gi = g[go + i] + wd * p[po + i];
                float s = a * sq[i] + oneMinusA * gi * gi;
                sq[i] = s;
                float avg;
                if (ga != null) {
                    float m = a * ga[i] + oneMinusA * gi;
                    ga[i] = m;
                    avg = (float) Math.sqrt(s - m * m) + e;
                } else {
                    avg = (float) Math.sqrt(s) + e;
                }
                if (buf != null) {
                    float b = mu * buf[i] + gi / avg;
                    buf[i] = b;
                    p[po + i] -= rate * b;
                } else {
                    p[po + i] -= rate * (gi / avg);
                }
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
