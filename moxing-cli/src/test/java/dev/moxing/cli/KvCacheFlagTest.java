package dev.moxing.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --kv-cache} on generate, chat, eval perplexity and bench generate, with stories260K (head dim 8). */
class KvCacheFlagTest {
    static final String MODEL = ChatCommandTest.MODEL;

    @Test
    void generateWithAnF16CachePrintsTheSameGreedyTextAsF32() {
        String[] f32 = CliRun.run("generate", "--model", MODEL, "--temperature", "0", "--max-tokens", "80");
        String[] f16 = CliRun.run("generate", "--model", MODEL, "--temperature", "0", "--max-tokens", "80", "--kv-cache", "f16");
        assertThat(f16[0]).isEqualTo("0");
        assertThat(f16[1]).isEqualTo(f32[1]).hasSizeGreaterThan(100);
    }

    @Test
    void chatAndPerplexityTakeTheFlag(@TempDir Path dir) throws Exception {
        String[] chat = ChatCommandTest.run("Lily\n", "chat", "--model", MODEL, "--temperature", "0", "--max-tokens", "20",
                "--kv-cache", "F16");
        assertThat(chat[0]).isEqualTo("0");
        assertThat(chat[1]).isEqualTo(ChatCommandTest.run("Lily\n", "chat", "--model", MODEL, "--temperature", "0",
                "--max-tokens", "20")[1]);
        Path text = Files.writeString(dir.resolve("story.txt"), "Once upon a time, there was a little girl named Lily. "
                + "She loved to play outside in the park.");
        String[] ppl = CliRun.run("eval", "perplexity", "--model", MODEL, "--text", text.toString(), "--kv-cache", "f16");
        assertThat(ppl[0]).isEqualTo("0");
        assertThat(ppl[1]).contains("KV cache f16").contains("perplexity: ");
    }

    @Test
    void aBadTypeOrAHeadDimQ8_0CannotHoldIsOneClearLine() {
        for (String command : new String[] {"generate", "chat", "bench"}) {
            String[] args = command.equals("bench")
                    ? new String[] {"bench", "generate", "--model", MODEL, "--kv-cache", "q4_0"}
                    : new String[] {command, "--model", MODEL, "--kv-cache", "q4_0"};
            String[] r = ChatCommandTest.run("", args);
            assertThat(r[0]).as(command).isNotEqualTo("0");
            assertThat(r[2]).as(command).contains("--kv-cache: KV cache type must be one of f32, f16, q8_0; got 'q4_0'")
                    .doesNotContain("Exception").doesNotContain("\tat ");
        }
        for (String[] args : new String[][] {
                {"generate", "--model", MODEL, "--kv-cache", "q8_0"},
                {"bench", "generate", "--model", MODEL, "--kv-cache", "q8_0"},
                {"eval", "perplexity", "--model", MODEL, "--text", MODEL, "--kv-cache", "q8_0"}}) {
            String[] r = CliRun.run(args);
            assertThat(r[0]).as(args[0]).isNotEqualTo("0");
            assertThat(r[2]).as(args[0]).contains("stories260K.gguf").contains("Q8_0 KV cache")
                    .contains("multiple of 32; this model's head dim is 8").doesNotContain("\tat ");
        }
    }
}
