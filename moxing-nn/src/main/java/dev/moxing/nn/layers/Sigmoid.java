package dev.moxing.nn.layers;

import dev.moxing.nn.Module;
import dev.moxing.tensor.Tensor;

/** Elementwise 1 / (1 + e^-x); no parameters. */
public final class Sigmoid extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x.sigmoid();
    }

    @Override
    public String describe() {
        return "Sigmoid()";
    }
}
