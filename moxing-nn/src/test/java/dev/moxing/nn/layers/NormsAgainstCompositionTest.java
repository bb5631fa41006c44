package dev.moxing.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The fused norm kernels against the same formula written with core tensor ops (and so
 * differentiated by the core's autograd), on shapes longer than the fixtures': rows of 100 (many
 * vector lanes plus a tail), spatial planes of 49, and 2-D BatchNorm1d input where every (n, c)
 * "row" is a single value. Forward values and the gradients of the input, weight and bias must agree.
 */
class NormsAgainstCompositionTest {

    @Test
    void layerNorm() {
        Rng rng = new Rng(21);
        LayerNorm ln = new LayerNorm(new int[] {100}, 1e-5, true);
        randomize(ln.weight(), ln.bias(), rng);
        check(Tensor.randn(rng, 37, 100).mul(3).add(2), ln::forward, x -> {
            Tensor mu = x.mean(-1, true);
            Tensor c = x.sub(mu);
            Tensor var = c.square().mean(-1, true);
            return c.div(var.add(1e-5f).sqrt()).mul(ln.weight()).add(ln.bias());
        }, ln.weight(), ln.bias());
    }

    @Test
    void rmsNorm() {
        Rng rng = new Rng(22);
        RMSNorm rms = new RMSNorm(100, 1e-6);
        randomize(rms.weight(), null, rng);
        check(Tensor.randn(rng, 5, 7, 100), rms::forward,
                x -> x.div(x.square().mean(-1, true).add(1e-6f).sqrt()).mul(rms.weight()), rms.weight(), null);
    }

    @Test
    void batchNorm2dTraining() {
        Rng rng = new Rng(23);
        BatchNorm2d bn = new BatchNorm2d(4);
        randomize(bn.weight(), bn.bias(), rng);
        int[] dims = {0, 2, 3};
        check(Tensor.randn(rng, 3, 4, 7, 7).mul(2).add(1), bn::forward, x -> {
            Tensor mu = x.mean(dims, true);
            Tensor c = x.sub(mu);
            Tensor var = c.square().mean(dims, true);
            return c.div(var.add(1e-5f).sqrt()).mul(bn.weight().reshape(1, 4, 1, 1)).add(bn.bias().reshape(1, 4, 1, 1));
        }, bn.weight(), bn.bias());
    }

    @Test
    void batchNorm1dTrainingOnRows() {
        Rng rng = new Rng(24);
        BatchNorm1d bn = new BatchNorm1d(6);
        randomize(bn.weight(), bn.bias(), rng);
        check(Tensor.randn(rng, 50, 6), bn::forward, x -> {
            Tensor mu = x.mean(0, true);
            Tensor c = x.sub(mu);
            Tensor var = c.square().mean(0, true);
            return c.div(var.add(1e-5f).sqrt()).mul(bn.weight()).add(bn.bias());
        }, bn.weight(), bn.bias());
    }

    @Test
    void batchNorm2dEvaluation() {
        Rng rng = new Rng(25);
        BatchNorm2d bn = new BatchNorm2d(3);
        randomize(bn.weight(), bn.bias(), rng);
        try (var ignored = Tensor.noGrad()) {
            bn.runningMean().copyFrom(Tensor.randn(rng, 3));
            bn.runningVar().copyFrom(Tensor.rand(rng, 3).add(0.5f));
        }
        bn.eval();
        Tensor rm = bn.runningMean().reshape(1, 3, 1, 1), rv = bn.runningVar().reshape(1, 3, 1, 1);
        check(Tensor.randn(rng, 2, 3, 5, 6), bn::forward,
                x -> x.sub(rm).div(rv.add(1e-5f).sqrt()).mul(bn.weight().reshape(1, 3, 1, 1))
                        .add(bn.bias().reshape(1, 3, 1, 1)),
                bn.weight(), bn.bias());
    }

    private static void randomize(Tensor weight, Tensor bias, Rng rng) {
        try (var ignored = Tensor.noGrad()) {
            weight.copyFrom(Tensor.randn(rng, weight.shape()).mul(0.5f).add(1));
            if (bias != null) bias.copyFrom(Tensor.randn(rng, bias.shape()).mul(0.5f));
        }
    }

    /** Runs fused and composed on copies of x with the same upstream gradient, comparing everything. */
    private static void check(Tensor input, Function<Tensor, Tensor> fused, Function<Tensor, Tensor> composed,
            Tensor weight, Tensor bias) {
        Tensor g = Tensor.randn(new Rng(99), input.shape());
        Tensor x1 = input.contiguousCopy().setRequiresGrad(true);
        Tensor y1 = fused.apply(x1);
        y1.backward(g);
        float[] dw1 = weight.grad().toFloatArray();
        float[] db1 = bias == null ? null : bias.grad().toFloatArray();
        weight.zeroGrad();
        if (bias != null) bias.zeroGrad();

        Tensor x2 = input.contiguousCopy().setRequiresGrad(true);
        Tensor y2 = composed.apply(x2);
        y2.backward(g);
        assertThat(y1.toFloatArray()).containsExactly(y2.toFloatArray(), within(2e-5f));
        assertThat(x1.grad().toFloatArray()).containsExactly(x2.grad().toFloatArray(), within(1e-4f));
        assertThat(dw1).containsExactly(weight.grad().toFloatArray(), within(2e-4f));
        if (bias != null) assertThat(db1).containsExactly(bias.grad().toFloatArray(), within(2e-4f));
    }
}
