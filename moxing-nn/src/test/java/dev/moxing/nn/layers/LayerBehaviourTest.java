package dev.moxing.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.moxing.nn.Module;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * What the PyTorch fixtures do not pin down: Keras-style shape errors, describe() strings, Dense's
 * deferred build, dropout statistics, train/eval switching, parameter naming and the small
 * shape-only layers.
 */
class LayerBehaviourTest {

    @Test
    void linearShapeErrorNamesTheLayerAndBothShapes() {
        Linear fc = new Linear(784, 512);
        assertThat(fc.describe()).isEqualTo("Linear(784 → 512)");
        assertThatThrownBy(() -> fc.forward(Tensor.zeros(128, 100)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Linear(784 → 512): input (128, 100) has 100 features, expected 784");
        assertThat(new Linear(3, 2, false).describe()).isEqualTo("Linear(3 → 2, bias=false)");
    }

    @Test
    void linearInitMatchesPyTorchBounds() {
        Linear fc = new Linear(400, 300, true, new Rng(1));
        double bound = 1 / Math.sqrt(400);
        float[] w = fc.weight().toFloatArray();
        double max = 0, sq = 0;
        for (float v : w) {
            max = Math.max(max, Math.abs(v));
            sq += v * v;
        }
        assertThat(max).isLessThanOrEqualTo(bound).isGreaterThan(0.99 * bound);
        assertThat(Math.sqrt(sq / w.length)).isCloseTo(bound / Math.sqrt(3), within(0.01 * bound));
        for (float v : fc.bias().toFloatArray()) assertThat(Math.abs(v)).isLessThanOrEqualTo((float) bound);
        assertThat(fc.namedParameters().keySet()).containsExactly("weight", "bias");
    }

    @Test
    void linearHandlesLeadingDimsAndNonContiguousInput() {
        Rng rng = new Rng(2);
        Linear fc = new Linear(4, 3, true, rng);
        Tensor x = Tensor.randn(rng, 4, 2, 5).permute(2, 1, 0); // (5, 2, 4), not contiguous
        Tensor y = fc.forward(x);
        assertThat(y.shape()).containsExactly(5, 2, 3);
        Tensor ref = x.matmul(fc.weight().t()).add(fc.bias());
        assertThat(y.toFloatArray()).containsExactly(ref.toFloatArray(), within(1e-5f));
    }

    @Test
    void denseBuildsOnFirstForward() {
        Dense d = new Dense(8, "relu", 0, new Rng(3));
        assertThat(d.isBuilt()).isFalse();
        assertThat(d.parameters()).isEmpty();
        assertThat(d.describe()).isEqualTo("Dense(? → 8, relu)");
        Tensor y = d.forward(Tensor.randn(new Rng(4), 5, 6));
        assertThat(d.isBuilt()).isTrue();
        assertThat(d.inputDim()).isEqualTo(6);
        assertThat(y.shape()).containsExactly(5, 8);
        for (float v : y.toFloatArray()) assertThat(v).isGreaterThanOrEqualTo(0f);
        assertThat(d.describe()).isEqualTo("Dense(6 → 8, relu)");
        assertThat(d.weight().shape()).containsExactly(8, 6);
        assertThat(d.bias().toFloatArray()).containsOnly(0f);
        assertThatThrownBy(() -> d.forward(Tensor.zeros(5, 7)))
                .hasMessage("Dense(6 → 8, relu): input (5, 7) has 7 features, expected 6");
        assertThatThrownBy(() -> d.build(7)).hasMessageContaining("already built for 6");
    }

    @Test
    void denseIsGlorotUniformAndAppliesItsActivation() {
        Dense d = new Dense(200, "softmax", 300, new Rng(5));
        double bound = Math.sqrt(6.0 / (300 + 200));
        for (float v : d.weight().toFloatArray()) assertThat(Math.abs(v)).isLessThanOrEqualTo((float) bound);
        Tensor y = d.forward(Tensor.randn(new Rng(6), 4, 300));
        for (int r = 0; r < 4; r++) assertThat(y.select(0, r).sum().item()).isCloseTo(1f, within(1e-5f));
        assertThat(new Dense(3).describe()).isEqualTo("Dense(? → 3)");
        assertThat(new Dense(3, null, 2).activation()).isEqualTo("linear");
        assertThat(new Dense(3, "swish", 2).activation()).isEqualTo("silu");
        assertThatThrownBy(() -> new Dense(3, "rleu"))
                .hasMessageContaining("unknown activation 'rleu'").hasMessageContaining("Dense(3)");
    }

    @Test
    void activationsByNameMatchTensorOps() {
        Tensor x = Tensor.randn(new Rng(7), 3, 5);
        assertThat(new Activation("relu").forward(x).toFloatArray()).containsExactly(x.relu().toFloatArray());
        assertThat(new Activation("gelu").forward(x).toFloatArray()).containsExactly(x.gelu().toFloatArray());
        assertThat(new GELU("tanh").forward(x).toFloatArray()).containsExactly(x.geluTanh().toFloatArray());
        assertThat(new SiLU().forward(x).toFloatArray()).containsExactly(x.silu().toFloatArray());
        assertThat(new Sigmoid().forward(x).toFloatArray()).containsExactly(x.sigmoid().toFloatArray());
        assertThat(new Tanh().forward(x).toFloatArray()).containsExactly(x.tanh().toFloatArray());
        assertThat(new ReLU().forward(x).toFloatArray()).containsExactly(x.relu().toFloatArray());
        assertThat(new Softmax(0).forward(x).toFloatArray()).containsExactly(x.softmax(0).toFloatArray());
        assertThat(new Activation(null).forward(x)).isSameAs(x);
        assertThatThrownBy(() -> new GELU("fast")).hasMessageContaining("'none' or 'tanh'");
    }

    @Test
    void dropoutIsInvertedInTrainingAndIdentityInEval() {
        Dropout drop = new Dropout(0.25, new Rng(8));
        Tensor x = Tensor.ones(100_000);
        float[] y = drop.forward(x).toFloatArray();
        int zeros = 0;
        for (float v : y) {
            if (v == 0) zeros++;
            else assertThat(v).isCloseTo(1 / 0.75f, within(1e-6f));
        }
        assertThat(zeros / 100_000.0).isCloseTo(0.25, within(0.01));
        drop.eval();
        assertThat(drop.forward(x)).isSameAs(x);
        assertThatThrownBy(() -> new Dropout(1.5)).hasMessageContaining("[0, 1]");
    }

    @Test
    void batchNormUsesBatchStatsInTrainingAndRunningStatsInEval() {
        BatchNorm2d bn = new BatchNorm2d(2);
        assertThat(bn.stateDict().keySet()).containsExactly("weight", "bias", "running_mean", "running_var");
        Tensor x = Tensor.randn(new Rng(9), 4, 2, 3, 3).mul(3).add(5);
        Tensor y = bn.forward(x);
        // Training: each channel of the output has mean 0 and (biased) variance 1.
        for (int c = 0; c < 2; c++) {
            Tensor ch = y.select(1, c);
            assertThat(ch.mean().item()).isCloseTo(0f, within(1e-5f));
            assertThat(ch.square().mean().item()).isCloseTo(1f, within(1e-3f));
        }
        float[] rm = bn.runningMean().toFloatArray();
        float[] mean = x.mean(new int[] {0, 2, 3}, false).toFloatArray();
        float[] var = x.var(new int[] {0, 2, 3}, 1, false).toFloatArray();
        for (int c = 0; c < 2; c++) {
            assertThat(rm[c]).isCloseTo(0.1f * mean[c], within(1e-5f));
            assertThat(bn.runningVar().toFloatArray()[c]).isCloseTo(0.9f + 0.1f * var[c], within(1e-4f));
        }
        bn.eval();
        float[] before = bn.runningMean().toFloatArray();
        Tensor ye = bn.forward(x);
        assertThat(bn.runningMean().toFloatArray()).containsExactly(before);
        float[] rv = bn.runningVar().toFloatArray();
        float expected = (float) ((x.get(0, 1, 0, 0) - before[1]) / Math.sqrt(rv[1] + 1e-5));
        assertThat(ye.get(0, 1, 0, 0)).isCloseTo(expected, within(1e-5f));
        bn.train(true);
        assertThatThrownBy(() -> new BatchNorm1d(3).forward(Tensor.zeros(1, 3)))
                .hasMessageContaining("expected more than 1 value per channel when training");
        assertThatThrownBy(() -> bn.forward(Tensor.zeros(4, 3, 2, 2)))
                .hasMessage("BatchNorm2d(2): input (4, 3, 2, 2) has 3 channels, expected 2");
        assertThatThrownBy(() -> bn.forward(Tensor.zeros(4, 2)))
                .hasMessage("BatchNorm2d(2): expected a 4-D input (N, C, H, W), got shape (4, 2)");
    }

    @Test
    void convAndPoolDescribeThemselvesAndCheckInputs() {
        Conv2d conv = new Conv2d(1, 32, 3);
        assertThat(conv.describe()).isEqualTo("Conv2d(1 → 32, 3×3)");
        assertThat(new Conv2d(4, 8, 3, 2, 1, 1, 2, false).describe())
                .isEqualTo("Conv2d(4 → 8, 3×3, stride 2×2, padding 1×1, groups 2, bias=false)");
        assertThatThrownBy(() -> conv.forward(Tensor.zeros(128, 3, 28, 28)))
                .hasMessage("Conv2d(1 → 32, 3×3): input (128, 3, 28, 28) has 3 channels, expected 1");
        assertThatThrownBy(() -> conv.forward(Tensor.zeros(28, 28)))
                .hasMessage("Conv2d(1 → 32, 3×3): expected a 4-D or 3-D input (N, C, H, W), got shape (28, 28)");
        assertThatThrownBy(() -> new Conv2d(3, 4, 3, 1, 0, 1, 2, true)).hasMessageContaining("divisible by groups");
        assertThat(conv.weight().shape()).containsExactly(32, 1, 3, 3);
        assertThat(conv.outputSize(28, 28)).containsExactly(26, 26);
        assertThat(new Conv1d(3, 5, 4, 2, 1).describe()).isEqualTo("Conv1d(3 → 5, 4, stride 2, padding 1)");

        MaxPool2d pool = new MaxPool2d(2);
        assertThat(pool.describe()).isEqualTo("MaxPool2d(2×2)");
        assertThat(pool.forward(Tensor.zeros(2, 3, 7, 7)).shape()).containsExactly(2, 3, 3, 3);
        assertThat(new AvgPool2d(3, 2, 1).describe()).isEqualTo("AvgPool2d(3×3, stride 2×2, padding 1×1)");
        assertThatThrownBy(() -> new MaxPool2d(2, 2, 2)).hasMessageContaining("half the kernel");
        assertThatThrownBy(() -> pool.forward(Tensor.zeros(2, 3, 1, 5))).hasMessageContaining("smaller than the 2×2 window");
    }

    @Test
    void maxPoolGradientGoesToTheMaximum() {
        Tensor x = Tensor.of(new float[] {1, 5, 2, 0, 3, 4, 7, 1, 0, 2, 9, 8, 6, 1, 3, 2}, 1, 1, 4, 4).setRequiresGrad(true);
        Tensor y = new MaxPool2d(2).forward(x);
        assertThat(y.toFloatArray()).containsExactly(5, 7, 6, 9);
        y.sum().backward();
        assertThat(x.grad().toFloatArray()).containsExactly(0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0);
    }

    @Test
    void layerNormAndRmsNormCheckTheirShapes() {
        LayerNorm ln = new LayerNorm(8);
        assertThat(ln.describe()).isEqualTo("LayerNorm(8)");
        assertThatThrownBy(() -> ln.forward(Tensor.zeros(2, 7)))
                .hasMessage("LayerNorm(8): input (2, 7) does not end in (8,)");
        RMSNorm rms = new RMSNorm(16);
        assertThatThrownBy(() -> rms.forward(Tensor.zeros(3, 4)))
                .hasMessage("RMSNorm(16, eps=1.0E-6): input (3, 4) has 4 features, expected 16");
        Tensor x = Tensor.randn(new Rng(10), 3, 16);
        assertThat(RMSNorm.apply(x, null, 1e-6f).toFloatArray())
                .containsExactly(rms.forward(x).toFloatArray(), within(1e-6f));
        assertThat(LayerNorm.apply(x, null, null, 1e-5f).shape()).containsExactly(3, 16);
    }

    @Test
    void embeddingLooksUpRowsAndRejectsBadIds() {
        Embedding emb = new Embedding(10, 4, new Rng(11));
        Tensor ids = Tensor.ofInts(new int[] {3, 3, 9, 0}, 2, 2);
        Tensor y = emb.forward(ids);
        assertThat(y.shape()).containsExactly(2, 2, 4);
        assertThat(y.select(0, 1).select(0, 0).toFloatArray()).containsExactly(emb.weight().select(0, 9).toFloatArray());
        y.sum().backward();
        assertThat(emb.weight().grad().select(0, 3).toFloatArray()).containsOnly(2f);
        assertThat(emb.weight().grad().select(0, 5).toFloatArray()).containsOnly(0f);
        assertThatThrownBy(() -> emb.forward(Tensor.ofInts(new int[] {1, 10}, 2)))
                .hasMessage("Embedding(10, 4): id 10 at flat position 1 of ids (2,) is not in [0, 10)");
        assertThatThrownBy(() -> emb.forward(Tensor.of(new float[] {1.5f}, 1))).hasMessageContaining("id 1.5");
        assertThat(emb.forward(Tensor.of(new float[] {2f}, 1)).shape()).containsExactly(1, 4);
    }

    @Test
    void residualAddsTheInputAndNamesItsChild() {
        Linear inner = new Linear(4, 4, true, new Rng(12));
        Residual res = new Residual(inner);
        assertThat(res.namedParameters().keySet()).containsExactly("fn.weight", "fn.bias");
        assertThat(res.describe()).isEqualTo("Residual(Linear(4 → 4))");
        Tensor x = Tensor.randn(new Rng(13), 2, 4);
        assertThat(res.forward(x).toFloatArray()).containsExactly(x.add(inner.forward(x)).toFloatArray());
        assertThatThrownBy(() -> new Residual(new Linear(4, 3)).forward(x)).hasMessageContaining("a residual needs them equal");
        Module m = res.eval();
        assertThat(m.isTraining()).isFalse();
        assertThat(inner.isTraining()).isFalse();
    }

    @Test
    void replaceWeightSwapsByDottedNameAndChecksShapeAndDtype() {
        Linear inner = new Linear(4, 4, true, new Rng(14));
        Residual res = new Residual(inner);
        Tensor x = Tensor.randn(new Rng(15), 2, 4);
        Tensor w = Tensor.randn(new Rng(16), 4, 4);
        Tensor old = res.replaceWeight("fn.weight", w);
        assertThat(old.shape()).containsExactly(4, 4);
        assertThat(inner.weight().toFloatArray()).containsExactly(w.toFloatArray());
        assertThat(res.forward(x).toFloatArray()).containsExactly(x.add(Linear.apply(x, w, inner.bias())).toFloatArray());
        assertThatThrownBy(() -> res.replaceWeight("fn.weight", Tensor.zeros(4, 3)))
                .hasMessageContaining("'weight'").hasMessageContaining("(4, 4)").hasMessageContaining("(4, 3)");
        assertThatThrownBy(() -> res.replaceWeight("fn.scale", w)).hasMessageContaining("no parameter or buffer 'scale'");
        assertThatThrownBy(() -> res.replaceWeight("other.weight", w)).hasMessageContaining("no parameter or buffer 'other.weight'");
    }

    @Test
    void flattenAndGlobalPoolKeepTheBatchDim() {
        Tensor x = Tensor.randn(new Rng(14), 2, 3, 4, 5);
        assertThat(new Flatten().forward(x).shape()).containsExactly(2, 60);
        assertThat(new Flatten(0, 1).forward(x).shape()).containsExactly(6, 4, 5);
        assertThatThrownBy(() -> new Flatten(3, 1).forward(x)).hasMessageContaining("out of range");
        Tensor g = new GlobalAvgPool2d().forward(x);
        assertThat(g.shape()).containsExactly(2, 3);
        assertThat(g.get(1, 2)).isCloseTo(x.select(0, 1).select(0, 2).mean().item(), within(1e-6f));
        assertThat(new GlobalAvgPool2d(true).forward(x).shape()).containsExactly(2, 3, 1, 1);
    }

    @Test
    void integerInputsToFloatLayersAreRejected() {
        assertThatThrownBy(() -> new Linear(2, 2).forward(Tensor.ofInts(new int[] {1, 2}, 1, 2)))
                .hasMessage("Linear(2 → 2): expected a float input, got I32 of shape (1, 2)");
    }
}
