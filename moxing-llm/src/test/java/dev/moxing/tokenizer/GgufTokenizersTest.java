package dev.moxing.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moxing.gguf.GgufFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small synthetic GGUF vocabularies: byte fallback, added tokens in text, and hostile metadata. */
class GgufTokenizersTest {

    @TempDir
    Path dir;

    // <unk> <s> </s> <|user|> <|end|> <0x00>…<0xFF> then ordinary pieces
    static final int USER = 3, END = 4, BYTE0 = 5;
    static final String[] PIECES = {"▁", "a", "b", "c", "▁a", "ab", "▁ab", "▁c"};
    static final int SPACE = BYTE0 + 256, A = SPACE + 1, B = A + 1, C = B + 1, SA = C + 1, AB = SA + 1, SAB = AB + 1, SC = SAB + 1;

    static GgufMetadataWriter spm() {
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>", "<|user|>", "<|end|>"));
        List<Integer> types = new ArrayList<>(List.of(2, 3, 3, 4, 3));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types.add(6);
        }
        for (String p : PIECES) {
            tokens.add(p);
            types.add(1);
        }
        float[] scores = new float[tokens.size()];
        for (int i = SPACE; i < scores.length; i++) scores[i] = tokens.get(i).length(); // longer pieces first
        return new GgufMetadataWriter()
                .put("tokenizer.ggml.model", "llama")
                .put("tokenizer.ggml.tokens", tokens.toArray(String[]::new))
                .put("tokenizer.ggml.scores", scores)
                .put("tokenizer.ggml.token_type", types.stream().mapToInt(Integer::intValue).toArray())
                .put("tokenizer.ggml.bos_token_id", 1L)
                .put("tokenizer.ggml.eos_token_id", 2L)
                .put("tokenizer.ggml.unknown_token_id", 0L);
    }

    SentencePieceBpe load(GgufMetadataWriter w) throws IOException {
        return (SentencePieceBpe) GgufTokenizers.load(w.write(dir.resolve("t.gguf")));
    }

    @Test
    void mergesByScoreAndPrefixesASpace() throws IOException {
        SentencePieceBpe t = load(spm());
        assertThat(t.encode("ab")).containsExactly(SAB);
        assertThat(t.encode("ab c")).containsExactly(SAB, SC);
        assertThat(t.encode(" a")).containsExactly(SPACE, SA);
        assertThat(t.encode("")).isEmpty();
        assertThat(t.decode(t.encode("ab c"))).isEqualTo("ab c");
        assertThat(t.decode(t.encode(" a"))).isEqualTo(" a");
        assertThat(t.tokenText(SAB)).isEqualTo("▁ab");
        assertThat(t.bosId()).hasValue(1);
        assertThat(t.eosIds()).containsExactly(2, END); // <|end|> is a known end of turn
        assertThat(t.addsBos()).isTrue();
    }

    @Test
    void unknownCharactersFallBackToBytes() throws IOException {
        SentencePieceBpe t = load(spm());
        int[] ids = t.encode("é");
        assertThat(ids).containsExactly(SPACE, BYTE0 + 0xC3, BYTE0 + 0xA9);
        assertThat(t.decode(ids)).isEqualTo("é");
        assertThat(t.tokenBytes(BYTE0 + 0xC3)).containsExactly((byte) 0xC3);
        assertThat(t.tokenText(BYTE0 + 0x0A)).isEqualTo("<0x0A>");
        // half a character: the bytes are there for a streaming decoder to hold back
        assertThat(t.decodeBytes(new int[] {A, BYTE0 + 0xC3})).containsExactly('a', 0xC3 - 256);
        assertThat(t.encode("a\uD83E\uDD99b")).hasSize(1 + 4 + 1); // ▁a, the 4 bytes of 🦙, b
        assertThat(t.decode(t.encode("a\uD83E\uDD99b"))).isEqualTo("a\uD83E\uDD99b");
    }

    @Test
    void withoutByteTokensUnknownCharactersAreUnk() throws IOException {
        GgufMetadataWriter w = spm();
        SentencePieceBpe full = load(w);
        int n = full.vocabSize();
        // the same vocabulary with the byte tokens marked unused
        int[] types = new int[n];
        for (int i = 0; i < n; i++) {
            types[i] = full.tokenType(i).ggufCode() == 6 ? 5 : full.tokenType(i).ggufCode();
        }
        SentencePieceBpe t = load(w.put("tokenizer.ggml.token_type", types));
        assertThat(t.encode("aé")).containsExactly(SA, 0, 0);
    }

    @Test
    void userDefinedTokensAreAlwaysMatchedControlTokensOnlyWhenAsked() throws IOException {
        SentencePieceBpe t = load(spm());
        assertThat(t.encode("ab<|user|>ab")).containsExactly(SAB, USER, SAB); // ▁ again after an added token
        assertThat(t.decode(new int[] {SAB, USER, SAB})).isEqualTo("ab<|user|> ab");
        int[] plain = t.encode("a<|end|>");
        assertThat(plain).doesNotContain(END).startsWith(SA);
        assertThat(t.decode(plain)).isEqualTo("a<|end|>");
        assertThat(t.encode("a<|end|>", true)).containsExactly(SA, END);
        assertThat(t.encode("<s>a", true)).containsExactly(1, SA);
        assertThat(t.decode(new int[] {1, SA, END, 2})).isEqualTo("a"); // control tokens decode to nothing
    }

    @Test
    void phi3MatchesItsUserDefinedEndOfSequenceInText() throws IOException {
        Tokenizer phi3 = LlamaCppVocabTest.tokenizer("phi-3");
        int[] ids = phi3.encode("Hi</s>there");
        assertThat(ids).contains(2); // </s> is user-defined in Phi-3's vocabulary
        assertThat(phi3.decode(ids)).isEqualTo("Hi</s> there");
        assertThat(phi3.encode("<|user|>")).doesNotContain(32010);
        assertThat(((SentencePieceBpe) phi3).encode("<|user|>\nHi<|end|>", true)).startsWith(32010).endsWith(32007);
    }

    // ---- hostile metadata --------------------------------------------------------------------

    void rejects(GgufMetadataWriter w, String... fragments) {
        assertThatThrownBy(() -> GgufTokenizers.load(w.write(dir.resolve("bad.gguf"))))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("bad.gguf")
                .hasMessageContainingAll(fragments);
    }

    @Test
    void hostileSentencePieceMetadata() {
        rejects(spm().put("tokenizer.ggml.scores", new float[3]), "tokenizer.ggml.scores", "3 entries", "269");
        rejects(spm().put("tokenizer.ggml.token_type", new int[2]), "tokenizer.ggml.token_type", "2 entries");
        int[] types = new int[269];
        java.util.Arrays.fill(types, 1);
        types[7] = 9;
        rejects(spm().put("tokenizer.ggml.token_type", types), "tokenizer.ggml.token_type", "[7] = 9");
        rejects(spm().put("tokenizer.ggml.bos_token_id", 40000L), "tokenizer.ggml.bos_token_id", "40000", "269 tokens");
        rejects(spm().remove("tokenizer.ggml.bos_token_id").put("tokenizer.ggml.add_bos_token", true),
                "tokenizer.ggml.add_bos_token", "bos_token_id");
        rejects(spm().put("tokenizer.ggml.tokens", new String[] {"a", "a", "b"})
                .put("tokenizer.ggml.scores", new float[3]).put("tokenizer.ggml.token_type", new int[] {1, 1, 1})
                .remove("tokenizer.ggml.bos_token_id").remove("tokenizer.ggml.eos_token_id").remove("tokenizer.ggml.unknown_token_id"),
                "\"a\"", "twice");
        rejects(spm().put("tokenizer.ggml.model", "rwkv"), "tokenizer.ggml.model", "rwkv");
        rejects(spm().remove("tokenizer.ggml.model"), "no tokenizer");
        rejects(spm().put("tokenizer.ggml.tokens", "oops"), "tokenizer.ggml.tokens");
    }

    static GgufMetadataWriter gpt2(String... merges) {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) tokens.add(String.valueOf(Gpt2Bytes.toChar(b)));
        tokens.add("ab");
        tokens.add("<|endoftext|>");
        int[] types = new int[tokens.size()];
        java.util.Arrays.fill(types, 1);
        types[257] = 3;
        return new GgufMetadataWriter()
                .put("tokenizer.ggml.model", "gpt2")
                .put("tokenizer.ggml.pre", "gpt-2")
                .put("tokenizer.ggml.tokens", tokens.toArray(String[]::new))
                .put("tokenizer.ggml.token_type", types)
                .put("tokenizer.ggml.merges", merges)
                .put("tokenizer.ggml.eos_token_id", 257L);
    }

    @Test
    void smallByteLevelVocabulary() throws IOException {
        Tokenizer t = GgufTokenizers.load(gpt2("a b").write(dir.resolve("g.gguf")));
        assertThat(t.encode("ab a")).containsExactly(256, ' ', 'a');
        assertThat(t.encode("<|endoftext|>")).doesNotContain(257);
        assertThat(((ByteLevelBpe) t).encode("<|endoftext|>", true)).containsExactly(257);
        assertThat(t.eosIds()).containsExactly(257);
        assertThat(t.decode(t.encode("héllo\n"))).isEqualTo("héllo\n");
        assertThat(new String(t.tokenBytes(256), StandardCharsets.UTF_8)).isEqualTo("ab");
    }

    @Test
    void hostileByteLevelMetadata() {
        rejects(gpt2("a zz"), "tokenizer.ggml.merges", "a zz", "zz");
        rejects(gpt2("a b", "ab"), "tokenizer.ggml.merges", "\"ab\"");
        rejects(gpt2("a b").put("tokenizer.ggml.pre", "mystery-pre"), "tokenizer.ggml.pre", "mystery-pre");
        rejects(gpt2("a b").put("tokenizer.ggml.eos_token_id", 999L), "tokenizer.ggml.eos_token_id", "999");
        rejects(gpt2().remove("tokenizer.ggml.merges"), "tokenizer.ggml.merges");
    }
}
