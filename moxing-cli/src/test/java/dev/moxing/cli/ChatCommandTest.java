package dev.moxing.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code moxing chat} and the new {@code moxing generate} options, on the tiny stories260K model. */
class ChatCommandTest {
    static final String MODEL = Path.of("..", "moxing-llm", "src", "test", "resources", "models", "stories260K", "stories260K.gguf").toString();

    /** Runs the CLI in-process with {@code stdin} as its input; returns exit code, stdout, stderr. */
    static String[] run(String stdin, String... args) {
        return CliRun.withInput(stdin, args);
    }

    /** The transcript's turns: "> user line", then the reply, then a blank line. */
    static String[] turns(String transcript) {
        return transcript.split("\n\n");
    }

    @Test
    void twoPipedLinesGetTwoRepliesAndEndOfInputEndsTheChat() {
        String[] r = run("Lily\nTom\n", "chat", "--model", MODEL, "--temperature", "0", "--max-tokens", "30");
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[2]).contains("moxing chat:").contains("no chat template in the model: using the fallback format")
                .doesNotContain("SLF4J");
        String[] turns = turns(r[1]);
        assertThat(turns).hasSize(2);
        assertThat(turns[0]).startsWith("> Lily\n");
        assertThat(turns[1]).startsWith("> Tom\n");
        for (String t : turns) {
            String reply = t.substring(t.indexOf('\n') + 1);
            assertThat(reply).isNotBlank().doesNotContain("User:");
        }
    }

    @Test
    void resetForgetsTheConversationAndExitStops() {
        String[] once = run("Lily\n", "chat", "--model", MODEL, "--temperature", "0", "--max-tokens", "30");
        String[] r = run("Lily\n/reset\nLily\n/exit\nTom\n", "chat", "--model", MODEL, "--temperature", "0", "--max-tokens", "30");
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[2]).contains("[conversation cleared]");
        String[] turns = turns(r[1]);
        assertThat(r[1]).doesNotContain("Tom"); // /exit came first
        // after /reset the same first message gets the same (greedy) reply as in a fresh chat
        assertThat(turns[0]).isEqualTo(turns(once[1])[0]);
        assertThat(r[1]).contains("> /reset\n> Lily\n" + turns(once[1])[0].substring("> Lily\n".length()));
    }

    @Test
    void aSystemPromptChangesTheConversation() {
        String[] plain = run("Lily\n", "chat", "--model", MODEL, "--temperature", "0", "--max-tokens", "20");
        String[] sys = run("Lily\n", "chat", "--model", MODEL, "--temperature", "0", "--max-tokens", "20", "--system", "Once upon a time");
        assertThat(sys[0]).isEqualTo("0");
        assertThat(sys[1]).isNotEqualTo(plain[1]);
        String[] cmd = run("/system Once upon a time\nLily\n", "chat", "--model", MODEL, "--temperature", "0", "--max-tokens", "20");
        assertThat(cmd[1]).endsWith(sys[1]);
    }

    @Test
    void badOptionsAreOneLineAndExitOne() {
        String[] r = run("", "chat", "--model", MODEL, "--min-p", "2");
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).startsWith("moxing: ").contains("--min-p must be in [0, 1]").doesNotContain("\tat ");
        String[] m = run("", "chat", "--model", "no-such-model.gguf");
        assertThat(m[0]).isEqualTo("1");
        assertThat(m[2]).startsWith("moxing: ").contains("no-such-model.gguf");
        String[] g = run("", "generate", "--model", MODEL, "--frequency-penalty", "NaN");
        assertThat(g[0]).isEqualTo("1");
        assertThat(g[2]).startsWith("moxing: ").contains("--frequency-penalty");
        assertThat(run("", "chat")[0]).isNotEqualTo("0"); // --model is required
    }

    @Test
    void generatePrintsLogprobsOfTheChosenTokens() {
        String[] r = run("", "generate", "--model", MODEL, "--prompt", "Lily", "--temperature", "0", "--max-tokens", "5",
                "--logprobs", "--min-p", "0.05", "--presence-penalty", "0.5", "--frequency-penalty", "0.1");
        assertThat(r[0]).isEqualTo("0");
        String[] lines = r[2].strip().split("\n");
        assertThat(lines).hasSize(6);
        for (int i = 0; i < 5; i++) assertThat(lines[i]).matches("\\s*\\d+\\s+'.*'\\s+-?\\d+\\.\\d{4}");
        assertThat(lines[5]).isEqualTo("[stopped: length]");
    }
}
