package dev.moxing.nn.layers;

import dev.moxing.tensor.Tensor;

/**
 * Mean over kh × kw windows of each NCHW plane (PyTorch's nn.AvgPool2d without ceil mode):
 * stride defaults to the kernel; with countIncludePad (the default) padded positions count as
 * zeros in the mean, otherwise the mean is over the positions inside the image.
 */
public final class AvgPool2d extends Pool2d {
    private final boolean countIncludePad;

    public AvgPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    public AvgPool2d(int kernel, int stride) {
        this(kernel, stride, 0);
    }

    public AvgPool2d(int kernel, int stride, int padding) {
        this(pair(kernel), pair(stride), pair(padding), true);
    }

    /** Kernel, stride and padding as (height, width) pairs. */
    public AvgPool2d(int[] kernel, int[] stride, int[] padding, boolean countIncludePad) {
        super("AvgPool2d", kernel, stride, padding);
        this.countIncludePad = countIncludePad;
    }

    public boolean countIncludePad() {
        return countIncludePad;
    }

    @Override
    Tensor pool(Tensor x, PoolKernel.Geometry g, int[] outShape) {
        return PoolKernel.avg(x, g, countIncludePad, outShape);
    }

    @Override
    public String describe() {
        return "AvgPool2d(" + window() + (countIncludePad || (padding[0] == 0 && padding[1] == 0) ? ""
                : ", count_include_pad=false") + ")";
    }
}
