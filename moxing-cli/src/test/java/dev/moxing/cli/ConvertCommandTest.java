package dev.moxing.cli;

import dev.moxing.gguf.GgmlType;
import dev.moxing.gguf.GgufFile;
import dev.moxing.gguf.GgufValue;
import dev.moxing.gguf.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code moxing convert}: a conversion, and bad input refused with one line, exit 1 and no file left behind. */
class ConvertCommandTest {
    static final Path MODELS = Path.of("..", "moxing-llm", "src", "test", "resources", "models", "stories260K");

    @TempDir
    Path tmp;

    static String[] run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void convertsLlama2cToQ8_0() throws IOException {
        Path out = tmp.resolve("s.gguf");
        String[] r = run("convert", MODELS.resolve("stories260K.bin").toString(), out.toString(), "--type", "q8_0");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("wrote " + out).contains("Q8_0=");
        GgufFile f = GgufFile.open(out);
        assertThat(f.integer("general.file_type")).isEqualTo(7);
        assertThat(f.tensors().get("blk.0.attn_q.weight").type()).isEqualTo(GgmlType.Q8_0);
        assertThat(f.string("general.name")).isEqualTo("stories260K");
    }

    /** stories260K's rows (64, 172) are not whole Q4_K super-blocks: llama.cpp's fallbacks, said in notes. */
    @Test
    void convertsLlama2cToQ4KM() throws IOException {
        Path out = tmp.resolve("s-q4km.gguf");
        String[] r = run("convert", MODELS.resolve("stories260K.bin").toString(), out.toString(), "--type", "Q4_K_M");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("note: blk.0.attn_q.weight: Q5_0, rows of 64 are not whole Q4_K blocks of 256");
        GgufFile f = GgufFile.open(out);
        assertThat(f.integer("general.file_type")).isEqualTo(15);
        assertThat(f.tensors().get("blk.0.attn_q.weight").type()).isEqualTo(GgmlType.Q5_0);
        assertThat(f.tensors().get("blk.2.attn_v.weight").type()).isEqualTo(GgmlType.Q8_0); // Q6_K (use_more_bits) → Q8_0
        assertThat(f.tensors().get("token_embd.weight").type()).isEqualTo(GgmlType.Q8_0);  // tied output: Q6_K → Q8_0
    }

    @Test
    void badInputIsOneLineExitOneAndNoFile() throws IOException {
        String bin = MODELS.resolve("stories260K.bin").toString();
        Path out = tmp.resolve("out.gguf");
        assertRefused(run("convert", bin, out.toString(), "--type", "q1_k"), "q1_k");
        assertRefused(run("convert", tmp.resolve("nope.bin").toString(), out.toString()), "nope.bin");
        assertRefused(run("convert", bin, tmp.resolve("missing/out.gguf").toString()), "missing");
        assertRefused(run("convert", "random:stories15M", out.toString()), "--vocab");

        Path gpt2 = tmp.resolve("gpt2.gguf");
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", GgufValue.of("gpt2"));
        w.addTensor("token_embd.weight", GgmlType.F32, new int[] {4, 32}, MemorySegment.ofArray(new byte[512]));
        w.write(gpt2);
        assertRefused(run("convert", gpt2.toString(), out.toString()), "gpt2.gguf");
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("gpt2.gguf");
        }
    }

    private static void assertRefused(String[] r, String named) {
        assertThat(r[0]).as(r[1] + r[2]).isEqualTo("1");
        assertThat(r[2]).startsWith("moxing: ").contains(named);
        assertThat(r[2].lines().count()).as(r[2]).isEqualTo(1);
    }
}
