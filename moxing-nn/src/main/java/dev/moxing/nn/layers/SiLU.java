package dev.moxing.nn.layers;

import dev.moxing.nn.Module;
import dev.moxing.tensor.Tensor;

/** Elementwise x · sigmoid(x) (also called swish); no parameters. */
public final class SiLU extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x.silu();
    }

    @Override
    public String describe() {
        return "SiLU()";
    }
}
