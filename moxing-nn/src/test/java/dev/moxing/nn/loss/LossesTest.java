package dev.moxing.nn.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moxing.optim.Fixtures;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Names, errors, shapes, target gradients, and the fused cross-entropy against composed core ops at scale. */
class LossesTest {

    @Test
    void kerasNames() {
        assertThat(Losses.byName("mse")).isInstanceOf(MeanSquaredError.class);
        assertThat(Losses.byName("mean_squared_error").name()).isEqualTo("mean_squared_error");
        assertThat(Losses.byName("MAE").name()).isEqualTo("mean_absolute_error");
        assertThat(Losses.byName("huber").name()).isEqualTo("huber_loss");
        assertThat(Losses.byName("binary_crossentropy").name()).isEqualTo("binary_crossentropy");
        assertThat(Losses.byName("categorical_crossentropy").name()).isEqualTo("categorical_crossentropy");
        Loss s = Losses.byName("sparse_categorical_crossentropy");
        assertThat(s.name()).isEqualTo("sparse_categorical_crossentropy");
        assertThat(((SparseCategoricalCrossEntropy) s).isFromLogits()).isFalse(); // Keras's default
        assertThat(SparseCategoricalCrossEntropy.fromLogits().isFromLogits()).isTrue();
        assertThatThrownBy(() -> Losses.byName("hinge")).hasMessageContaining("unknown loss 'hinge'")
                .hasMessageContaining("sparse_categorical_crossentropy");
        assertEquals(Reduction.MEAN, Reduction.of("sum_over_batch_size"));
        assertThatThrownBy(() -> Reduction.of("avg")).hasMessageContaining("avg");
    }

