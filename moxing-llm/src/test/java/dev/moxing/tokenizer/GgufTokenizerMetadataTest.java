package dev.moxing.tokenizer;

import dev.moxing.gguf.GgufFile;
import dev.moxing.gguf.GgufValue;
import dev.moxing.gguf.GgufWriter;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** Writing a tokenizer's metadata gives back what llama.cpp wrote for it. */
class GgufTokenizerMetadataTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "gpt-2", "phi-3"})
    void metadataOfALoadedVocabularyIsTheFiles(String vocab) throws Exception {
        GgufFile f = GgufFile.open(Path.of("src/test/resources/tokenizer/llama.cpp-vocab/ggml-vocab-" + vocab + ".gguf"));
        Map<String, GgufValue> ours = GgufTokenizerMetadata.of(GgufTokenizers.load(f));
        var theirs = new java.util.TreeMap<String, GgufValue>();
        f.metadata().forEach((k, v) -> {
            if (k.startsWith("tokenizer.ggml.")) theirs.put(k, v);
        });
        for (var e : ours.entrySet()) {
            if (theirs.containsKey(e.getKey())) assertThat(e.getValue()).as(e.getKey()).isEqualTo(theirs.get(e.getKey()));
        }
        var onlyTheirs = new TreeSet<>(theirs.keySet());
        onlyTheirs.removeAll(ours.keySet());
        // SentencePiece files carry pre = "default", which llama.cpp ignores for them.
        assertThat(onlyTheirs).isSubsetOf("tokenizer.ggml.pre");
        var onlyOurs = new TreeSet<>(ours.keySet());
        onlyOurs.removeAll(theirs.keySet());
        assertThat(onlyOurs).isSubsetOf("tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_eos_token");
    }

    /** Hugging Face tokenizer.json vocabularies, through a GGUF file and back, encode the same. */
    @ParameterizedTest
    @ValueSource(strings = {"llama2-tiny", "llama3-tiny"})
    void huggingFaceVocabulariesSurviveGguf(String name) throws Exception {
        Tokenizer hf = Tokenizer.load(TestData.resource("hf/" + name));
        GgufWriter w = new GgufWriter();
        GgufTokenizerMetadata.of(hf).forEach(w::put);
        Path file = dir.resolve(name + ".gguf");
        w.write(file);
        Tokenizer back = GgufTokenizers.load(file);
        // llama2-tiny merges by rule rank; the GGUF file by scores derived from the ranks.
        for (String s : new String[] {"ab", "hi c", "hi abé c", "abab hi", "Hi world 1231", "Hi<think>world"}) {
            assertThat(back.encode(s)).as(s).containsExactly(hf.encode(s));
        }
        assertThat(back.bosId()).isEqualTo(hf.bosId());
        assertThat(back.eosIds()).containsExactly(hf.eosIds());
        assertThat(back.addsBos()).isEqualTo(hf.addsBos());
    }
}
