package dev.moxing.nn.layers;

import dev.moxing.nn.Module;
import dev.moxing.tensor.Tensor;

/**
 * Mean over the whole H × W plane: (N, C, H, W) → (N, C), like Keras's GlobalAveragePooling2D
 * (with keepdim, (N, C, 1, 1) like PyTorch's AdaptiveAvgPool2d(1)).
 */
public final class GlobalAvgPool2d extends Module {
    private final boolean keepdim;

    public GlobalAvgPool2d() {
        this(false);
    }

    public GlobalAvgPool2d(boolean keepdim) {
        this.keepdim = keepdim;
    }

    public boolean keepdim() {
        return keepdim;
    }

    @Override
    public Tensor forward(Tensor x) {
        ShapeCheck.floats(this, x);
        ShapeCheck.rank(this, x, "(N, C, H, W)", 4);
        return x.mean(new int[] {2, 3}, keepdim);
    }

    @Override
    public String describe() {
        return "GlobalAvgPool2d()";
    }
}