    @Test
    void outOfRangeTargetsNameTheValueAndClassCount() {
        Tensor logits = Tensor.zeros(3, 5);
        assertThatThrownBy(() -> SparseCategoricalCrossEntropy.fromLogits().apply(logits, Tensor.ofInts(new int[] {0, 7, 1}, 3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sparse_categorical_crossentropy").hasMessageContaining("target 7")
                .hasMessageContaining("5 classes");
        assertThatThrownBy(() -> new SparseCategoricalCrossEntropy().apply(logits, Tensor.of(new float[] {0, -1, 1}, 3)))
                .hasMessageContaining("target -1").hasMessageContaining("5 classes");
        assertThatThrownBy(() -> SparseCategoricalCrossEntropy.fromLogits().apply(logits, Tensor.of(new float[] {0, 1.5f, 1}, 3)))
                .hasMessageContaining("1.5").hasMessageContaining("not an integer");
        assertThatThrownBy(() -> SparseCategoricalCrossEntropy.fromLogits().apply(logits, Tensor.ofInts(new int[] {0, 1}, 2)))
                .hasMessageContaining("shape [3]");
        assertThatThrownBy(() -> SparseCategoricalCrossEntropy.fromLogits().withIgnoreIndex(-100)
                .apply(logits, Tensor.ofInts(new int[] {0, -99, 1}, 3))).hasMessageContaining("target -99")
                .hasMessageContaining("ignore index -100");
        // (N, 1) targets are accepted, Keras-style.
        assertEquals((float) Math.log(5), SparseCategoricalCrossEntropy.fromLogits()
                .apply(logits, Tensor.ofInts(new int[] {0, 4, 1}, 3, 1)).item(), 1e-6f);
    }

    @Test
    void shapeMismatchesFailClearly() {
        assertThatThrownBy(() -> new MeanSquaredError().apply(Tensor.zeros(4, 3), Tensor.zeros(4)))
                .hasMessageContaining("mean_squared_error").hasMessageContaining("[4]").hasMessageContaining("[4, 3]");
        assertThatThrownBy(() -> CategoricalCrossEntropy.fromLogits().apply(Tensor.zeros(2, 3), Tensor.zeros(2, 4)))
                .hasMessageContaining("categorical_crossentropy");
        // (N, 1) predictions against (N,) targets are fine (Keras).
        assertEquals(1f, new MeanSquaredError().apply(Tensor.ones(4, 1), Tensor.zeros(4)).item());
        assertThatThrownBy(() -> new Huber(0)).hasMessageContaining("delta");
        assertThatThrownBy(() -> new BinaryCrossEntropy().apply(Tensor.of(new float[] {0.5f, 1.5f}, 2), Tensor.zeros(2)))
                .hasMessageContaining("[0, 1]").hasMessageContaining("1.5").hasMessageContaining("fromLogits");
        assertThatThrownBy(() -> new CategoricalCrossEntropy().withLabelSmoothing(1.5)).hasMessageContaining("label smoothing");
    }

    @Test
    void differenceLossesDifferentiateTargetsToo() {
        Tensor p = Tensor.of(new float[] {1, 2, 3}, 3).setRequiresGrad(true);
        Tensor t = Tensor.of(new float[] {0, 2.5f, 5}, 3).setRequiresGrad(true);
        new MeanSquaredError(Reduction.SUM).apply(p, t).backward();
        assertArrayEquals(new float[] {2, -1, -4}, p.grad().toFloatArray());
        assertArrayEquals(new float[] {-2, 1, 4}, t.grad().toFloatArray());
        Tensor y = Tensor.of(new float[] {0, 1, 1}, 3).setRequiresGrad(true);
        assertThatThrownBy(() -> new BinaryCrossEntropy().apply(p.sigmoid(), y)).hasMessageContaining("detach");
        try (var ignored = Tensor.noGrad()) {
            new BinaryCrossEntropy().apply(p.sigmoid(), y); // fine without recording
        }
    }

    @Test
    void noneReductionShapes() {
        assertArrayEquals(new int[] {2, 3}, new MeanAbsoluteError(Reduction.NONE).apply(Tensor.zeros(2, 3), Tensor.ones(2, 3)).shape());
        Tensor logits = Tensor.zeros(2, 3, 4);
        assertArrayEquals(new int[] {2, 3}, SparseCategoricalCrossEntropy.fromLogits().withReduction(Reduction.NONE)
                .apply(logits, Tensor.zerosLike(logits).sum(-1, false)).shape());
        assertArrayEquals(new int[] {2, 3}, new CategoricalCrossEntropy(true, 0, Reduction.NONE)
                .apply(logits, Tensor.full(0.25f, 2, 3, 4)).shape());
        assertEquals(0, new MeanSquaredError(Reduction.SUM).apply(Tensor.zeros(2), Tensor.zeros(2)).dim());
    }

    /**
     * The fused sparse cross-entropy against logSoftmax + gather from core ops, on a problem big
     * enough to split rows over the worker pool and with rows wider than a vector block.
     */
    @Test
    void fusedSparseCrossEntropyMatchesComposedOpsAtScale() {
        Rng rng = new Rng(5);
        int n = 96, c = 3001;
        Tensor logits = Tensor.randn(rng, n, c).mul(3f).detach().setRequiresGrad(true);
        Tensor targets = Tensor.randint(rng, 0, c, n);
        Tensor fused = SparseCategoricalCrossEntropy.fromLogits().withLabelSmoothing(0.1).apply(logits, targets);
        fused.backward();
        float[] gFused = logits.grad().toFloatArray();

        Tensor x = logits.detach().setRequiresGrad(true);
        Tensor logp = x.logSoftmax(-1);
        Tensor nll = logp.gather(1, targets.reshape(n, 1)).mean().neg();
        Tensor smooth = logp.mean(-1, false).mean().neg();
        Tensor composed = nll.mul(0.9f).add(smooth.mul(0.1f));
        composed.backward();
        assertEquals(composed.item(), fused.item(), 2e-5 * Math.abs(composed.item()));
        Fixtures.assertClose("grad", x.grad().toFloatArray(), gFused, 1e-4, 1e-9);
    }

    @Test
    void fusedSoftCrossEntropyMatchesComposedOps() {
        Rng rng = new Rng(9);
        int n = 40, c = 517;
        Tensor logits = Tensor.randn(rng, n, c).detach().setRequiresGrad(true);
        Tensor y = Tensor.randn(rng, n, c).softmax(-1);
        Tensor fused = CategoricalCrossEntropy.fromLogits().withReduction(Reduction.SUM).apply(logits, y);
        fused.backward();
        Tensor x = logits.detach().setRequiresGrad(true);
        Tensor composed = x.logSoftmax(-1).mul(y).sum().neg();
        composed.backward();
        assertEquals(composed.item(), fused.item(), 1e-5 * Math.abs(composed.item()));
        Fixtures.assertClose("grad", x.grad().toFloatArray(), logits.grad().toFloatArray(), 1e-4, 1e-8);
    }

    @Test
    void hugeLogitGapsStayFinite() {
        Tensor logits = Tensor.of(new float[] {0, 200, -300, 150}, 2, 2).setRequiresGrad(true);
        Tensor loss = SparseCategoricalCrossEntropy.fromLogits().withReduction(Reduction.NONE)
                .apply(logits, Tensor.ofInts(new int[] {0, 0}, 2));
        assertArrayEquals(new float[] {200, 450}, loss.toFloatArray());
        loss.sum().backward();
        assertArrayEquals(new float[] {-1, 1, -1, 1}, logits.grad().toFloatArray());
    }

    @Test
    void allIgnoredMeanIsNaNLikePyTorch() {
        Tensor out = SparseCategoricalCrossEntropy.fromLogits().withIgnoreIndex(-100)
                .apply(Tensor.zeros(2, 3), Tensor.ofInts(new int[] {-100, -100}, 2));
        assertTrue(Float.isNaN(out.item()));
    }
}
