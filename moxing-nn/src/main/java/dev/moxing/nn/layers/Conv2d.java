package dev.moxing.nn.layers;

import dev.moxing.nn.Module;
import dev.moxing.nn.init.Init;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;

/**
 * 2-D convolution over NCHW input, PyTorch semantics and layout: weight (out, in/groups, kh, kw),
 * bias (out); output size ⌊(H + 2p − d(k−1) − 1)/s⌋ + 1 per spatial dim. Initialised like
 * PyTorch's nn.Conv2d (U(±1/√fanIn) for weight and bias). A 3-D input (C, H, W) is treated as a
 * batch of one. The computation is the fused im2col + GEMM op in {@link ConvKernel}.
 */
public class Conv2d extends Module {
    private final int inChannels;
    private final int outChannels;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final int groups;

    public Conv2d(int inChannels, int outChannels, int kernel) {
        this(inChannels, outChannels, kernel, 1, 0);
    }

    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding) {
        this(inChannels, outChannels, kernel, stride, padding, 1, 1, true);
    }

    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, int dilation, int groups,
            boolean bias) {
        this(inChannels, outChannels, new int[] {kernel, kernel}, new int[] {stride, stride},
                new int[] {padding, padding}, new int[] {dilation, dilation}, groups, bias, Init.defaultRng());
    }

    /** Kernel, stride, padding and dilation as (height, width) pairs. */
    public Conv2d(int inChannels, int outChannels, int[] kernel, int[] stride, int[] padding, int[] dilation,
            int groups, boolean bias, Rng rng) {
        ConvSpec.check("Conv2d", inChannels, outChannels, groups, 2, kernel, stride, padding, dilation);
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = kernel.clone();
        this.stride = stride.clone();
        this.padding = padding.clone();
        this.dilation = dilation.clone();
        this.groups = groups;
        ConvSpec.registerWeights(this::registerParameter, outChannels,
                new int[] {outChannels, inChannels / groups, kernel[0], kernel[1]}, bias, rng);
    }

    public int inChannels() {
        return inChannels;
    }

    public int outChannels() {
        return outChannels;
    }

    /** (height, width); likewise {@link #stride()}, {@link #padding()}, {@link #dilation()}. */
    public int[] kernelSize() {
        return kernel.clone();
    }

    public int[] stride() {
        return stride.clone();
    }

    public int[] padding() {
        return padding.clone();
    }

    public int[] dilation() {
        return dilation.clone();
    }

    public int groups() {
        return groups;
    }

    public Tensor weight() {
        return localParameters().get("weight");
    }

    public Tensor bias() {
        return localParameters().get("bias");
    }

    @Override
    public Tensor forward(Tensor input) {
        ShapeCheck.floats(this, input);
        ShapeCheck.rank(this, input, "(N, C, H, W)", 4, 3);
        Tensor x = input.dim() == 3 ? input.unsqueeze(0) : input;
        ShapeCheck.size(this, input, input.dim() - 3, inChannels, "channels");
        int[] s = x.shape();
        ConvGeometry g = new ConvGeometry(s[0], s[1], s[2], s[3], outChannels, kernel[0], kernel[1], stride[0],
                stride[1], padding[0], padding[1], dilation[0], dilation[1], groups);
        ConvSpec.checkOutput(this, input, g.outH(), g.outW(), s[2] + " × " + s[3]);
        Tensor y = ConvKernel.apply(x, weight(), bias(), g, new int[] {s[0], outChannels, g.outH(), g.outW()});
        return input.dim() == 3 ? y.squeeze(0) : y;
    }

    @Override
    public String describe() {
        return "Conv2d(" + inChannels + " → " + outChannels + ", " + kernel[0] + "×" + kernel[1]
                + ConvSpec.options(stride, padding, dilation, groups, bias() != null) + ")";
    }

    /** Output (height, width) for an input of (height, width). */
    public int[] outputSize(int height, int width) {
        ConvGeometry g = new ConvGeometry(1, inChannels, height, width, outChannels, kernel[0], kernel[1], stride[0],
                stride[1], padding[0], padding[1], dilation[0], dilation[1], groups);
        return new int[] {g.outH(), g.outW()};
    }
}
