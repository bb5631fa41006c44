package dev.moxing.nn.layers;

import dev.moxing.nn.Module;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

/** x + f(x): a skip connection around any module whose output has its input's shape. */
public final class Residual extends Module {
    private final Module fn;

    public Residual(Module fn) {
        this.fn = registerModule("fn", fn);
    }

    public Module fn() {
        return fn;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor fx = fn.forward(x);
        if (!Shape.same(fx.shape(), x.shape())) {
            throw new IllegalArgumentException(describe() + ": f(x) has shape " + Shape.str(fx.shape())
                    + " but x has " + Shape.str(x.shape()) + "; a residual needs them equal");
        }
        return x.add(fx);
    }

    @Override
    public String describe() {
        return "Residual(" + fn.describe() + ")";
    }
}
