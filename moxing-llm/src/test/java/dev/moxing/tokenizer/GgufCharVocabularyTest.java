package dev.moxing.tokenizer;

import dev.moxing.gguf.GgufFormatException;
import dev.moxing.gguf.GgufValue;
import dev.moxing.gguf.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Character vocabularies in GGUF (see {@link GgufCharVocabulary}): written as a gpt2 vocabulary of
 * whole characters, read back as the same {@link CharTokenizer}; and llama.cpp's way of applying
 * the merges (below, {@link #llamaCppBpe}) encodes known text to the same ids.
 */
class GgufCharVocabularyTest {
    static final String TEXT = "To be, or not to be: that is the question.\n床前明月光，疑是地上霜。举头望明月，低头思故乡。😀\n";

    @TempDir
    Path dir;

    Tokenizer roundTrip(Tokenizer t) throws Exception {
        GgufWriter w = new GgufWriter();
        GgufTokenizerMetadata.of(t).forEach(w::put);
        Path file = dir.resolve("chars.gguf");
        w.write(file);
        return GgufTokenizers.load(file);
    }

    @Test
    void tokensAreTheCharactersInGpt2sByteAlphabetAndMergesRebuildThem() {
        CharTokenizer t = CharTokenizer.of("a 中😀".codePoints().toArray());
        Map<String, GgufValue> m = GgufTokenizerMetadata.of(t);
        // ids by code point: ' ' (U+20), 'a', '中' (E4 B8 AD), '😀' (F0 9F 98 80)
        assertThat((Object[]) m.get("tokenizer.ggml.tokens").value()).containsExactly("Ġ", "a", "ä¸Ń", "ðŁĺĢ");
        assertThat((Object[]) m.get("tokenizer.ggml.merges").value()).containsExactly("ä ¸", "ä¸ Ń", "ð Ł", "ðŁ ĺ", "ðŁĺ Ģ");
        assertThat(m.get("tokenizer.ggml.model").value()).isEqualTo("gpt2");
        assertThat(m.get("tokenizer.ggml.pre").value()).isEqualTo("gpt-2");
        assertThat(m.get(GgufCharVocabulary.KEY).value()).isEqualTo("char");
        assertThat(m).doesNotContainKeys("tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id");
    }

    @Test
    void readsBackTheSameTokenizer() throws Exception {
        CharTokenizer strict = CharTokenizer.fromCorpus(TEXT), lenient = strict.withUnknownId(3);
        Tokenizer a = roundTrip(strict);
        assertThat(a).isEqualTo(strict);
        assertThat(a.encode("低头思故乡 to be")).containsExactly(strict.encode("低头思故乡 to be"));
        assertThatThrownBy(() -> a.encode("to be ✓")).hasMessageContaining("U+2713");
        Tokenizer b = roundTrip(lenient);
        assertThat(b).isEqualTo(lenient);
        assertThat(b.encode("to be ✓")).containsExactly(lenient.encode("to be ✓")).endsWith(3);
        // an ASCII-only vocabulary has no merges at all
        CharTokenizer ascii = CharTokenizer.fromCorpus("hello world\n");
        assertThat((Object[]) GgufTokenizerMetadata.of(ascii).get("tokenizer.ggml.merges").value()).isEmpty();
        assertThat(roundTrip(ascii)).isEqualTo(ascii);
    }

    @Test
    void llamaCppsMergingGivesTheSameIds() {
        CharTokenizer t = CharTokenizer.fromCorpus(TEXT);
        Map<String, GgufValue> m = GgufTokenizerMetadata.of(t);
        String[] tokens = (String[]) m.get("tokenizer.ggml.tokens").value();
        String[] merges = (String[]) m.get("tokenizer.ggml.merges").value();
        for (String s : new String[] {TEXT, "明月光 to be😀", "是地上霜。\n"}) {
            assertThat(llamaCppBpe(s, tokens, merges)).as(s).containsExactly(t.encode(s));
        }
    }

    @Test
    void metadataThatContradictsItselfIsRefused() throws Exception {
        CharTokenizer t = CharTokenizer.fromCorpus("ab中");
        GgufMetadataWriter w = new GgufMetadataWriter();
        GgufTokenizerMetadata.of(t).forEach((k, v) -> w.put(k, v.value()));
        assertThat(GgufTokenizers.load(w.write(dir.resolve("ok.gguf")))).isEqualTo(t);
        w.put("tokenizer.ggml.tokens", new String[] {"b", "a", "ä¸Ń"});
        assertThatThrownBy(() -> GgufTokenizers.load(w.write(dir.resolve("order.gguf")))).isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("order.gguf").hasMessageContaining("tokenizer.ggml.tokens'[1]").hasMessageContaining("ascending");
        w.put("tokenizer.ggml.tokens", new String[] {"a", "ab", "ä¸Ń"});
        assertThatThrownBy(() -> GgufTokenizers.load(w.write(dir.resolve("two.gguf"))))
                .hasMessageContaining("tokenizer.ggml.tokens'[1] \"ab\"").hasMessageContaining("not one character");
        w.put("tokenizer.ggml.tokens", new String[] {"a", "b", "ä¸Ń"}).put("tokenizer.ggml.merges", new String[] {"ä ¸"});
        assertThatThrownBy(() -> GgufTokenizers.load(w.write(dir.resolve("merges.gguf"))))
                .hasMessageContaining("tokenizer.ggml.merges").hasMessageContaining("\"ä¸ Ń\"");
    }

    @Test
    void aLoneSurrogateHasNoGgufForm() {
        assertThatThrownBy(() -> GgufTokenizerMetadata.of(CharTokenizer.of('a', 0xD800))).hasMessageContaining("U+D800");
    }

    /**
     * llama.cpp's BPE (llm_tokenizer_bpe_session), reduced to what a vocabulary without specials
     * needs: the text as GPT-2 byte symbols, the adjacent pair of lowest merge rank merged until
     * none has a rank, then each symbol's token, or its bytes' single-byte tokens where it has none
     * (bytes without a token are dropped). Pre-tokenizer splits are left out: they fall on
     * character boundaries, which no merge of this vocabulary crosses, so they cannot change ids.
     */
    static int[] llamaCppBpe(String text, String[] tokens, String[] merges) {
        Map<String, Integer> ids = new HashMap<>(), ranks = new HashMap<>();
        for (int i = 0; i < tokens.length; i++) ids.put(tokens[i], i);
        for (int r = 0; r < merges.length; r++) ranks.put(merges[r], r);
        List<String> symbols = new ArrayList<>();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) symbols.add(String.valueOf(Gpt2Bytes.toChar(b)));
        while (true) {
            int best = -1, bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer r = ranks.get(symbols.get(i) + " " + symbols.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) break;
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
        List<Integer> out = new ArrayList<>();
        for (String s : symbols) {
            Integer id = ids.get(s);
            if (id != null) {
                out.add(id);
                continue;
            }
            for (char c : s.toCharArray()) {
                Integer b = ids.get(String.valueOf(c));
                if (b != null) out.add(b);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
