package dev.moxing.nn.layers;

import dev.moxing.nn.Module;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

/** What MaxPool2d and AvgPool2d share: window arguments, input checks and the output shape. */
abstract sealed class Pool2d extends Module permits MaxPool2d, AvgPool2d {
    final int[] kernel;
    final int[] stride;
    final int[] padding;

    Pool2d(String name, int[] kernel, int[] stride, int[] padding) {
        if (kernel.length != 2 || stride.length != 2 || padding.length != 2) {
            throw new IllegalArgumentException(name + ": kernel, stride and padding need 2 values (height, width)");
        }
        for (int i = 0; i < 2; i++) {
            ShapeCheck.positive(name, "kernel", kernel[i]);
            ShapeCheck.positive(name, "stride", stride[i]);
            if (padding[i] < 0 || padding[i] > kernel[i] / 2) {
                // PyTorch's rule: a window must always hold at least one real element.
                throw new IllegalArgumentException(name + ": padding must be between 0 and half the kernel ("
                        + kernel[i] / 2 + "), got " + padding[i]);
            }
        }
        this.kernel = kernel.clone();
        this.stride = stride.clone();
        this.padding = padding.clone();
    }

    /** (height, width); likewise {@link #stride()} and {@link #padding()}. */
    public int[] kernelSize() {
        return kernel.clone();
    }

    public int[] stride() {
        return stride.clone();
    }

    public int[] padding() {
        return padding.clone();
    }

    abstract Tensor pool(Tensor x, PoolKernel.Geometry g, int[] outShape);

    @Override
    public Tensor forward(Tensor input) {
        ShapeCheck.floats(this, input);
        ShapeCheck.rank(this, input, "(N, C, H, W)", 4, 3);
        int[] s = input.shape();
        int r = s.length;
        int planes = r == 4 ? s[0] * s[1] : s[0];
        PoolKernel.Geometry g = new PoolKernel.Geometry(planes, s[r - 2], s[r - 1], kernel[0], kernel[1], stride[0],
                stride[1], padding[0], padding[1]);
        if (s[r - 2] + 2 * padding[0] < kernel[0] || s[r - 1] + 2 * padding[1] < kernel[1]) {
            throw new IllegalArgumentException(describe() + ": input " + Shape.str(s) + " is smaller than the "
                    + kernel[0] + "×" + kernel[1] + " window (with padding " + padding[0] + "×" + padding[1] + ")");
        }
        int[] outShape = s.clone();
        outShape[r - 2] = g.outH();
        outShape[r - 1] = g.outW();
        return pool(input, g, outShape);
    }

    String window() {
        String k = kernel[0] + "×" + kernel[1];
        if (stride[0] != kernel[0] || stride[1] != kernel[1]) k += ", stride " + stride[0] + "×" + stride[1];
        if (padding[0] != 0 || padding[1] != 0) k += ", padding " + padding[0] + "×" + padding[1];
        return k;
    }

    static int[] pair(int v) {
        return new int[] {v, v};
    }
}
