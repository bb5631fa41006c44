package dev.moxing.llm.train;

import dev.moxing.tensor.Tensor;
import dev.moxing.tokenizer.CharTokenizer;
import dev.moxing.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointTest {
    @TempDir
    Path tmp;

    private GptTrainer trainer(int steps) throws IOException {
        Path text = TinyRuns.writeText(tmp, TinyRuns.text(1200, 3));
        GptTrainer t = Pretraining.start(text, "char", TinyRuns.shape(0f), TinyRuns.options(steps, 1, 0));
        for (int i = 0; i < steps; i++) t.trainStep();
        return t;
    }

    @Test
    void aSavedModelLoadsWithTheSameLogits() throws Exception {
        GptTrainer t = trainer(2);
        Path dir = tmp.resolve("model");
        t.save(dir);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    Checkpoint.CONFIG, Checkpoint.WEIGHTS, Checkpoint.TOKENIZER, Checkpoint.TRAINING, Checkpoint.OPTIMIZER);
        }
        Checkpoint.Loaded loaded = Checkpoint.loadModel(dir);
        assertThat(loaded.config()).isEqualTo(t.model().config());
        assertThat(loaded.tokenizer()).isEqualTo(t.tokenizer());
        Tensor ids = Tensor.ofInts(new int[] {1, 5, 2, 7, 3}, 1, 5);
        t.model().eval();
        loaded.model().eval();
        try (var ignored = Tensor.noGrad()) {
            assertThat(loaded.model().forward(ids).toFloatArray()).containsExactly(t.model().forward(ids).toFloatArray());
        }
        TrainingState state = Checkpoint.readTraining(dir);
        assertThat(state.step()).isEqualTo(2);
        assertThat(state.tokenizer()).isEqualTo("char");
        assertThat(state.options()).isEqualTo(t.options());
    }

    @Test
    void aFailedSaveLeavesThePreviousCheckpointAndNoDebris() throws Exception {
        GptTrainer t = trainer(1);
        Path dir = tmp.resolve("model");
        t.save(dir);
        byte[] weights = Files.readAllBytes(dir.resolve(Checkpoint.WEIGHTS));
        Tokenizer failing = new Tokenizer() {
            final Tokenizer inner = t.tokenizer();

            public int[] encode(String text) {
                return inner.encode(text);
            }

            public String decode(int[] ids) {
                return inner.decode(ids);
            }

            public int vocabSize() {
                return inner.vocabSize();
            }

            public void save(Path path) throws IOException {
                throw new IOException("disk full (simulated)");
            }
        };
        t.trainStep();
        assertThatThrownBy(() -> Checkpoint.save(dir, t.model(), failing, null, null)).hasMessageContaining("disk full");
        assertThat(Files.readAllBytes(dir.resolve(Checkpoint.WEIGHTS))).isEqualTo(weights);
        assertThat(Checkpoint.readTraining(dir).step()).isEqualTo(1);
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertThat(siblings.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("corpus.txt", "model");
        }
    }

    @Test
    void aSaveInterruptedBetweenItsRenamesIsRecovered() throws Exception {
        GptTrainer t = trainer(1);
        Path dir = tmp.resolve("model");
        t.save(dir);
        // The state a crash leaves after "target → .model.old" and before "temporary → target".
        Files.move(dir, tmp.resolve(".model.old"));
        assertThat(Checkpoint.exists(dir)).isTrue();
        assertThat(Checkpoint.readTraining(dir).step()).isEqualTo(1);
        assertThat(tmp.resolve(".model.old")).doesNotExist();

        // A save killed while filling its temporary directory leaves that behind; the next save clears it.
        Files.createDirectories(tmp.resolve(".model.tmp-12345"));
        t.save(dir);
        assertThat(tmp.resolve(".model.tmp-12345")).doesNotExist();
    }

    @Test
    void mismatchedOrDamagedFilesAreNamed() throws Exception {
        GptTrainer t = trainer(1);
        Path dir = tmp.resolve("model");
        t.save(dir);
        CharTokenizer.of('a', 'b', 'c').save(dir.resolve(Checkpoint.TOKENIZER));
        assertThatThrownBy(() -> Checkpoint.loadModel(dir))
                .hasMessageContaining("tokenizer.json has 3 tokens")
                .hasMessageContaining("does not belong to this model");

        Files.writeString(dir.resolve(Checkpoint.CONFIG), "{\"format\": \"moxing-transformer\", \"version\": 1, \"layers\": 2");
        assertThatThrownBy(() -> Checkpoint.loadModel(dir)).hasMessageContaining("config.json is not valid JSON");

        Files.delete(dir.resolve(Checkpoint.CONFIG));
        assertThatThrownBy(() -> Checkpoint.loadModel(dir)).hasMessageContaining("config.json is missing");

        t.save(dir);
        String config = Files.readString(dir.resolve(Checkpoint.CONFIG)).replace("\"width\" : 16", "\"width\" : 32");
        Files.writeString(dir.resolve(Checkpoint.CONFIG), config);
        assertThatThrownBy(() -> Checkpoint.loadModel(dir)).hasMessageContaining("model.safetensors does not match");
    }

    @Test
    void theOutputDirectoryIsCheckedBeforeTraining() throws Exception {
        Path other = Files.createDirectories(tmp.resolve("photos"));
        Files.writeString(other.resolve("cat.jpg"), "meow");
        assertThatThrownBy(() -> Pretraining.checkOutput(other, null, false))
                .hasMessageContaining("not a model checkpoint");
        Pretraining.checkOutput(tmp.resolve("new"), null, false);
        Pretraining.checkOutput(Files.createDirectories(tmp.resolve("empty")), null, false);

        GptTrainer t = trainer(1);
        Path dir = tmp.resolve("model");
        t.save(dir);
        assertThatThrownBy(() -> Pretraining.checkOutput(dir, null, false)).hasMessageContaining("--resume");
        Pretraining.checkOutput(dir, null, true);
        Pretraining.checkOutput(dir, dir, false);
    }
}
