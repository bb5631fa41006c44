package dev.moxing.llm.model;

import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The fused LLM ops against the compositions of primitive ops they replace, forward and backward. */
class FusedOpsTest {
    private static void assertClose(Tensor a, Tensor b) {
        float[] x = a.toFloatArray(), y = b.toFloatArray();
        assertThat(x).hasSameSizeAs(y);
        for (int i = 0; i < x.length; i++) assertThat(x[i]).isCloseTo(y[i], within(1e-5f * (1 + Math.abs(y[i]))));
    }

    @Test
    void swigluMatchesSiluTimesUp() {
        Rng rng = new Rng(3);
        Tensor g = Tensor.randn(rng, 3, 5, 37).setRequiresGrad(true), u = Tensor.randn(rng, 3, 5, 37).setRequiresGrad(true);
        Tensor w = Tensor.randn(rng, 3, 5, 37);
        SwiGlu.apply(g, u).mul(w).sum().backward();
        Tensor dg = g.grad(), du = u.grad();
        g.zeroGrad();
        u.zeroGrad();
        Tensor ref = g.silu().mul(u);
        ref.mul(w).sum().backward();
        assertClose(SwiGlu.apply(g, u), ref);
        assertClose(dg, g.grad());
        assertClose(du, u.grad());
    }

    @Test
    void rotaryIsARotationAndItsBackwardTheInverse() {
        Rng rng = new Rng(5);
        for (TransformerConfig.RotaryPairs pairs : TransformerConfig.RotaryPairs.values()) {
            Rotary r = new Rotary(16, 8, 10000f, pairs);
            Tensor x = Tensor.randn(rng, 2, 3, 4, 8).setRequiresGrad(true); // (B, T, H, D)
            Tensor y = r.apply(x, 5);
            // A rotation keeps each pair's norm, hence each head row's norm.
            assertClose(y.mul(y).sum(-1, false), x.mul(x).sum(-1, false));
            Tensor w = Tensor.randn(rng, 2, 3, 4, 8);
            y.mul(w).sum().backward();
            // d/dx <R x, w> = Rᵀ w: rotating it forward again gives back w.
            assertClose(r.apply(x.grad(), 5), w);
        }
    }
}
