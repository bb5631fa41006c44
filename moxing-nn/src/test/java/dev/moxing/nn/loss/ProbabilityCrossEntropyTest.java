package dev.moxing.nn.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The fused probability cross-entropy against the same formula composed from core ops (each of
 * which is checked against PyTorch elsewhere): values and gradients for both the predictions and
 * soft targets, with some probabilities below the clip margin (their gradient must be 0).
 */
class ProbabilityCrossEntropyTest {

    private static Tensor composite(Tensor p, Tensor y) {
        Tensor q = p.div(p.sum(-1, true)).clamp(CategoricalCrossEntropy.EPSILON, 1 - CategoricalCrossEntropy.EPSILON);
        return q.log().mul(y).sum(-1, false).neg();
    }

    @Test
    void matchesTheCompositeInValueAndBothGradients() {
        Rng rng = new Rng(7);
        int rows = 6, c = 5;
        float[] logits = Tensor.randn(rng, rows, c).mul(3f).toFloatArray();
        logits[3] = -40f; // a probability far below 1e-7: clipped
        logits[c + 1] = 30f; // one close to 1
        float[] pv = Tensor.fromArray(logits, rows, c).softmax(-1).mul(1.3f).toFloatArray(); // rows sum to 1.3
        float[] yv = Tensor.rand(rng, rows, c).toFloatArray();
        float[] upstream = Tensor.randn(rng, rows).toFloatArray();

        Tensor p1 = Tensor.fromArray(pv.clone(), rows, c).setRequiresGrad(true);
        Tensor y1 = Tensor.fromArray(yv.clone(), rows, c).setRequiresGrad(true);
        Tensor fused = ProbabilityCrossEntropy.apply(p1, y1);
        fused.backward(Tensor.fromArray(upstream.clone(), rows));

        Tensor p2 = Tensor.fromArray(pv.clone(), rows, c).setRequiresGrad(true);
        Tensor y2 = Tensor.fromArray(yv.clone(), rows, c).setRequiresGrad(true);
        Tensor ref = composite(p2, y2);
        ref.backward(Tensor.fromArray(upstream.clone(), rows));

        assertThat(fused.shape()).containsExactly(rows);
        assertClose(fused.toFloatArray(), ref.toFloatArray());
        assertClose(p1.grad().toFloatArray(), p2.grad().toFloatArray());
        assertClose(y1.grad().toFloatArray(), y2.grad().toFloatArray());
        assertThat(p1.grad().toFloatArray()[3]).isNotZero(); // clipped entries still get the normalisation term
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            double tol = 1e-5 * Math.max(1, Math.abs(expected[i]));
            assertThat((double) actual[i]).as("element %d", i).isCloseTo(expected[i], within(tol));
        }
    }
}
