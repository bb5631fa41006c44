package dev.moxing.cli;

import dev.moxing.gguf.GgmlType;
import dev.moxing.gguf.GgufValue;
import dev.moxing.gguf.GgufWriter;
import dev.moxing.nn.io.SafeTensors;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class InspectCommandTest {
    @TempDir
    Path tmp;

    private Path tinyGguf() throws Exception {
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", GgufValue.of("llama"));
        w.put("general.name", GgufValue.of("tiny test"));
        w.put("llama.context_length", GgufValue.ofUint32(128));
        w.put("llama.embedding_length", GgufValue.ofUint32(32));
        w.put("llama.rope.freq_base", GgufValue.ofFloat32(10000f));
        w.put("tokenizer.ggml.model", GgufValue.of("llama"));
        w.put("tokenizer.ggml.tokens", GgufValue.ofArray(GgufValue.Type.STRING,
                IntStream.range(0, 100).mapToObj(i -> "tok" + i).toArray(String[]::new)));
        w.put("tokenizer.ggml.bos_token_id", GgufValue.ofUint32(1));
        w.put("tokenizer.ggml.eos_token_id", GgufValue.ofUint32(2));
        w.put("tokenizer.chat_template", GgufValue.of("{% for m in messages %}\n<|{{ m.role }}|>{{ m.content }}\n{% endfor %}"));
        w.put("custom.flags", GgufValue.ofArray(GgufValue.Type.BOOL, new boolean[] {true, false}));
        w.addTensor("token_embd.weight", GgmlType.F32, new int[] {100, 32}, MemorySegment.ofArray(new byte[100 * 32 * 4]));
        w.addTensor("blk.0.attn_q.weight", GgmlType.Q8_0, new int[] {32, 32}, MemorySegment.ofArray(new byte[32 * 34]));
        Path p = tmp.resolve("tiny.gguf");
        w.write(p);
        return p;
    }

    @Test
    void ggufHeaderMetadataTokenizerAndTensors() throws Exception {
        Path p = tinyGguf();
        String[] r = MainTest.run("inspect", p.toString());
        assertThat(r[2]).isEmpty();
        assertThat(r[0]).isEqualTo("0");
        String out = r[1];
        assertThat(out).contains("file:       " + p, "format:     GGUF v3", "alignment:  32", "architecture: llama")
                .containsPattern("llama\\.context_length +uint32 +128")
                .containsPattern("general\\.name +string +\"tiny test\"")
                .containsPattern("llama\\.rope\\.freq_base +float32 +10000\\.0")
                .containsPattern("tokenizer\\.ggml\\.tokens +array<string> +100 elements \\(not shown\\)")
                .containsPattern("custom\\.flags +array<bool> +\\[bool × 2\\] \\[true, false\\]")
                .contains("  model:       llama", "  vocab size:  100", "  bos id:      1", "  eos id:      2")
                .contains("  chat template:\n    {% for m in messages %}\n    <|{{ m.role }}|>{{ m.content }}\n    {% endfor %}")
                .contains("tensors (2):")
                .containsPattern("token_embd\\.weight +F32 +\\(100, 32\\) +12800")
                .containsPattern("blk\\.0\\.attn_q\\.weight +Q8_0 +\\(32, 32\\) +1088")
                .contains("total: 4,224 parameters")
                .containsPattern("Q8_0 +1 tensors +1,024 parameters");
        assertThat(out).doesNotContain("tok5"); // the vocabulary itself is not printed
    }

    @Test
    void safetensorsTensorTable() throws Exception {
        Path p = tmp.resolve("w.safetensors");
        Map<String, Tensor> ts = new LinkedHashMap<>();
        ts.put("dense.kernel", Tensor.zeros(3, 4));
        ts.put("dense.bias", Tensor.zeros(4));
        SafeTensors.write(p, ts, Map.of("format", "moxing"));
        String[] r = MainTest.run("inspect", p.toString());
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1]).contains("format:     safetensors", "metadata (1 keys):")
                .containsPattern("dense\\.kernel +F32 +\\(3, 4\\) +48")
                .containsPattern("dense\\.bias +F32 +\\(4,\\) +16")
                .contains("total: 16 parameters");
    }

    @Test
    void corruptOrMissingFilesAreOneLineAndExitCodeOne() throws Exception {
        byte[] valid = Files.readAllBytes(tinyGguf());
        Path truncated = tmp.resolve("truncated.gguf");
        Files.write(truncated, Arrays.copyOf(valid, valid.length / 3));
        Path hostile = tmp.resolve("hostile.gguf");
        byte[] h = valid.clone();
        h[16] = (byte) 0xFF; // metadata_kv_count ≈ 2^64
        Arrays.fill(h, 17, 24, (byte) 0xFF);
        Files.write(hostile, h);
        Path safetensors = tmp.resolve("bad.safetensors");
        Files.write(safetensors, new byte[] {(byte) 0xFF, 0, 0, 0, 0, 0, 0, 0, '{', '}'});
        for (Path p : new Path[] {truncated, hostile, safetensors, tmp.resolve("absent.gguf")}) {
            String[] r = MainTest.run("inspect", p.toString());
            assertThat(r[0]).as(p.toString()).isEqualTo("1");
            assertThat(r[2]).as(p.toString()).startsWith("moxing: " + p).doesNotContain("\tat ").doesNotContain("Exception")
                    .hasLineCount(1);
        }
        assertThat(MainTest.run("inspect", hostile.toString())[2]).contains("metadata_kv_count 18446744073709551615 cannot fit");
    }
}
