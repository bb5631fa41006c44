package dev.moxing.nn.layers;

import dev.moxing.tensor.Tensor;

/**
 * Max over kh × kw windows of each NCHW plane (PyTorch's nn.MaxPool2d without dilation or ceil
 * mode): stride defaults to the kernel, padding counts as −∞. The gradient goes to the first
 * maximum of each window; NaN propagates.
 */
public final class MaxPool2d extends Pool2d {

    public MaxPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    public MaxPool2d(int kernel, int stride) {
        this(kernel, stride, 0);
    }

    public MaxPool2d(int kernel, int stride, int padding) {
        this(pair(kernel), pair(stride), pair(padding));
    }

    /** Kernel, stride and padding as (height, width) pairs. */
    public MaxPool2d(int[] kernel, int[] stride, int[] padding) {
        super("MaxPool2d", kernel, stride, padding);
    }

    @Override
    Tensor pool(Tensor x, PoolKernel.Geometry g, int[] outShape) {
        return PoolKernel.max(x, g, outShape);
    }

    @Override
    public String describe() {
        return "MaxPool2d(" + window() + ")";
    }
}
