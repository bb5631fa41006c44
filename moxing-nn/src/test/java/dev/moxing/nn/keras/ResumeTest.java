package dev.moxing.nn.keras;

import dev.moxing.nn.callbacks.Callback;
import dev.moxing.nn.callbacks.LearningRateScheduler;
import dev.moxing.nn.layers.Dense;
import dev.moxing.optim.Adam;
import dev.moxing.optim.AdamW;
import dev.moxing.optim.Optimizer;
import dev.moxing.optim.SGD;
import dev.moxing.optim.schedule.WarmupCosine;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Saving carries the optimizer: N epochs straight equal k epochs, save, load, and fit with
 * initialEpoch k to N, bit for bit, for momentum SGD, Adam with a warm-up + cosine schedule and
 * AdamW. Shuffling is on, so the per-epoch order must resume too.
 */
class ResumeTest {
    private static final Blobs DATA = Blobs.of(40, 3);   // 120 rows: 4 batches of 32 (the last one 24)
    private static final int EPOCHS = 5, SPLIT = 2;

    private static Sequential model() {
        Rng rng = new Rng(11);
        return Sequential.of(new Dense(16, "relu", 2, rng), new Dense(3, "softmax", 16, rng));
    }

    private static FitOptions options() {
        return FitOptions.defaults().batchSize(32).seed(5).verbose(0);
    }

