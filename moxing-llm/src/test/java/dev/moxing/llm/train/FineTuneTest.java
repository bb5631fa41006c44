package dev.moxing.llm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Full fine-tuning: a pre-trained checkpoint continues on a new text and gets better at it. */
class FineTuneTest {
    @TempDir
    Path tmp;

    @Test
    void fineTuningLowersTheNewDomainsValidationLoss() throws Exception {
        Path base = tmp.resolve("base"), tuned = tmp.resolve("tuned");
        Path a = TinyRuns.writeText(Files.createDirectories(tmp.resolve("a")), TinyRuns.text(1500, 4));
        Path b = TinyRuns.writeText(Files.createDirectories(tmp.resolve("b")), TinyRuns.text(1500, 77)); // other sentences
        GptTrainer pre = Pretraining.start(a, "char", TinyRuns.shape(0f), new TrainOptions(8, 30, 1e-2, 1e-3, 3, 0.0, 1.0, 1, 0, 4, 10, 3));
        pre.run(base, new TrainingListener() { });
        TrainOptions ft = new TrainOptions(8, 30, 5e-3, 5e-4, 3, 0.0, 1.0, 1, 0, 4, 10, 5);
        GptTrainer t = Pretraining.fineTune(base, b, ft);
        // Starts from the pre-trained weights, not from scratch.
        var pretrained = Checkpoint.loadModel(base).model().stateDict();
        t.model().stateDict().forEach((k, v) -> assertThat(v.toFloatArray()).as(k).containsExactly(pretrained.get(k).toFloatArray()));
        double before = t.evaluate();
        t.run(tuned, new TrainingListener() { });
        double after = t.evaluate();
        assertThat(after).isLessThan(before);
        assertThat(Checkpoint.readTraining(tuned).text().path()).isEqualTo(b.toString());
        assertThat(Checkpoint.loadModel(tuned).model().config()).isEqualTo(pre.model().config());
        assertThat(t.step()).isEqualTo(30);
    }

    @Test
    void aTextTheTokenizerCannotEncodeIsRefusedByName() throws Exception {
        Path base = tmp.resolve("base");
        Path a = TinyRuns.writeText(Files.createDirectories(tmp.resolve("a")), TinyRuns.text(600, 4));
        Pretraining.start(a, "char", TinyRuns.shape(0f), new TrainOptions(4, 2, 1e-2, 1e-3, 0, 0.0, 1.0, 1, 0, 1, 10, 3))
                .run(base, new TrainingListener() { });
        Path poems = tmp.resolve("poems.txt");
        Files.writeString(poems, "床前明月光，疑是地上霜。\n");
        assertThatThrownBy(() -> Pretraining.fineTune(base, poems, TrainOptions.defaults()))
                .hasMessageContaining("poems.txt cannot be encoded with the tokenizer of");
    }

    @Test
    void loraFineTuningTrainsOnlyAdaptersAndSavesAMergedCheckpoint() throws Exception {
        Path base = tmp.resolve("base"), tuned = tmp.resolve("tuned");
        Path a = TinyRuns.writeText(Files.createDirectories(tmp.resolve("a")), TinyRuns.text(1500, 4));
        Path b = TinyRuns.writeText(Files.createDirectories(tmp.resolve("b")), TinyRuns.text(1500, 77));
        Pretraining.start(a, "char", TinyRuns.shape(0f), new TrainOptions(8, 20, 1e-2, 1e-3, 2, 0.0, 1.0, 1, 0, 4, 10, 3))
                .run(base, new TrainingListener() { });
        var lora = new dev.moxing.nn.lora.LoraConfig(4, 8f, 0f, java.util.Set.of("attn.q", "attn.v", "mlp.up"), 11);
        GptTrainer t = Pretraining.fineTune(base, b, new TrainOptions(8, 20, 1e-2, 1e-3, 2, 0.0, 1.0, 1, 0, 4, 10, 5), lora);
        double before = t.evaluate();
        t.run(null, new TrainingListener() { });
        assertThat(t.evaluate()).isLessThan(before);
        // The base weights did not move.
        var pretrained = Checkpoint.loadModel(base).model().stateDict();
        t.model().stateDict().forEach((k, v) -> {
            if (pretrained.containsKey(k)) assertThat(v.toFloatArray()).as(k).containsExactly(pretrained.get(k).toFloatArray());
        });
        Pretraining.saveMergedLora(t, tuned);
        assertThat(tuned.resolve("adapters.safetensors")).exists();
        // The merged checkpoint computes what the adapted model computes.
        var merged = Checkpoint.loadModel(tuned).model();
        merged.eval();
        t.model().eval();
        int[] ids = t.tokenizer().encode("the king shall");
        try (var ignored = dev.moxing.tensor.Tensor.noGrad()) {
            float[] x = merged.forward(dev.moxing.tensor.Tensor.ofInts(ids, 1, ids.length)).toFloatArray();
            float[] y = t.model().forward(dev.moxing.tensor.Tensor.ofInts(ids, 1, ids.length)).toFloatArray();
            for (int i = 0; i < x.length; i++) assertThat(x[i]).isCloseTo(y[i], org.assertj.core.api.Assertions.within(1e-4f));
        }
    }
}
