package dev.moxing.optim;

import dev.moxing.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight
 * decay, with torch.optim.SGD's exact rule:
 *
 * <pre>
 * d = g + wd * p
 * buf = d                                  (first step)
 * buf = momentum * buf + (1 - dampening) * d   (later steps)
 * d = nesterov ? d + momentum * buf : buf      (when momentum != 0)
 * p -= lr * d
 * </pre>
 */
public final class SGD extends Optimizer {
    private final double momentum;
    private final double dampening;
    private final boolean nesterov;
    private final ParamSlots slots;

    /** Keras-style, unbound: plain SGD at Keras's default rate 0.01. */
    public SGD() {
        this(0.01);
    }

    /** Keras-style, unbound: plain SGD. */
    public SGD(double lr) {
        this(lr, 0, 0, false, 0);
    }

    public SGD(double lr, double momentum) {
        this(lr, momentum, 0, false, 0);
    }

    public SGD(double lr, double momentum, double dampening, boolean nesterov, double weightDecay) {
        super(lr, weightDecay);
        if (!(momentum >= 0)) throw new IllegalArgumentException("SGD: invalid momentum " + momentum);
        if (!(dampening >= 0)) throw new IllegalArgumentException("SGD: invalid dampening " + dampening);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("SGD: Nesterov momentum requires a momentum and zero dampening");
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.nesterov = nesterov;
        this.slots = momentum != 0 ? new ParamSlots("momentum_buffer") : new ParamSlots();
    }

    /** PyTorch-style, bound to {@code params}. */
    public SGD(List<Tensor> params, double lr) {
        this(lr);
        bind(params);
    }

    public SGD(List<Tensor> params, double lr, double momentum) {
        this(lr, momentum);
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
        boolean first = slot.step++ == 0;
        float wd = (float) weightDecay, rate = (float) lr;
        if (momentum == 0) {
            ParamSlots.forRange(param.numel(), (from, to) -> {
                for (int i = from; i < to; i++) {
                    float d = g[go + i] + wd * p[po + i];
                    p[po + i] -= rate * d;
                }
            });
            return;
        }
        float[] buf = slot.buffers[0];
        float mu = (float) momentum, keep = (float) (1 - dampening);
        ParamSlots.forRange(param.numel(), (from, to) -> {
            for (int i = from; i < to; i++) {
                float d = g[go + i] + wd * p[po + i];
                float b = first ? d : mu * buf[i] + keep * d;
                buf[i] = b;
                p[po + i] -= rate * (nesterov ? d + mu * b : b);
            }
        });
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("momentum", momentum);
        c.put("dampening", dampening);
        c.put("nesterov", nesterov);
        return c;
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
