package dev.moxing.cli;

import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.train.Checkpoint;
import dev.moxing.random.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code moxing train gpt --init-only}: the step-0 checkpoint that another framework can start from. */
class TrainGptInitOnlyTest {
    @TempDir
    Path tmp;

    @Test
    void savesTheInitialisedModelAndResumesFromIt() throws Exception {
        Path text = Files.writeString(tmp.resolve("t.txt"), "to be or not to be, that is the question. ".repeat(30));
        Path out = tmp.resolve("init");
        String[] shape = {"--layers", "1", "--heads", "2", "--width", "16", "--context", "16", "--dropout", "0"};
        String[] r = CliRun.run(concat(new String[] {"train", "gpt", "--text", text.toString(), "--init-only", "--seed", "5",
                "--steps", "4", "--warmup", "1", "--batch-size", "2", "--out", out.toString()}, shape));
        assertThat(r[0]).as(r[1] + r[2]).isEqualTo("0");
        assertThat(r[1]).contains("initialised model (step 0) saved to").doesNotContain("step 1/");
        assertThat(Checkpoint.readTraining(out).step()).isZero();

        // The saved weights are the initialisation drawn from the seed, not trained ones.
        var loaded = Checkpoint.loadModel(out);
        var fresh = new Transformer(loaded.config(), new Rng(5)).stateDict();
        loaded.model().stateDict().forEach((name, w) ->
                assertThat(w.toFloatArray()).as(name).containsExactly(fresh.get(name).toFloatArray()));

        String[] resumed = CliRun.run("train", "gpt", "--resume", out.toString(), "--log-every", "4");
        assertThat(resumed[0]).as(resumed[1] + resumed[2]).isEqualTo("0");
        assertThat(resumed[1]).contains("resuming").contains("step 4/4");

        String[] bad = CliRun.run("train", "gpt", "--resume", out.toString(), "--init-only");
        assertThat(bad[0]).isNotEqualTo("0");
        assertThat(bad[2]).contains("--init-only starts a new run");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
