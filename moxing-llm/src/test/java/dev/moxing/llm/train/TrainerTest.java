package dev.moxing.llm.train;

import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class TrainerTest {
    @TempDir
    Path tmp;

    @Test
    void lossFallsAndTheCurveIsRecorded() throws Exception {
        Path text = TinyRuns.writeText(tmp, TinyRuns.text(1500, 4));
        TrainOptions o = new TrainOptions(8, 40, 1e-2, 1e-3, 4, 0.0, 1.0, 1, 20, 4, 10, 3);
        GptTrainer t = Pretraining.start(text, "char", TinyRuns.shape(0f), o);
        double before = t.evaluate();
        int[] reports = {0};
        t.run(null, new TrainingListener() {
            @Override
            public void onStep(StepReport r) {
                reports[0]++;
                assertThat(r.line()).contains("step").contains("loss").contains("tok/s").contains("ETA");
            }
        });
        assertThat(reports[0]).isEqualTo(4);
        assertThat(t.history()).extracting(TrainingState.EvalPoint::step).containsExactly(20, 40);
        double after = t.history().get(1).valLoss();
        assertThat(after).isLessThan(before - 0.5);
        assertThat(t.evaluate()).isEqualTo(after); // evaluation always sees the same windows
    }

    @Test
    void accumulatingMicroBatchesMatchesOneLargeBatch() throws Exception {
        // Accumulating 2 micro-batches of 2 draws the same 4 windows, in the same order, as one batch
        // of 4, so one optimizer step must move the weights the same (up to float summation order).
        Path text = TinyRuns.writeText(tmp, TinyRuns.text(1500, 5));
        var big = new TrainOptions(4, 5, 1e-2, 1e-3, 1, 0.1, 0.5, 1, 0, 1, 1, 9);
        var small = new TrainOptions(2, 5, 1e-2, 1e-3, 1, 0.1, 0.5, 2, 0, 1, 1, 9);
        GptTrainer a = Pretraining.start(text, "char", TinyRuns.shape(0f), big);
        GptTrainer b = Pretraining.start(text, "char", TinyRuns.shape(0f), small);
        double la = a.trainStep(), lb = b.trainStep();
        assertThat(lb).isCloseTo(la, within(1e-5));
        var pa = a.model().stateDict();
        var pb = b.model().stateDict();
        for (String name : pa.keySet()) {
            float[] x = pa.get(name).toFloatArray(), y = pb.get(name).toFloatArray();
            for (int i = 0; i < x.length; i++) assertThat(y[i]).as(name + "[" + i + "]").isCloseTo(x[i], within(2e-5f));
        }
    }

    @Test
    void batchesAreWindowsShiftedByOne() {
        int[] ids = new int[200];
        for (int i = 0; i < ids.length; i++) ids[i] = i;
        TokenSplit split = TokenSplit.of(ids, 8, "test");
        assertThat(split.trainTokens()).isEqualTo(180);
        assertThat(split.valTokens()).isEqualTo(20);
        TokenSplit.Batch b = split.trainBatch(new Rng(1), 3, 8);
        int[] x = b.inputs().toIntArray(), y = b.targets().toIntArray();
        assertThat(b.inputs().shape()).containsExactly(3, 8);
        for (int i = 0; i < x.length; i++) {
            assertThat(y[i]).isEqualTo(x[i] + 1);
            assertThat(y[i]).isLessThan(180);
        }
        int[] v = split.valBatch(new Rng(2), 2, 8).targets().toIntArray();
        for (int id : v) assertThat(id).isBetween(181, 199);
    }

    @Test
    void badCorporaGetClearMessages() throws Exception {
        assertThatThrownBy(() -> TokenSplit.of(new int[100], 16, "short.txt"))
                .hasMessageContaining("short.txt is too short: 100 tokens")
                .hasMessageContaining("--context");

        Path latin1 = tmp.resolve("latin1.txt");
        Files.write(latin1, new byte[] {'c', 'a', 'f', (byte) 0xE9, ' ', 'a', 'u', ' ', 'l', 'a', 'i', 't'});
        assertThatThrownBy(() -> Corpus.read(latin1)).hasMessageContaining("latin1.txt is not valid UTF-8")
                .hasMessageContaining("offset 3");

        Path empty = Files.writeString(tmp.resolve("empty.txt"), "");
        var shape = TinyRuns.shape(0f);
        var options = TinyRuns.options(2, 1, 0);
        assertThatThrownBy(() -> Pretraining.start(empty, "char", shape, options)).hasMessageContaining("empty.txt is empty");
        assertThatThrownBy(() -> Pretraining.start(tmp.resolve("missing.txt"), "char", shape, options))
                .hasMessageContaining("missing.txt");
        Path text = TinyRuns.writeText(tmp, TinyRuns.text(300, 1));
        assertThatThrownBy(() -> Pretraining.start(text, "bpe:abc", shape, options)).hasMessageContaining("'char' or 'bpe:VOCAB_SIZE'");
        assertThatThrownBy(() -> Pretraining.start(text, "word", shape, options)).hasMessageContaining("got 'word'");
        assertThatThrownBy(() -> new TrainOptions(0, 1, 1e-3, 0, 0, 0, 0, 1, 0, 1, 1, 1))
                .hasMessageContaining("--batch-size must be at least 1, got 0");
        assertThatThrownBy(() -> new Pretraining.GptShape(2, 3, 16, 16, 0f))
                .hasMessageContaining("--width must be a positive multiple of --heads=3, got 16");
    }

    @Test
    void resumingOnADifferentTextIsRefused() throws Exception {
        Path text = TinyRuns.writeText(tmp, TinyRuns.text(1200, 6));
        GptTrainer t = Pretraining.start(text, "char", TinyRuns.shape(0f), TinyRuns.options(2, 1, 0));
        t.trainStep();
        Path dir = tmp.resolve("run");
        t.save(dir);
        Path other = Files.writeString(tmp.resolve("other.txt"), TinyRuns.text(1200, 7));
        assertThatThrownBy(() -> Pretraining.resume(dir, other, TinyRuns.options(2, 1, 0)))
                .hasMessageContaining("other.txt is not the text this run was trained on");
    }

    @Test
    void aBytePairTokenizerTrainsOnTheCorpus() throws Exception {
        Path text = TinyRuns.writeText(tmp, TinyRuns.text(1500, 8));
        GptTrainer t = Pretraining.start(text, "bpe:300", TinyRuns.shape(0f), TinyRuns.options(2, 1, 0));
        assertThat(t.model().config().vocabSize()).isEqualTo(300);
        assertThat(t.tokenizer().decode(t.tokenizer().encode("the king"))).isEqualTo("the king");
        t.trainStep();
        try (var ignored = Tensor.noGrad()) {
            assertThat(Double.isFinite(t.evaluate())).isTrue();
        }
    }
}
