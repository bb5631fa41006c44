package dev.moxing.cli;

import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;

class MainTest {

    static String[] run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void versionAndHelp() {
        String[] v = run("--version");
        assertThat(v[0]).isEqualTo("0");
        assertThat(v[1]).startsWith("moxing ");
        for (String[] args : new String[][] {{"--help"}, {"example", "--help"}, {"example", "logistic-regression", "--help"},
                {"bench", "--help"}, {"bench", "gemm", "--help"}, {"bench", "ops", "--help"}, {"demo", "--help"},
                {"train", "--help"}, {"train", "fashion-mnist", "--help"}, {"train", "gpt", "--help"}, {"eval", "--help"},
                {"eval", "perplexity", "--help"}, {"predict", "--help"}, {"generate", "--help"}, {"chat", "--help"}, {"inspect", "--help"},
                {"tokenize", "--help"}, {"bench", "generate", "--help"}, {"finetune", "--help"}, {"chat", "--help"}, {"convert", "--help"}}) {
            String[] r = run(args);
            assertThat(r[0]).as(String.join(" ", args)).isEqualTo("0");
            assertThat(r[1]).as(String.join(" ", args)).contains("Usage:");
        }
    }

    @Test
    void logisticRegressionPrintsTestAccuracy() {
        String[] r = run("example", "logistic-regression", "--epochs", "100", "--print-every", "50");
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1]).contains("epoch   50/100").containsPattern("test_accuracy: 0\\.9[5-9]\\d\\d");
    }

    @Test
    void badInputIsOneClearLineAndNonZeroExit() {
        String[] r = run("example", "logistic-regression", "--epochs", "0");
        assertThat(r[0]).isNotEqualTo("0");
        assertThat(r[2]).contains("--epochs: invalid value 0").doesNotContain("Exception").doesNotContain("\tat ");
        String[] u = run("example", "logistic-regression", "--no-such-option");
        assertThat(u[0]).isNotEqualTo("0");
        assertThat(u[2]).contains("Unknown option");
    }

    @Test
    void missingDataOrModelIsAClearMessage(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        String[] r = run("train", "fashion-mnist", "--data", tmp.resolve("nowhere").toString(), "--epochs", "1");
        assertThat(r[0]).isNotEqualTo("0");
        assertThat(r[2]).startsWith("moxing: ").contains("nowhere").doesNotContain("\tat ");
        String[] e = run("eval", "--model", tmp.resolve("no-model").toString());
        assertThat(e[0]).isNotEqualTo("0");
        assertThat(e[2]).startsWith("moxing: ").doesNotContain("\tat ");
        String[] g = run("train", "fashion-mnist", "--model", "rnn");
        assertThat(g[2]).contains("--model: expected mlp or cnn, got 'rnn'");
    }
}
