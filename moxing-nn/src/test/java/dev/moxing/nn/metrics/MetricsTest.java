package dev.moxing.nn.metrics;

import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Every expected value below is worked out by hand in the comment next to it. */
class MetricsTest {

    // Four rows, three classes. argmax per row: 1, 0, 2, 2.
    static final Tensor SCORES = Tensor.of(new float[] {
            0.1f, 0.7f, 0.2f,
            0.5f, 0.3f, 0.2f,
            0.2f, 0.3f, 0.5f,
            0.3f, 0.3f, 0.4f}, 4, 3);
    static final Tensor LABELS = Tensor.ofInts(new int[] {1, 2, 2, 0}, 4);

    @Test
    void sparseCategoricalAccuracy() {
        // predicted 1,0,2,2 vs true 1,2,2,0 → rows 0 and 2 right: 2/4
        Metric m = CategoricalAccuracy.sparse();
        m.accumulate(SCORES, LABELS);
        assertThat(m.result()).isEqualTo(0.5);
        assertThat(m.name()).isEqualTo("sparse_categorical_accuracy");
    }

    @Test
    void categoricalAccuracyWithOneHotAndAcrossBatches() {
        Metric m = new CategoricalAccuracy();
        m.accumulate(SCORES, Tensor.oneHot(LABELS, 3));
        // second batch: one row, predicted 1 (0.9), true 1 → 3/5 overall, not the mean of 0.5 and 1
        m.accumulate(Tensor.of(new float[] {0.05f, 0.9f, 0.05f}, 1, 3), Tensor.of(new float[] {0, 1, 0}, 1, 3));
        assertThat(m.result()).isEqualTo(0.6);
        m.reset();
        assertThat(m.result()).isZero();
    }

    @Test
    void binaryAccuracyIsElementwise() {
        // p > 0.5: 1,0,1,0 ; t: 1,0,0,0 → 3 of 4
        Metric m = new BinaryAccuracy();
        m.accumulate(Tensor.of(new float[] {0.9f, 0.2f, 0.6f, 0.5f}, 4, 1), Tensor.of(new float[] {1, 0, 0, 0}, 4));
        assertThat(m.result()).isEqualTo(0.75);
    }

    @Test
    void topKAccuracy() {
        // k=2. Row 0 true 1 (0.7, top) ✓; row 1 true 2 (0.2, below 0.5 and 0.3) ✗;
        // row 2 true 2 (top) ✓; row 3 true 0 (0.3 ties with 0.3 below 0.4: one higher) ✓ → 3/4
        Metric m = new TopKCategoricalAccuracy(2);
        m.accumulate(SCORES, LABELS);
        assertThat(m.result()).isEqualTo(0.75);
        Metric k1 = new TopKCategoricalAccuracy(1);
        k1.accumulate(SCORES, LABELS);
        // k=1 is plain accuracy except for ties: row 3 has none at the top → 2/4
        assertThat(k1.result()).isEqualTo(0.5);
    }

    @Test
    void confusionMatrix() {
        ConfusionMatrix cm = new ConfusionMatrix();
        cm.accumulate(SCORES, LABELS);
        // (true, predicted): (1,1) (2,0) (2,2) (0,2)
        assertThat(cm.matrix()).isDeepEqualTo(new long[][] {{0, 0, 1}, {0, 1, 0}, {1, 0, 1}});
        assertThat(cm.total()).isEqualTo(4);
        assertThat(cm.accuracy()).isEqualTo(0.5);
        assertThat(cm.truePositives(2)).isEqualTo(1);
        assertThat(cm.falsePositives(2)).isEqualTo(1);
        assertThat(cm.falseNegatives(2)).isEqualTo(1);
        assertThat(cm.toString()).contains("true\\pred").contains("\n        2   1   0   1");
    }

    @Test
    void binaryPrecisionRecallF1() {
        // p > 0.5 → 1,1,0,1,0,0 ; t → 1,0,1,1,0,0 : TP = 2 (rows 0,3), FP = 1 (row 1), FN = 1 (row 2)
        Tensor p = Tensor.of(new float[] {0.8f, 0.7f, 0.4f, 0.9f, 0.1f, 0.3f}, 6, 1);
        Tensor t = Tensor.of(new float[] {1, 0, 1, 1, 0, 0}, 6, 1);
        assertThat(result(new Precision(), p, t)).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(result(new Recall(), p, t)).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(result(new F1Score(), p, t)).isCloseTo(2 / 3.0, within(1e-12));
        // threshold 0.75: predicted 1,0,0,1,0,0 → TP 2, FP 0, FN 1: P = 1, R = 2/3, F1 = 4/5
        assertThat(result(new Precision(0.75, -1), p, t)).isEqualTo(1.0);
        assertThat(result(new Recall(0.75, -1), p, t)).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(result(new F1Score(0.75, -1), p, t)).isCloseTo(0.8, within(1e-12));
    }

    @Test
    void multiClassMacroAverages() {
        // From the confusion matrix above: per class (tp, fp, fn):
        // 0: (0, 1, 1) P 0, R 0, F1 0 ; 1: (1, 0, 0) P 1, R 1, F1 1 ; 2: (1, 1, 1) P 1/2, R 1/2, F1 1/2
        assertThat(result(new Precision(), SCORES, LABELS)).isCloseTo(0.5, within(1e-12));
        assertThat(result(new Recall(), SCORES, LABELS)).isCloseTo(0.5, within(1e-12));
        assertThat(result(new F1Score(), SCORES, LABELS)).isCloseTo(0.5, within(1e-12));
        assertThat(result(new Precision(0.5, 2), SCORES, LABELS)).isEqualTo(0.5);
        assertThat(result(new Recall(0.5, 1), SCORES, LABELS)).isEqualTo(1.0);
    }

