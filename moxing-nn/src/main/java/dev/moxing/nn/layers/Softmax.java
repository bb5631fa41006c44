package dev.moxing.nn.layers;

import dev.moxing.nn.Module;
import dev.moxing.tensor.Tensor;

/** Softmax along a dim (the last by default, like Keras; PyTorch makes you name it). */
public final class Softmax extends Module {
    private final int dim;

    public Softmax() {
        this(-1);
    }

    public Softmax(int dim) {
        this.dim = dim;
    }

    public int dim() {
        return dim;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.softmax(dim);
    }

    @Override
    public String describe() {
        return "Softmax(dim=" + dim + ")";
    }
}
