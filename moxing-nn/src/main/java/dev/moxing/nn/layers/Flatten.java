package dev.moxing.nn.layers;

import dev.moxing.nn.Module;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

/**
 * Merges dims startDim..endDim into one (PyTorch's nn.Flatten; defaults 1 and −1, so (N, C, H, W)
 * → (N, C·H·W) and the batch dim is kept). A view when the input's strides allow it.
 */
public final class Flatten extends Module {
    private final int startDim;
    private final int endDim;

    public Flatten() {
        this(1, -1);
    }

    public Flatten(int startDim, int endDim) {
        this.startDim = startDim;
        this.endDim = endDim;
    }

    public int startDim() {
        return startDim;
    }

    public int endDim() {
        return endDim;
    }

    @Override
    public Tensor forward(Tensor x) {
        int r = x.dim();
        int s = startDim < 0 ? startDim + r : startDim;
        int e = endDim < 0 ? endDim + r : endDim;
        if (r == 0 || s < 0 || e >= r || s > e) {
            throw new IllegalArgumentException(describe() + ": dims " + startDim + ".." + endDim
                    + " are out of range for input " + Shape.str(x.shape()));
        }
        int[] shape = x.shape();
        int[] out = new int[r - (e - s)];
        int j = 0;
        for (int i = 0; i < s; i++) out[j++] = shape[i];
        int merged = 1;
        for (int i = s; i <= e; i++) merged *= shape[i];
        out[j++] = merged;
        for (int i = e + 1; i < r; i++) out[j++] = shape[i];
        return x.reshape(out);
    }

    @Override
    public String describe() {
        return startDim == 1 && endDim == -1 ? "Flatten()" : "Flatten(" + startDim + ", " + endDim + ")";
    }
}
