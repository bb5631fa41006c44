package dev.moxing.nn.layers;

import dev.moxing.nn.Module;
import dev.moxing.nn.init.Init;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;

/**
 * 1-D convolution over (N, C, L) input, PyTorch semantics and layout: weight (out, in/groups, k),
 * bias (out). It runs the 2-D kernel with height 1 (the buffers are laid out identically). A 2-D
 * input (C, L) is treated as a batch of one.
 */
public class Conv1d extends Module {
    private final int inChannels;
    private final int outChannels;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final int dilation;
    private final int groups;

    public Conv1d(int inChannels, int outChannels, int kernel) {
        this(inChannels, outChannels, kernel, 1, 0);
    }

    public Conv1d(int inChannels, int outChannels, int kernel, int stride, int padding) {
        this(inChannels, outChannels, kernel, stride, padding, 1, 1, true);
    }

    public Conv1d(int inChannels, int outChannels, int kernel, int stride, int padding, int dilation, int groups,
            boolean bias) {
        this(inChannels, outChannels, kernel, stride, padding, dilation, groups, bias, Init.defaultRng());
    }

    public Conv1d(int inChannels, int outChannels, int kernel, int stride, int padding, int dilation, int groups,
            boolean bias, Rng rng) {
        ConvSpec.check("Conv1d", inChannels, outChannels, groups, 1, new int[] {kernel}, new int[] {stride},
                new int[] {padding}, new int[] {dilation});
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        ConvSpec.registerWeights(this::registerParameter, outChannels,
                new int[] {outChannels, inChannels / groups, kernel}, bias, rng);
    }

    public int inChannels() {
        return inChannels;
    }

    public int outChannels() {
        return outChannels;
    }

    public int kernelSize() {
        return kernel;
    }

    public int stride() {
        return stride;
    }

    public int padding() {
        return padding;
    }

    public int dilation() {
        return dilation;
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
        ShapeCheck.rank(this, input, "(N, C, L)", 3, 2);
        Tensor x = input.dim() == 2 ? input.unsqueeze(0) : input;
        ShapeCheck.size(this, input, input.dim() - 2, inChannels, "channels");
        int[] s = x.shape();
        ConvGeometry g = new ConvGeometry(s[0], s[1], 1, s[2], outChannels, 1, kernel, 1, stride, 0, padding, 1,
                dilation, groups);
        ConvSpec.checkOutput(this, input, 1, g.outW(), "length " + s[2]);
        Tensor y = ConvKernel.apply(x, weight(), bias(), g, new int[] {s[0], outChannels, g.outW()});
        return input.dim() == 2 ? y.squeeze(0) : y;
    }

    @Override
    public String describe() {
        return "Conv1d(" + inChannels + " → " + outChannels + ", " + kernel
                + ConvSpec.options(new int[] {stride}, new int[] {padding}, new int[] {dilation}, groups,
                        bias() != null) + ")";
    }
}
