package dev.moxing.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hugging Face tokenizer.json files: small synthetic ones, and Llama 2's vocabulary rewritten as one. */
class HuggingFaceTokenizersTest {

    @TempDir
    Path dir;

    @Test
    void llama2StyleBpeWithByteFallback() throws IOException {
        Tokenizer t = Tokenizer.load(TestData.resource("hf/llama2-tiny"));
        assertThat(t).isInstanceOf(SentencePieceBpe.class);
        assertThat(((SentencePieceBpe) t).mergesByRank()).isTrue();
        assertThat(t.encode("ab")).containsExactly(269);
        assertThat(t.encode("a")).containsExactly(266);
        assertThat(t.encode("hi c")).containsExactly(268, 259, 262);
        assertThat(t.encode("é")).containsExactly(259, 3 + 0xC3, 3 + 0xA9);
        assertThat(t.decode(t.encode("hi abé c"))).isEqualTo("hi abé c");
        assertThat(t.bosId()).hasValue(1);
        assertThat(t.eosIds()).containsExactly(2);
        assertThat(t.addsBos()).isTrue();
    }

    @Test
    void llama3StyleByteLevelBpe() throws IOException {
        ByteLevelBpe t = (ByteLevelBpe) Tokenizer.load(TestData.resource("hf/llama3-tiny/tokenizer.json"));
        assertThat(t.preTokenizer()).isEqualTo(BpePreTokenizer.LLAMA3);
        // ids: bytes are their value; merges Ġw 256, or 257, Ġwor 258, ld 259, Ġworld 260, 12 261, 123 262, Hi 263
        int or = 257, ld = 259, world = 260, n123 = 262, hi = 263, bos = 264, eot = 265, think = 266;
        assertThat(t.encode("Hi world")).containsExactly(hi, world);
        assertThat(t.encode("1231")).containsExactly(n123, '1'); // digits go in threes
        assertThat(t.encode("Hi<think>world")).containsExactly(hi, think, 'w', or, ld); // <think> is user-defined
        assertThat(t.encode("<|eot_id|>")).doesNotContain(eot);
        assertThat(t.encode("<|eot_id|>", true)).containsExactly(eot);
        assertThat(t.bosId()).hasValue(bos);
        assertThat(t.eosIds()).containsExactly(eot);
        assertThat(t.addsBos()).isTrue();
        assertThat(t.decode(t.encode("Hi  world\n\n123 4567!"))).isEqualTo("Hi  world\n\n123 4567!");
    }

    @Test
    void bertWordPiece() throws IOException {
        WordPiece t = (WordPiece) Tokenizer.load(TestData.resource("hf/bert-tiny/tokenizer.json"));
        // [PAD]0 [UNK]1 [CLS]2 [SEP]3 [MASK]4 hello5 world6 play7 ##ing8 ##s9 ,10 !11 '12 s13 it14 fuhrer15
        assertThat(t.encode("Hello, playing worlds! Führer's xyz")).containsExactly(5, 10, 7, 8, 6, 9, 11, 15, 12, 13, 1);
        assertThat(t.decode(t.encode("Hello, playing worlds!"))).isEqualTo("hello, playing worlds!");
        assertThat(t.tokenText(8)).isEqualTo("ing");
        assertThat(t.tokenText(5)).isEqualTo("▁hello");
        assertThat(t.bosId()).hasValue(2);
        assertThat(t.eosIds()).containsExactly(3);
    }

    @Test
    void unsupportedModelsAreClearErrors() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, "{\"model\": {\"type\": \"Unigram\", \"vocab\": {\"a\": 0}}}");
        assertThatThrownBy(() -> Tokenizer.load(dir)).hasMessageContaining("tokenizer.json").hasMessageContaining("Unigram");
        Files.writeString(file, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]},"
                + " \"pre_tokenizer\": {\"type\": \"ByteLevel\"}}");
        assertThatThrownBy(() -> Tokenizer.load(file)).hasMessageContaining("\"ab\"");
    }

    /**
     * Llama 2's GGUF vocabulary written as Hugging Face's converter would (merges from every split
     * of every token, ranked by the merged token's score) must tokenize the llama.cpp vectors the
     * same way: merging by rule rank and merging by score agree.
     */
    @Test
    void llamaSpmRewrittenAsTokenizerJsonGivesTheSameIds() throws IOException {
        SentencePieceBpe spm = (SentencePieceBpe) LlamaCppVocabTest.tokenizer("llama-spm");
        int n = spm.vocabSize();
        ObjectNode root = TokenizerFile.JSON.createObjectNode();
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").put("unk_token", "<unk>").put("byte_fallback", true).put("fuse_unk", true);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < n; id++) vocab.put(spm.tokenText(id), id);
        record Merge(int left, int right, int merged) {}
        List<Merge> merges = new ArrayList<>();
        for (int id = 0; id < n; id++) {
            String t = spm.tokenText(id);
            if (spm.tokenType(id) != TokenType.NORMAL) continue;
            for (int i = t.offsetByCodePoints(0, 1); i < t.length(); i = t.offsetByCodePoints(i, 1)) {
                var l = spm.idOf(t.substring(0, i));
                var r = spm.idOf(t.substring(i));
                if (l.isPresent() && r.isPresent() && spm.tokenType(l.getAsInt()) == TokenType.NORMAL
                        && spm.tokenType(r.getAsInt()) == TokenType.NORMAL) {
                    merges.add(new Merge(l.getAsInt(), r.getAsInt(), id));
                }
            }
        }
        merges.sort(Comparator.comparingDouble((Merge m) -> -spm.score(m.merged())).thenComparingInt(Merge::merged)
                .thenComparingInt(Merge::left).thenComparingInt(Merge::right));
        ArrayNode lines = model.putArray("merges");
        for (Merge m : merges) lines.add(spm.tokenText(m.left()) + " " + spm.tokenText(m.right()));
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < 3; id++) added.addObject().put("id", id).put("content", spm.tokenText(id)).put("special", true);
        ArrayNode norms = root.putObject("normalizer").put("type", "Sequence").putArray("normalizers");
        norms.addObject().put("type", "Prepend").put("prepend", "▁");
        norms.addObject().put("type", "Replace").put("content", "▁").putObject("pattern").put("String", " ");
        TokenizerFile.JSON.writeValue(dir.resolve("tokenizer.json").toFile(), root);
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\"}");

        Tokenizer hf = Tokenizer.load(dir);
        assertThat(((SentencePieceBpe) hf).mergesByRank()).isTrue();
        for (TestData.Vector v : TestData.llamaCppVectors("llama-spm")) {
            assertThat(hf.encode(v.text())).as(v.toString()).containsExactly(v.ids());
            assertThat(hf.decode(v.ids())).isEqualTo(v.text());
        }
        assertThat(hf.bosId()).hasValue(1);
        assertThat(hf.eosIds()).containsExactly(2);
        assertThat(hf.addsBos()).isTrue();
    }
}
