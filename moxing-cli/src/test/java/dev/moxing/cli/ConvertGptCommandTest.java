package dev.moxing.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code moxing train gpt} → {@code moxing convert} → {@code inspect}, {@code generate} and
 * {@code eval perplexity} on the GGUF file give what they give on the checkpoint; a damaged
 * checkpoint is one line on stderr, exit 1, and no output file.
 */
class ConvertGptCommandTest {
    static final String TEXT = "To be, or not to be, that is the question.\n举头望明月，低头思故乡。\n".repeat(20);

    @TempDir
    static Path tmp;
    static Path ckpt, text;

    @BeforeAll
    static void train() throws IOException {
        text = Files.writeString(tmp.resolve("text.txt"), TEXT);
        ckpt = tmp.resolve("gpt");
        String[] r = CliRun.run("train", "gpt", "--text", text.toString(), "--layers", "1", "--heads", "2", "--width", "16",
                "--context", "16", "--batch-size", "2", "--steps", "4", "--eval-every", "0", "--eval-steps", "1",
                "--out", ckpt.toString());
        assertThat(r[0]).as(r[1] + r[2]).isEqualTo("0");
    }

    @Test
    void convertedModelGeneratesAndScoresAsTheCheckpoint() {
        Path out = tmp.resolve("gpt.gguf");
        String[] c = CliRun.run("convert", ckpt.toString(), out.toString());
        assertThat(c[0]).as(c[2]).isEqualTo("0");
        assertThat(c[1]).contains("wrote " + out);

        String[] inspect = CliRun.run("inspect", out.toString());
        assertThat(inspect[0]).as(inspect[2]).isEqualTo("0");
        assertThat(inspect[1]).contains("gpt2").contains("position_embd.weight").contains("blk.0.attn_qkv.weight");

        String[] a = CliRun.run("generate", "--model", ckpt.toString(), "--prompt", "举头", "--max-tokens", "12", "--temperature", "0");
        String[] b = CliRun.run("generate", "--model", out.toString(), "--prompt", "举头", "--max-tokens", "12", "--temperature", "0");
        assertThat(b[0]).as(b[2]).isEqualTo("0");
        assertThat(b[1]).isEqualTo(a[1]).startsWith("举头");

        String[] pa = CliRun.run("eval", "perplexity", "--model", ckpt.toString(), "--text", text.toString());
        String[] pb = CliRun.run("eval", "perplexity", "--model", out.toString(), "--text", text.toString());
        assertThat(pb[0]).as(pb[2]).isEqualTo("0");
        assertThat(line(pb[1], "perplexity:")).isEqualTo(line(pa[1], "perplexity:"));
    }

    @Test
    void damagedCheckpointIsOneLineExitOneAndNoFile() throws IOException {
        Path bad = tmp.resolve("bad");
        Path noWeights = copy(bad.resolve("no-weights"));
        Files.delete(noWeights.resolve("model.safetensors"));
        Path noTokenizer = copy(bad.resolve("no-tokenizer"));
        Files.delete(noTokenizer.resolve("tokenizer.json"));
        Path wrongConfig = copy(bad.resolve("wrong-config"));
        Path config = wrongConfig.resolve("config.json");
        Files.writeString(config, Files.readString(config).replaceFirst("\"width\" : 16", "\"width\" : 32"));
        Path out = bad.resolve("out.gguf");
        assertRefused(CliRun.run("convert", noWeights.toString(), out.toString()), "model.safetensors");
        assertRefused(CliRun.run("convert", noTokenizer.toString(), out.toString()), "tokenizer.json");
        assertRefused(CliRun.run("convert", wrongConfig.toString(), out.toString()), "config.json");
        assertRefused(CliRun.run("convert", bad.resolve("absent").toString(), out.toString()), "absent");
        try (Stream<Path> left = Files.list(bad)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("no-weights", "no-tokenizer", "wrong-config");
        }
    }

    private static Path copy(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(ckpt)) {
            for (Path f : (Iterable<Path>) files::iterator) Files.copy(f, dir.resolve(f.getFileName()));
        }
        return dir;
    }

    private static String line(String out, String prefix) {
        return out.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(() -> new AssertionError(out));
    }

    private static void assertRefused(String[] r, String named) {
        assertThat(r[0]).as(r[1] + r[2]).isEqualTo("1");
        assertThat(r[2]).startsWith("moxing: ").contains(named);
        assertThat(r[2].lines().count()).as(r[2]).isEqualTo(1);
    }
}
