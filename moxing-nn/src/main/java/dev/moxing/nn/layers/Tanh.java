package dev.moxing.nn.layers;

import dev.moxing.nn.Module;
import dev.moxing.tensor.Tensor;

/** Elementwise tanh(x); no parameters. */
public final class Tanh extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x.tanh();
    }

    @Override
    public String describe() {
        return "Tanh()";
    }
}
