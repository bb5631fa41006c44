package dev.moxing.nn.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moxing.nn.Module;
import dev.moxing.nn.init.Init;
import dev.moxing.nn.layers.BatchNorm1d;
import dev.moxing.nn.layers.Dense;
import dev.moxing.nn.layers.Dropout;
import dev.moxing.nn.layers.Linear;
import dev.moxing.nn.loss.SparseCategoricalCrossEntropy;
import dev.moxing.nn.metrics.Metrics;
import dev.moxing.optim.Adam;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SaveLoadTest {
    @TempDir
    Path tmp;

    private static Sequential trained() {
        Init.manualSeed(11);
        Blobs data = Blobs.of(30, 1);
        Sequential model = Sequential.of(new Dense(8, "relu"), new BatchNorm1d(8), new Dropout(0.2), new Dense(3, "softmax"));
        model.compile(new Adam(0.01), "sparse_categorical_crossentropy", "accuracy");
        model.fit(data.x(), data.y(), FitOptions.defaults().epochs(2).batchSize(16).verbose(0));
        return model;
    }

    @Test
    void reloadedModelPredictsBitForBit() throws Exception {
        Sequential model = trained();
        Tensor x = Blobs.of(20, 2).x();
        float[] expected = model.predict(x, 7).toFloatArray();
        Path dir = tmp.resolve("model");
        model.save(dir);

        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("model.safetensors", "model.json",
                    "optimizer.safetensors");
        }
        Model loaded = Model.load(dir);
        assertThat(loaded).isInstanceOf(Sequential.class);
        assertThat(loaded.predict(x, 7).toFloatArray()).isEqualTo(expected);
        assertThat(loaded.stateDict().keySet()).isEqualTo(model.stateDict().keySet());
        // compiled as saved: same optimizer type and rate, loss, metrics
        assertThat(loaded.optimizer()).isInstanceOf(Adam.class);
        assertThat(loaded.optimizer().learningRate()).isEqualTo(0.01);
        assertThat(loaded.loss().name()).isEqualTo("sparse_categorical_crossentropy");
        assertThat(loaded.metrics()).extracting(m -> m.name()).containsExactly("accuracy");
        assertThat(loaded.inputShape()).containsExactly(2);
        // it can train on
        Blobs more = Blobs.of(10, 3);
        loaded.fit(more.x(), more.y(), FitOptions.defaults().verbose(0));
    }

    @Test
    void modelJsonDescribesTheArchitecture() throws Exception {
        Sequential model = trained();
        model.save(tmp.resolve("m"));
        JsonNode json = new ObjectMapper().readTree(tmp.resolve("m/model.json").toFile());
        assertThat(json.get("format").asText()).isEqualTo("moxing.model");
        assertThat(json.get("architecture").get("type").asText()).isEqualTo("Sequential");
        JsonNode layers = json.get("architecture").get("config").get("layers");
        assertThat(layers).hasSize(4);
        assertThat(layers.get(0).toString()).isEqualTo("{\"type\":\"Dense\",\"config\":{\"units\":8,\"activation\":\"relu\"}}");
        assertThat(layers.get(1).get("config").get("num_features").asInt()).isEqualTo(8);
        assertThat(layers.get(2).get("config").get("rate").asDouble()).isCloseTo(0.2, org.assertj.core.api.Assertions.within(1e-6));
        assertThat(json.get("input_shape").toString()).isEqualTo("[2]");
        assertThat(json.get("compile").get("optimizer").get("name").asText()).isEqualTo("adam");
    }

    @Test
    void savingAgainReplacesAtomicallyAndLeavesNoTemporaries() throws Exception {
        Sequential model = trained();
        Path dir = tmp.resolve("ckpt");
        model.save(dir);
        Tensor w = model.layerList().getFirst().parameters().getFirst();
        try (var g = Tensor.noGrad()) {
            w.fill(0.5f);
        }
        model.save(dir);
        assertThat(Model.load(dir).layers().get("0").parameters().getFirst().toFloatArray()).containsOnly(0.5f);
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("ckpt");
        }
    }

    @Test
    void refusesToReplaceADirectoryThatIsNotAModel() throws Exception {
        Path dir = tmp.resolve("home");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("notes.txt"), "precious");
        assertThatThrownBy(() -> trained().save(dir)).isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("does not hold a saved model");
        assertThat(Files.readString(dir.resolve("notes.txt"))).isEqualTo("precious");
    }

    @Test
    void fromLogitsLossSurvivesTheRoundTrip() throws Exception {
        Sequential model = Sequential.of(new Linear(2, 3));
        model.compile(new Adam(1e-3), SparseCategoricalCrossEntropy.fromLogits(), Metrics.byName("accuracy", "sparse_categorical_crossentropy"));
        model.save(tmp.resolve("logits"));
        Model loaded = Model.load(tmp.resolve("logits"));
        assertThat(((SparseCategoricalCrossEntropy) loaded.loss()).isFromLogits()).isTrue();
    }

    /** A model defined in code: its weights save and load, its architecture cannot be rebuilt from the file. */
    static final class Custom extends Model {
        final Linear a = registerModule("a", new Linear(2, 4));
        final Linear b = registerModule("b", new Linear(4, 3));

        @Override
        public Tensor forward(Tensor x) {
            return b.forward(a.forward(x).relu());
        }
    }

    @Test
    void customModelsSaveWeightsAndSayHowToLoadThem() throws Exception {
        Custom model = new Custom();
        Path dir = tmp.resolve("custom");
        model.save(dir);
        assertThatThrownBy(() -> Model.load(dir)).hasMessageContaining(Custom.class.getName())
                .hasMessageContaining("loadWeights");
        Custom other = new Custom();
        other.loadWeights(dir);
        Tensor x = Blobs.of(3, 1).x();
        assertThat(other.predict(x, 4).toFloatArray()).isEqualTo(model.predict(x, 4).toFloatArray());
    }

    @Test
    void wrappedModuleFilesUseTheModulesOwnNames() throws Exception {
        Module net = new dev.moxing.nn.layers.Residual(new Linear(3, 3));
        Model model = Model.of(net);
        Path file = tmp.resolve("w.safetensors");
        model.saveWeights(file);
        assertThat(dev.moxing.nn.io.SafeTensors.read(file).keySet()).containsExactly("fn.weight", "fn.bias");
        Model again = Model.of(new dev.moxing.nn.layers.Residual(new Linear(3, 3)));
        again.loadWeights(file);
        Tensor x = Tensor.ones(2, 3);
        assertThat(again.predict(x, 2).toFloatArray()).isEqualTo(model.predict(x, 2).toFloatArray());
        // architecture registered: the whole model loads from its directory
        model.save(tmp.resolve("res"));
        assertThat(Model.load(tmp.resolve("res")).predict(x, 2).toFloatArray()).isEqualTo(model.predict(x, 2).toFloatArray());
    }

    @Test
    void missingOrWrongFilesGiveClearMessages() throws Exception {
        assertThatThrownBy(() -> Model.load(tmp.resolve("nothing"))).hasMessageContaining("model.json");
        Sequential model = trained();
        Path dir = tmp.resolve("m");
        model.save(dir);
        Sequential other = Sequential.of(new Dense(5, "relu"), new BatchNorm1d(5), new Dropout(0.2), new Dense(3, "softmax"));
        other.build(2);
        assertThatThrownBy(() -> other.loadWeights(dir)).hasMessageContaining("'0.weight' has shape");
    }
}
