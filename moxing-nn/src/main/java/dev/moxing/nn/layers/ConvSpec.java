package dev.moxing.nn.layers;

import dev.moxing.nn.Module;
import dev.moxing.nn.init.FanMode;
import dev.moxing.nn.init.Fans;
import dev.moxing.nn.init.Init;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

import java.util.function.BiFunction;

/** What Conv1d and Conv2d share: argument checks, PyTorch's default init, and the describe() suffix. */
final class ConvSpec {
    private ConvSpec() {
    }

    static void check(String layer, int in, int out, int groups, int dims, int[] kernel, int[] stride, int[] padding,
            int[] dilation) {
        ShapeCheck.positive(layer, "in channels", in);
        ShapeCheck.positive(layer, "out channels", out);
        ShapeCheck.positive(layer, "groups", groups);
        if (in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException(layer + ": in channels (" + in + ") and out channels (" + out
                    + ") must both be divisible by groups (" + groups + ")");
        }
        String[] names = {"kernel", "stride", "padding", "dilation"};
        int[][] values = {kernel, stride, padding, dilation};
        for (int i = 0; i < names.length; i++) {
            if (values[i].length != dims) {
                throw new IllegalArgumentException(layer + ": " + names[i] + " needs " + dims + " values, got "
                        + values[i].length);
            }
            for (int v : values[i]) {
                if (i == 2 ? v < 0 : v <= 0) {
                    throw new IllegalArgumentException(layer + ": " + names[i] + " must be "
                            + (i == 2 ? "non-negative" : "positive") + ", got " + v);
                }
            }
        }
    }

    /** PyTorch's reset_parameters: kaiming_uniform(a = √5) weight, i.e. U(±1/√fanIn), and bias U(±1/√fanIn). */
    static void registerWeights(BiFunction<String, Tensor, Tensor> register, int out, int[] weightShape, boolean bias,
            Rng rng) {
        Tensor w = Init.heUniform(Tensor.zeros(weightShape), Math.sqrt(5), FanMode.FAN_IN, "leaky_relu", rng);
        register.apply("weight", w);
        if (bias) {
            double bound = 1 / Math.sqrt(Fans.of(weightShape).fanIn());
            register.apply("bias", Init.uniform(Tensor.zeros(out), -bound, bound, rng));
        }
    }

    static void checkOutput(Module layer, Tensor input, int outH, int outW, String inputSize) {
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException(layer.describe() + ": input " + Shape.str(input.shape()) + " ("
                    + inputSize + ") is too small for the kernel: the output would be " + outH + " × " + outW);
        }
    }

    /** ", stride 2, padding 1" etc., only for values that differ from the defaults. */
    static String options(int[] stride, int[] padding, int[] dilation, int groups, boolean bias) {
        StringBuilder sb = new StringBuilder();
        append(sb, "stride", stride, 1);
        append(sb, "padding", padding, 0);
        append(sb, "dilation", dilation, 1);
        if (groups != 1) sb.append(", groups ").append(groups);
        if (!bias) sb.append(", bias=false");
        return sb.toString();
    }

    private static void append(StringBuilder sb, String name, int[] v, int dflt) {
        boolean all = true;
        for (int x : v) all &= x == dflt;
        if (all) return;
        sb.append(", ").append(name).append(' ');
        for (int i = 0; i < v.length; i++) sb.append(i == 0 ? "" : "×").append(v[i]);
    }
}
