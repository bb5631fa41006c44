package dev.moxing.gguf;

import dev.moxing.tensor.DType;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;

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
}