    private static Map<String, float[]> weights(Model m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.weightsForFile().forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    /** Trains straight and with a save/load in between; returns both final weights. */
    private static List<Map<String, float[]>> straightAndResumed(Supplier<Optimizer> optimizer, Path dir) throws Exception {
        Sequential straight = model();
        straight.compile(optimizer.get(), "sparse_categorical_crossentropy", "accuracy");
        straight.fit(DATA.x(), DATA.y(), options().epochs(EPOCHS));

        Sequential first = model();
        first.compile(optimizer.get(), "sparse_categorical_crossentropy", "accuracy");
        first.fit(DATA.x(), DATA.y(), options().epochs(SPLIT));
        first.save(dir);
        Model resumed = Model.load(dir);
        assertThat(resumed.epochsTrained()).isEqualTo(SPLIT);
        resumed.fit(DATA.x(), DATA.y(), options().epochs(EPOCHS).initialEpoch(resumed.epochsTrained()));
        assertThat(resumed.optimizer().steps()).isEqualTo(straight.optimizer().steps());
        return List.of(weights(straight), weights(resumed));
    }

    private static void assertBitIdentical(List<Map<String, float[]>> w) {
        assertThat(w.get(1).keySet()).containsExactlyElementsOf(w.get(0).keySet());
        w.get(0).forEach((k, v) -> assertThat(w.get(1).get(k)).as(k).containsExactly(v));
    }

    @Test
    void sgdWithMomentumResumesBitForBit(@TempDir Path tmp) throws Exception {
        assertBitIdentical(straightAndResumed(() -> new SGD(0.05, 0.9, 0, true, 1e-4), tmp.resolve("m")));
        assertThat(Files.exists(tmp.resolve("m").resolve(ModelFiles.OPTIMIZER))).isTrue();
    }

    @Test
    void adamWithWarmupCosineScheduleResumesBitForBit(@TempDir Path tmp) throws Exception {
        // 4 steps per epoch, 20 in all: the resumed run must pick the schedule up at step 8.
        assertBitIdentical(straightAndResumed(() -> new Adam(0.01).schedule(new WarmupCosine(3, 20, 1e-4)), tmp.resolve("m")));
        Model loaded = Model.load(tmp.resolve("m"));
        assertThat(loaded.optimizer().schedule()).isEqualTo(new WarmupCosine(3, 20, 1e-4));
        assertThat(loaded.optimizer().baseLearningRate()).isEqualTo(0.01);
    }

    @Test
    void adamWWithAmsgradResumesBitForBit(@TempDir Path tmp) throws Exception {
        assertBitIdentical(straightAndResumed(() -> new AdamW(0.01, 0.8, 0.99, 1e-7, 0.05, true), tmp.resolve("m")));
    }

    @Test
    void withoutTheOptimizerStateTheResumeWouldDiffer(@TempDir Path tmp) throws Exception {
        // Guards the test above against passing trivially: a fresh Adam from the same weights diverges.
        var w = straightAndResumed(() -> new Adam(0.01), tmp.resolve("m"));
        Model fresh = Model.load(tmp.resolve("m"));
        fresh.compile(new Adam(0.01), "sparse_categorical_crossentropy", "accuracy");
        fresh.fit(DATA.x(), DATA.y(), options().epochs(EPOCHS).initialEpoch(SPLIT));
        assertThat(w.get(0)).containsKey("0.weight");
        assertThat(weights(fresh).get("0.weight")).isNotEqualTo(w.get(0).get("0.weight"));
    }

    @Test
    void callbacksAndEpochSchedulesSeeTheRealEpochNumbers() {
        Sequential m = model();
        m.compile(new SGD(0.1), "sparse_categorical_crossentropy");
        List<Integer> seen = new ArrayList<>();
        Callback record = new Callback() {
            @Override
            public void onEpochBegin(int epoch, Map<String, Double> logs) {
                seen.add(epoch);
            }
        };
        History h = m.fit(DATA.x(), DATA.y(), options().epochs(5).initialEpoch(3)
                .callbacks(record, LearningRateScheduler.of(epoch -> 0.1 / (epoch + 1))));
        assertThat(seen).containsExactly(3, 4);
        assertThat(h.epochs()).hasSize(2);
        assertThat(m.optimizer().learningRate()).isEqualTo(0.1 / 5);
        assertThat(m.epochsTrained()).isEqualTo(5);
    }

    @Test
    void initialEpochMustBeBelowEpochs() {
        Sequential m = model();
        m.compile(new SGD(0.1), "sparse_categorical_crossentropy");
        assertThatThrownBy(() -> m.fit(DATA.x(), DATA.y(), options().epochs(3).initialEpoch(3)))
                .hasMessageContaining("initialEpoch 3 must be below epochs 3");
        assertThatThrownBy(() -> options().initialEpoch(-1)).hasMessageContaining("initialEpoch must be ≥ 0");
    }

    @Test
    void aTruncatedOptimizerFileIsNamed(@TempDir Path tmp) throws Exception {
        Sequential m = model();
        m.compile(new Adam(0.01), "sparse_categorical_crossentropy");
        m.fit(DATA.x(), DATA.y(), options().epochs(1));
        Path dir = tmp.resolve("m");
        m.save(dir);
        Path file = dir.resolve(ModelFiles.OPTIMIZER);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 7));
        assertThatThrownBy(() -> Model.load(dir)).hasMessageContaining(ModelFiles.OPTIMIZER);
        Files.delete(file);
        assertThatThrownBy(() -> Model.load(dir)).hasMessageContaining(ModelFiles.OPTIMIZER)
                .hasMessageContaining("moments are missing");
    }

    @Test
    void aModelThatNeverTrainedSavesNoOptimizerState(@TempDir Path tmp) throws Exception {
        Sequential m = model();
        m.compile(new Adam(0.01), "sparse_categorical_crossentropy").build(2);
        m.save(tmp.resolve("m"));
        assertThat(Files.exists(tmp.resolve("m").resolve(ModelFiles.OPTIMIZER))).isFalse();
        Model loaded = Model.load(tmp.resolve("m"));
        assertThat(loaded.optimizer().steps()).isZero();
        assertThat(loaded.epochsTrained()).isZero();
        assertThat(loaded.predict(Tensor.zeros(1, 2), 1).toFloatArray()).containsExactly(m.predict(Tensor.zeros(1, 2), 1).toFloatArray());
    }
}
