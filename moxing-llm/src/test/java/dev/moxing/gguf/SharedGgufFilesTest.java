package dev.moxing.gguf;

import dev.moxing.tensor.DType;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Real GGUF files written by llama.cpp and found in the wild (../shared/data; skipped when absent). */
class SharedGgufFilesTest {

    static Path shared(String rel) {
        Path p = Path.of("..", "..", "shared", "data", rel);
        if (!Files.exists(p)) p = Path.of("..", "shared", "data", rel);
        assumeTrue(Files.exists(p), "../shared/data/" + rel + " is absent");
        return p;
    }

    @Test
    void stories260kF32() throws Exception {
        GgufFile f = GgufFile.open(shared("stories260K/stories260K.gguf"));
        assertThat(f.version()).isEqualTo(3);
        assertThat(f.string("general.architecture")).isEqualTo("llama");
        assertThat(f.integer("llama.embedding_length")).isEqualTo(64);
        assertThat(f.integer("llama.block_count")).isEqualTo(5);
        assertThat(f.integer("llama.attention.head_count")).isEqualTo(8);
        assertThat(f.integer("llama.attention.head_count_kv")).isEqualTo(4);
        assertThat(f.strings("tokenizer.ggml.tokens")).hasSize(512);
        assertThat(f.floats("tokenizer.ggml.scores")).hasSize(512);
        Tensor emb = f.tensor("token_embd.weight");
        assertThat(emb.shape()).containsExactly(512, 64);
        assertThat(emb.dtype()).isEqualTo(DType.F32);
        assertThat(f.tensor("blk.0.attn_k.weight").shape()).containsExactly(32, 64);
    }

    @Test
    void quantizedAndWildFilesOpen() throws Exception {
        GgufFile q8 = GgufFile.open(shared("random-llama/stories15M-Q8_0.gguf"));
        assertThat(q8.tensors().get("blk.0.attn_q.weight").type()).isEqualTo(GgmlType.Q8_0);
        assertThat(q8.tensors().get("blk.0.attn_q.weight").shape()).containsExactly(288, 288);
        GgufFile q4 = GgufFile.open(shared("random-llama/stories15M-Q4_0.gguf"));
        assertThat(q4.tensors().get("blk.0.ffn_up.weight").type()).isEqualTo(GgmlType.Q4_0);
        GgufFile wild = GgufFile.open(shared("gguf-tiny/llama-2-tiny-random.gguf"));
        assertThat(wild.string("general.architecture")).isEqualTo("llama");
        assertThat(wild.strings("tokenizer.ggml.tokens")).hasSize(32000);
        assertThat(wild.tensors().values()).anyMatch(t -> t.type() == GgmlType.F16);
        for (String v : new String[] {"llama-spm", "phi-3", "gpt-2", "bert-bge"}) {
            GgufFile vocab = GgufFile.open(shared("llama.cpp-vocab/ggml-vocab-" + v + ".gguf"));
            assertThat(vocab.tensors()).isEmpty();
            assertThat(vocab.string("tokenizer.ggml.model")).isNotEmpty();
        }
    }

    /**
     * Read, re-write, read back: equal metadata (types included) and tensor bytes. llama.cpp
     * writes the same layout as GgufWriter (tensors in table order, each padded to the
     * alignment, no padding after a tensor-less header), so the whole file comes out identical.
     */
    @ParameterizedTest
    @ValueSource(strings = {"stories260K/stories260K.gguf", "random-llama/stories15M-Q8_0.gguf", "random-llama/stories15M-Q4_0.gguf",
            "gguf-tiny/llama-2-tiny-random.gguf", "llama.cpp-vocab/ggml-vocab-llama-spm.gguf", "llama.cpp-vocab/ggml-vocab-phi-3.gguf",
            "llama.cpp-vocab/ggml-vocab-gpt-2.gguf", "llama.cpp-vocab/ggml-vocab-bert-bge.gguf"})
    void rewriteRoundTripsByteForByte(String rel, @TempDir Path tmp) throws Exception {
        Path original = shared(rel);
        GgufFile f = GgufFile.open(original);
        Path copy = tmp.resolve("copy.gguf");
        GgufWriter.copyOf(f).write(copy);
        GgufFile g = GgufFile.open(copy);
        assertThat(g.metadata()).containsExactlyEntriesOf(f.metadata());
        assertThat(g.tensors().keySet()).containsExactlyElementsOf(f.tensors().keySet());
        for (GgufTensorInfo t : f.tensors().values()) {
            GgufTensorInfo u = g.tensors().get(t.name());
            assertThat(u.toString()).isEqualTo(t.toString()); // type, shape, size, offset
            assertThat(g.data(u).mismatch(f.data(t))).as(t.name()).isEqualTo(-1);
        }
        assertThat(Files.mismatch(original, copy)).as("first differing byte").isEqualTo(-1);
    }
}