    @Test
    void exactAucIsTheShareOfCorrectlyOrderedPairs() {
        // positives 0.8, 0.4, 0.35 ; negatives 0.1, 0.4, 0.9.
        // Pairs (pos > neg): 0.8 beats 0.1, 0.4 → 2 ; 0.4 beats 0.1, ties 0.4 (½) → 1.5 ; 0.35 beats 0.1 → 1
        // = 4.5 of 9 pairs → 0.5
        Tensor p = Tensor.of(new float[] {0.8f, 0.4f, 0.35f, 0.1f, 0.4f, 0.9f}, 6);
        Tensor t = Tensor.of(new float[] {1, 1, 1, 0, 0, 0}, 6);
        assertThat(result(Auc.exact(), p, t)).isCloseTo(0.5, within(1e-12));
        // perfectly separated → 1; reversed → 0
        assertThat(result(Auc.exact(), Tensor.of(new float[] {0.9f, 0.8f, 0.2f}, 3), Tensor.of(new float[] {1, 1, 0}, 3))).isEqualTo(1.0);
        assertThat(result(Auc.exact(), Tensor.of(new float[] {0.1f, 0.2f, 0.8f}, 3), Tensor.of(new float[] {1, 1, 0}, 3))).isEqualTo(0.0);
    }

    @Test
    void thresholdAucMatchesExactWhenScoresSitOnTheGrid() {
        // 5 thresholds −ε, ¼, ½, ¾, 1+ε cut [0, 1] into buckets (−ε, ¼], (¼, ½], (½, ¾], (¾, 1+ε]. When
        // different scores fall in different buckets (equal ones in the same), the thresholded ROC
        // has every corner of the exact one, and a tied pair is split ½ by the trapezoid as by the
        // rank statistic. Positives 0.9, 0.4, 0.4; negatives 0.1, 0.4, 0.6: 0.9 beats all 3, each 0.4
        // beats 0.1 and ties 0.4 (1.5) → 6 of 9 pairs.
        Tensor p = Tensor.of(new float[] {0.9f, 0.4f, 0.4f, 0.1f, 0.4f, 0.6f}, 6);
        Tensor t = Tensor.of(new float[] {1, 1, 1, 0, 0, 0}, 6);
        assertThat(result(Auc.exact(), p, t)).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(result(new Auc(5), p, t)).isCloseTo(2 / 3.0, within(1e-12));
        // 200 thresholds: these scores all land in different buckets, so again the exact area
        Tensor q = Tensor.of(new float[] {0.81f, 0.43f, 0.37f, 0.12f, 0.41f, 0.93f, 0.66f, 0.05f}, 8);
        Tensor u = Tensor.of(new float[] {1, 1, 1, 0, 0, 0, 1, 0}, 8);
        assertThat(result(new Auc(), q, u)).isCloseTo(result(Auc.exact(), q, u), within(1e-9));
    }

    @Test
    void regressionErrors() {
        // errors 1, -2, 0.5 → MSE (1 + 4 + 0.25)/3 = 1.75, MAE (1 + 2 + 0.5)/3 = 7/6
        Tensor p = Tensor.of(new float[] {2, 0, 1.5f}, 3, 1), t = Tensor.of(new float[] {1, 2, 1}, 3);
        assertThat(result(new MeanSquaredError(), p, t)).isCloseTo(1.75, within(1e-12));
        assertThat(result(new MeanAbsoluteError(), p, t)).isCloseTo(7 / 6.0, within(1e-12));
    }

    @Test
    void accuracyByNameFollowsTheLoss() {
        assertThat(Metrics.byName("accuracy", "sparse_categorical_crossentropy")).isInstanceOf(CategoricalAccuracy.class);
        assertThat(Metrics.byName("acc", "binary_crossentropy")).isInstanceOf(BinaryAccuracy.class);
        assertThat(Metrics.byName("accuracy", "categorical_crossentropy").name()).isEqualTo("accuracy");
        // unknown loss: chosen from the output shape
        Metric auto = Metrics.byName("accuracy", "mean_squared_error");
        auto.accumulate(Tensor.of(new float[] {0.9f, 0.1f}, 2, 1), Tensor.of(new float[] {1, 1}, 2, 1));
        assertThat(auto.result()).isEqualTo(0.5);
        Metric auto2 = Metrics.byName("accuracy");
        auto2.accumulate(SCORES, LABELS);
        assertThat(auto2.result()).isEqualTo(0.5);
        assertThat(Metrics.byName("mse")).isInstanceOf(MeanSquaredError.class);
        assertThatThrownBy(() -> Metrics.byName("accuracyy")).hasMessageContaining("unknown metric 'accuracyy'");
    }

    @Test
    void labelsOutOfRangeAreNamed() {
        Metric m = CategoricalAccuracy.sparse();
        assertThatThrownBy(() -> m.accumulate(SCORES, Tensor.ofInts(new int[] {1, 2, 3, 0}, 4)))
                .hasMessageContaining("label 3 at row 2 is out of range")
                .hasMessageContaining("3 classes");
        assertThatThrownBy(() -> m.accumulate(SCORES, Tensor.of(new float[] {1, 2, 0.5f, 0}, 4)))
                .hasMessageContaining("label 0.5 at row 2");
        assertThatThrownBy(() -> m.accumulate(SCORES, Tensor.ofInts(new int[] {1, 2}, 2)))
                .hasMessageContaining("do not match predictions");
    }

    private static double result(Metric m, Tensor p, Tensor t) {
        m.accumulate(p, t);
        return m.result();
    }
}
