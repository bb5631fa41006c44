package dev.moxing.nn.callbacks;

import dev.moxing.nn.init.Init;
import dev.moxing.nn.keras.Blobs;
import dev.moxing.nn.keras.FitOptions;
import dev.moxing.nn.keras.History;
import dev.moxing.nn.keras.Model;
import dev.moxing.nn.keras.Sequential;
import dev.moxing.nn.layers.Dense;
import dev.moxing.nn.layers.Linear;
import dev.moxing.optim.Adam;
import dev.moxing.optim.SGD;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class CallbacksTest {
    @TempDir
    Path tmp;

    private static Sequential compiled(double lr) {
        Init.manualSeed(3);
        Sequential model = Sequential.of(new Dense(8, "relu"), new Dense(3, "softmax"));
        model.compile(new Adam(lr), "sparse_categorical_crossentropy", "accuracy");
        return model;
    }

    /** Drives a callback through epochs with the given monitored values, as fit would. */
    private static int drive(Callback c, Model model, String key, double... values) {
        c.setModel(model);
        c.onTrainBegin(new HashMap<>());
        int epochs = 0;
        for (int e = 0; e < values.length; e++) {
            c.onEpochBegin(e, new HashMap<>());
            Map<String, Double> logs = new HashMap<>(Map.of(key, values[e]));
            c.onEpochEnd(e, logs);
            epochs++;
            if (model.stopRequested() != null) break;
        }
        c.onTrainEnd(new HashMap<>());
        return epochs;
    }

    @Test
    void earlyStoppingWaitsPatienceEpochs() {
        // best 0.9 at epoch 1; epochs 2 and 3 do not improve → with patience 2 it stops after epoch 3
        Sequential model = compiled(0.01);
        EarlyStopping es = new EarlyStopping("val_loss", 2, 0, false);
        assertThat(drive(es, model, "val_loss", 1.0, 0.9, 0.95, 0.96, 0.5)).isEqualTo(4);
        assertThat(es.stoppedEpoch()).isEqualTo(3);
        assertThat(es.bestEpoch()).isEqualTo(1);
        // minDelta: 0.9 → 0.85 is not an improvement by more than 0.1; accuracy is maximised
        Sequential other = compiled(0.01);
        EarlyStopping acc = new EarlyStopping("val_accuracy", 1, 0.1, false);
        assertThat(drive(acc, other, "val_accuracy", 0.5, 0.55, 0.9)).isEqualTo(2);
    }

    @Test
    void earlyStoppingStopsFitAndRestoresTheBestWeights() {
        Blobs data = Blobs.of(20, 1);
        Sequential model = compiled(0.05);
        List<float[]> weightsPerEpoch = new ArrayList<>();
        Callback recorder = new Callback() {
            @Override
            public void onEpochEnd(int epoch, Map<String, Double> logs) {
                weightsPerEpoch.add(model.layerList().getFirst().parameters().getFirst().toFloatArray());
            }
        };
        // an impossible min delta: epoch 0 is the best, epoch 1 exhausts patience 1
        EarlyStopping es = new EarlyStopping("loss", 1, 100, true);
        History h = model.fit(data.x(), data.y(), FitOptions.defaults().epochs(10).batchSize(10).verbose(0).callbacks(recorder, es));
        assertThat(h.epochCount()).isEqualTo(2);
        assertThat(h.stopReason()).contains("early stopping");
        assertThat(weightsPerEpoch.get(1)).isNotEqualTo(weightsPerEpoch.get(0));
        assertThat(model.layerList().getFirst().parameters().getFirst().toFloatArray()).isEqualTo(weightsPerEpoch.get(0));
    }

    @Test
    void checkpointBestOnlyWritesOnImprovement() throws Exception {
        Sequential model = compiled(0.01);
        model.build(2);
        ModelCheckpoint ck = new ModelCheckpoint(tmp.resolve("ckpt-{epoch:02d}-{val_loss:.2f}").toString(), "val_loss", true);
        drive(ck, model, "val_loss", 0.5, 0.4, 0.6, 0.3);
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("ckpt-01-0.50", "ckpt-02-0.40", "ckpt-04-0.30");
        }
        assertThat(Files.exists(tmp.resolve("ckpt-04-0.30/model.safetensors"))).isTrue();
        assertThat(ck.best()).isEqualTo(0.3);
        assertThat(Model.load(ck.lastSaved()).parameterCount()).isEqualTo(model.parameterCount());
    }

    @Test
    void checkpointInFitKeepsTheBestModel() throws Exception {
        Blobs data = Blobs.of(20, 2), val = Blobs.of(10, 3);
        Sequential model = compiled(0.05);
        Path best = tmp.resolve("best");
        ModelCheckpoint ck = new ModelCheckpoint(best, "val_accuracy", true);
        History h = model.fit(data.x(), data.y(), FitOptions.defaults().epochs(4).batchSize(10).verbose(0)
                .validationData(val.x(), val.y()).callbacks(ck));
        double bestAcc = h.get("val_accuracy").stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        assertThat(ck.best()).isEqualTo(bestAcc);
        Model loaded = Model.load(best);
        assertThat(loaded.evaluate(val.x(), val.y(), 10).get("accuracy")).isEqualTo(bestAcc);
    }

    @Test
    void csvLoggerWritesOneRowPerEpoch() throws Exception {
        Blobs data = Blobs.of(20, 4);
        Sequential model = compiled(0.01);
        Path csv = tmp.resolve("logs/train.csv");
        History h = model.fit(data.x(), data.y(), FitOptions.defaults().epochs(3).batchSize(16).validationSplit(0.25).verbose(0)
                .callbacks(new CSVLogger(csv)));
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines).hasSize(4);
        assertThat(lines.getFirst()).isEqualTo("epoch,accuracy,loss,val_accuracy,val_loss");
        for (int e = 0; e < 3; e++) {
            String[] cells = lines.get(e + 1).split(",");
            assertThat(cells[0]).isEqualTo(Integer.toString(e));
            assertThat(Double.parseDouble(cells[2])).isEqualTo(h.epoch(e).get("loss"));
            assertThat(Double.parseDouble(cells[4])).isEqualTo(h.epoch(e).get("val_loss"));
        }
        // append continues under the same header
        model.fit(data.x(), data.y(), FitOptions.defaults().epochs(1).batchSize(16).validationSplit(0.25).verbose(0)
                .callbacks(new CSVLogger(csv, ",", true)));
        assertThat(Files.readAllLines(csv)).hasSize(5);
    }

    @Test
    void trainingCurveIsAPng() throws Exception {
        Blobs data = Blobs.of(20, 5);
        Sequential model = compiled(0.01);
        Path png = tmp.resolve("curves.png");
        model.fit(data.x(), data.y(), FitOptions.defaults().epochs(3).batchSize(16).validationSplit(0.25).verbose(0)
                .callbacks(new TrainingCurvePlot(png)));
        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes).startsWith(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1280); // loss chart and metrics chart side by side
        assertThat(image.getHeight()).isEqualTo(440);
        // not blank: the curves put more than one colour on it
        assertThat(distinctColours(image)).isGreaterThan(5);
        try (var files = Files.list(tmp)) {
            assertThat(files).hasSize(1); // no temporaries left behind
        }
    }

    private static long distinctColours(BufferedImage image) {
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 3) for (int x = 0; x < image.getWidth(); x += 3) seen.add(image.getRGB(x, y));
        return seen.size();
    }

    @Test
    void learningRateSchedulerSetsTheRateEachEpoch() {
        Blobs data = Blobs.of(10, 6);
        Sequential model = compiled(0.01);
        History h = model.fit(data.x(), data.y(), FitOptions.defaults().epochs(3).batchSize(30).verbose(0)
                .callbacks(new LearningRateScheduler((epoch, lr) -> epoch == 0 ? lr : lr / 2)));
        assertThat(h.get("learning_rate")).containsExactly(0.01, 0.005, 0.0025);
        assertThat(model.optimizer().learningRate()).isEqualTo(0.0025);
        History h2 = model.fit(data.x(), data.y(), FitOptions.defaults().epochs(2).batchSize(30).verbose(0)
                .callbacks(LearningRateScheduler.of(e -> 0.1 * (e + 1))));
        assertThat(h2.get("learning_rate").get(1)).isCloseTo(0.2, within(1e-12));
    }

    @Test
    void reduceLrOnPlateau() {
        Sequential model = compiled(0.01);
        model.compile(new SGD(1.0), "mse");
        // patience 2: epochs 1 and 2 do not improve on 1.0 → cut to 0.5; cooldown 1 skips epoch 3;
        // epochs 4 and 5 bad again → 0.25; min lr 0.3 stops it at 0.3 instead
        ReduceLROnPlateau r = new ReduceLROnPlateau("val_loss", 0.5, 2, 0, 1, 0.3);
        drive(r, model, "val_loss", 1.0, 1.0, 1.1, 1.2, 1.3, 1.4);
        assertThat(model.optimizer().learningRate()).isEqualTo(0.3);
        Sequential m2 = compiled(0.01);
        m2.compile(new SGD(1.0), "mse");
        drive(new ReduceLROnPlateau("val_loss", 0.5, 2, 0, 0, 0), m2, "val_loss", 1.0, 0.9, 0.8, 0.7);
        assertThat(m2.optimizer().learningRate()).isEqualTo(1.0);
    }

    @Test
    void terminateOnNaN() {
        Sequential model = compiled(0.01);
        TerminateOnNaN t = new TerminateOnNaN();
        t.setModel(model);
        t.onBatchEnd(0, Map.of("loss", 1.0));
        assertThat(model.stopRequested()).isNull();
        t.onBatchEnd(1, Map.of("loss", Double.POSITIVE_INFINITY));
        assertThat(model.stopRequested()).contains("Infinity");
    }

    @Test
    void callbacksSeeEveryHookInOrder() {
        Blobs data = Blobs.of(4, 7); // 12 rows, batch 5: 3 batches
        Sequential model = Sequential.of(new Linear(2, 3));
        model.compile(new SGD(0.1), "sparse_categorical_crossentropy");
        List<String> events = new ArrayList<>();
        Callback spy = new Callback() {
            public void onTrainBegin(Map<String, Double> l) { events.add("train"); }
            public void onEpochBegin(int e, Map<String, Double> l) { events.add("e" + e); }
            public void onBatchBegin(int b, Map<String, Double> l) { events.add("b" + b); }
            public void onBatchEnd(int b, Map<String, Double> l) { events.add("/b" + b + (l.containsKey("loss") ? "" : "?")); }
            public void onEpochEnd(int e, Map<String, Double> l) { events.add("/e" + e); }
            public void onTrainEnd(Map<String, Double> l) { events.add("/train"); }
        };
        model.fit(data.x(), data.y(), FitOptions.defaults().epochs(2).batchSize(5).verbose(0).callbacks(spy));
        assertThat(String.join(" ", events)).isEqualTo(
                "train e0 b0 /b0 b1 /b1 b2 /b2 /e0 e1 b0 /b0 b1 /b1 b2 /b2 /e1 /train");
    }

    @Test
    void pathTemplates() {
        assertThat(PathTemplate.format("m-{epoch}", 0, Map.of())).isEqualTo("m-1");
        assertThat(PathTemplate.format("m-{epoch:03d}-{val_loss:.3f}-{acc}", 9, Map.of("val_loss", 0.12345, "acc", 0.5)))
                .isEqualTo("m-010-0.123-0.5");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PathTemplate.format("{nope}", 0, Map.of("loss", 1.0)))
                .hasMessageContaining("'nope'");
    }

}
