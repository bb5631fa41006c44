package dev.moxing.optim;

import dev.moxing.tensor.Tensor;

import java.util.List;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), as torch.optim.AdamW: each step first
 * shrinks the parameter, {@code p *= 1 - lr * wd}, then applies the Adam update to the raw
 * gradient. Defaults: lr 1e-3, betas 0.9/0.999, eps 1e-8, weight decay 0.01, no AMSGrad. Pair it
 * with {@link ParamGroups#decayOnlyMatrices} to leave biases and norm gains undecayed.
 */
public final class AdamW extends Adam {

    /** Keras-style, unbound, PyTorch defaults. */
    public AdamW() {
        this(1e-3);
    }

    public AdamW(double lr) {
        this(lr, 0.9, 0.999, 1e-8, 0.01, false);
    }

    public AdamW(double lr, double weightDecay) {
        this(lr, 0.9, 0.999, 1e-8, weightDecay, false);
    }

    public AdamW(double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        super(lr, beta1, beta2, eps, weightDecay, amsgrad, true);
    }

    /** PyTorch-style, bound to {@code params}: {@code new AdamW(model.parameters(), 3e-4)}. */
    public AdamW(List<Tensor> params, double lr) {
        this(lr);
        bind(params);
    }

    public AdamW(List<Tensor> params, double lr, double weightDecay) {
        this(lr, weightDecay);
        bind(params);
    }
}
