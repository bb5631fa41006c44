package dev.moxing.cli;

import dev.moxing.llm.classify.SequenceClassifier;
import dev.moxing.llm.train.Pretraining;
import dev.moxing.llm.train.TrainOptions;
import dev.moxing.llm.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code moxing finetune --classify poets} on a two-author file whose authors use disjoint characters. */
class FinetuneClassifyTest {
    @TempDir
    Path tmp;

    @Test
    void trainsReportsAccuracyAndSavesTheClassifier() throws Exception {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            s.append("t").append(i).append('\n').append(i % 2 == 0 ? "Li Bai" : "Du Fu").append('\n')
                    .append(i % 2 == 0 ? "abcab cba\nbca" : "xyzzy\nzyx yz").append(i % 3 == 0 ? "a" : "").append("\n\n");
        }
        Path text = tmp.resolve("poems.txt");
        Files.writeString(text, s);
        Path base = tmp.resolve("base"), out = tmp.resolve("cls");
        Pretraining.start(text, "char", new Pretraining.GptShape(1, 2, 16, 16, 0f),
                new TrainOptions(8, 5, 1e-2, 1e-3, 1, 0.0, 1.0, 1, 0, 1, 10, 3)).run(base, new TrainingListener() { });
        String[] r = CliRun.run("finetune", "--model", base.toString(), "--classify", "poets", "--text", text.toString(),
                "--classes", "2", "--pooling", "mean", "--steps", "30", "--lr", "1e-2", "--batch-size", "8", "--log-every", "10",
                "--out", out.toString());
        assertThat(r[0]).as(r[1] + r[2]).isEqualTo("0");
        assertThat(r[1]).contains("step 30/30  train loss").contains("test accuracy 1.0000 (8 poems)  majority baseline 0.5000");
        assertThat(SequenceClassifier.load(out).labels()).containsExactlyInAnyOrder("Li Bai", "Du Fu");

        String[] bad = CliRun.run("finetune", "--model", base.toString(), "--classify", "poets", "--text", text.toString(),
                "--pooling", "max", "--out", tmp.resolve("x").toString());
        assertThat(bad[0]).isNotEqualTo("0");
        assertThat(bad[2]).contains("--pooling must be last or mean");
    }
}
