package dev.moxing.nn.keras;

import dev.moxing.data.DataLoader;
import dev.moxing.data.Dataset;
import dev.moxing.nn.init.Init;
import dev.moxing.nn.layers.Dense;
import dev.moxing.nn.metrics.CategoricalAccuracy;
import dev.moxing.nn.metrics.Metrics;
import dev.moxing.nn.loss.Losses;
import dev.moxing.optim.Adam;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ModelFitTest {

    static Sequential mlp(long seed) {
        Init.manualSeed(seed);
        return Sequential.of(new Dense(16, "relu"), new Dense(3, "softmax"));
    }

    @Test
    void blobsTrainToHighAccuracy() {
        Blobs train = Blobs.of(100, 1), test = Blobs.of(50, 2);
        Sequential model = mlp(0);
        model.compile(new Adam(0.02), "sparse_categorical_crossentropy", "accuracy");
        History h = model.fit(train.x(), train.y(), FitOptions.defaults().epochs(15).batchSize(32).validationSplit(0.2).verbose(0));

        assertThat(h.epochCount()).isEqualTo(15);
        assertThat(h.epoch(0).keySet()).containsExactly("loss", "accuracy", "val_loss", "val_accuracy");
        assertThat(h.get("loss").getLast()).isLessThan(h.get("loss").getFirst());
        assertThat(h.last().get("accuracy")).isGreaterThan(0.95);
        assertThat(h.last().get("val_accuracy")).isGreaterThan(0.95);
        assertThat(h.history()).containsOnlyKeys("loss", "accuracy", "val_loss", "val_accuracy");
        assertThat(h.stopReason()).isNull();

        Map<String, Double> eval = model.evaluate(test.x(), test.y(), 64);
        assertThat(eval.keySet()).containsExactly("loss", "accuracy");
        assertThat(eval.get("accuracy")).isGreaterThan(0.95);

        Tensor p = model.predict(test.x(), 32);
        assertThat(p.shape()).containsExactly(150, 3);
        for (int i = 0; i < 150; i++) assertThat(p.get(i, 0) + p.get(i, 1) + p.get(i, 2)).isCloseTo(1f, within(1e-5f));
        // predict agrees with evaluate's accuracy
        CategoricalAccuracy acc = CategoricalAccuracy.sparse();
        acc.accumulate(p, test.y());
        assertThat(acc.result()).isEqualTo(eval.get("accuracy"));
        assertThat(model.isTraining()).isTrue();
    }

    @Test
    void sameSeedSameHistoryBitForBit() {
        Blobs data = Blobs.of(40, 3);
        List<Double> first = null;
        for (int run = 0; run < 2; run++) {
            Sequential model = mlp(7);
            model.compile(new Adam(0.01), Losses.byName("sparse_categorical_crossentropy"), Metrics.byName("accuracy"));
            History h = model.fit(data.x(), data.y(), FitOptions.defaults().epochs(3).batchSize(16).seed(5).verbose(0));
            if (first == null) first = h.get("loss");
            else assertThat(h.get("loss")).isEqualTo(first);
        }
    }

    @Test
    void validationDataAndNoShuffle() {
        Blobs train = Blobs.of(30, 4), val = Blobs.of(10, 5);
        Sequential model = mlp(1);
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        History h = model.fit(train.x(), train.y(),
                FitOptions.defaults().epochs(2).batchSize(8).shuffle(false).validationData(val.x(), val.y()).verbose(0));
        Map<String, Double> eval = model.evaluate(val.x(), val.y(), 8);
        assertThat(h.last().get("val_loss")).isEqualTo(eval.get("loss"));
        assertThat(h.last().get("val_accuracy")).isEqualTo(eval.get("accuracy"));
    }

    @Test
    void fitOnADataLoader() {
        Blobs train = Blobs.of(60, 10), val = Blobs.of(20, 11);
        Sequential model = mlp(5);
        model.compile(new Adam(0.02), "sparse_categorical_crossentropy", "accuracy");
        DataLoader loader = DataLoader.builder(Dataset.of(train.x(), train.y())).batchSize(16).shuffle(3).dropLast(true).build();
        int[] batches = {0};
        History h = model.fit(loader, FitOptions.defaults().epochs(8).verbose(0).validationData(val.x(), val.y())
                .callbacks(new dev.moxing.nn.callbacks.Callback() {
                    @Override
                    public void onBatchEnd(int batch, Map<String, Double> logs) {
                        batches[0]++;
                    }
                }));
        assertThat(batches[0]).isEqualTo(8 * 11); // 180 rows / 16, last partial batch dropped
        assertThat(h.last().get("val_accuracy")).isGreaterThan(0.9);
        assertThatThrownBy(() -> model.fit(loader, FitOptions.defaults().validationSplit(0.1)))
                .hasMessageContaining("validationSplit");
    }

    @Test
    void classWeightsOfOneChangeNothingAndOthersChangeTheLoss() {
        Blobs data = Blobs.of(20, 6);
        double plain = firstLoss(data, Map.of());
        double ones = firstLoss(data, Map.of(0, 1.0, 1, 1.0, 2, 1.0));
        double heavy = firstLoss(data, Map.of(0, 5.0));
        assertThat(ones).isCloseTo(plain, within(1e-6));
        assertThat(heavy).isGreaterThan(plain * 1.5);
    }

    private static double firstLoss(Blobs data, Map<Integer, Double> weights) {
        Sequential model = mlp(2);
        model.compile(new Adam(1e-6), "sparse_categorical_crossentropy");
        return model.fit(data.x(), data.y(), FitOptions.defaults().batchSize(60).shuffle(false).classWeight(weights).verbose(0))
                .last().get("loss");
    }

    @Test
    void gradientClippingTrainsToo() {
        Blobs data = Blobs.of(50, 8);
        Sequential model = mlp(3);
        model.compile(new Adam(0.02), "sparse_categorical_crossentropy", "accuracy");
        History h = model.fit(data.x(), data.y(), FitOptions.defaults().epochs(10).batchSize(16).clipNorm(0.5).clipValue(0.1).verbose(0));
        assertThat(h.last().get("accuracy")).isGreaterThan(0.9);
    }

    @Test
    void verboseTwoPrintsOneLinePerEpoch() {
        Blobs data = Blobs.of(20, 9);
        Sequential model = mlp(4);
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        String out = captured(() -> model.fit(data.x(), data.y(), FitOptions.defaults().epochs(2).batchSize(20).verbose(2)));
        String[] lines = out.split("\n");
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).isEqualTo("Epoch 1/2");
        assertThat(lines[1]).matches("3/3 - \\d+s - \\d+[mu]?s/step - accuracy: \\d\\.\\d{4} - loss: \\d\\.\\d{4}");
        assertThat(lines[2]).isEqualTo("Epoch 2/2");
    }

    @Test
    void verboseOneOffTerminalPrintsThePlainBarOncePerEpoch() {
        Blobs data = Blobs.of(20, 9);
        Sequential model = mlp(4);
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        String out = captured(() -> model.fit(data.x(), data.y(),
                FitOptions.defaults().epochs(1).batchSize(20).validationSplit(0.5).verbose(1)));
        String[] lines = out.split("\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[1]).matches("2/2 ━{20} \\d+s \\d+[mu]?s/step - accuracy: \\d\\.\\d{4} - loss: \\d\\.\\d{4}"
                + " - val_accuracy: \\d\\.\\d{4} - val_loss: \\d\\.\\d{4}");
        assertThat(out).doesNotContain("\r").doesNotContain("\u001b");
    }

    static String captured(Runnable r) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
