package dev.moxing.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llama.cpp's tokenizer vectors for four real vocabularies, loaded from their GGUF files:
 * every id sequence must match exactly (Hugging Face's {@code add_special_tokens=False}).
 */
class LlamaCppVocabTest {

    static final String[] VOCABS = {"llama-spm", "phi-3", "bert-bge", "gpt-2"};
    private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

    static Tokenizer tokenizer(String vocab) {
        return LOADED.computeIfAbsent(vocab, v -> {
            try {
                return GgufTokenizers.load(TestData.resource("llama.cpp-vocab/ggml-vocab-" + v + ".gguf"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static Stream<Arguments> vectors() throws IOException {
        Stream.Builder<Arguments> all = Stream.builder();
        for (String v : VOCABS) for (TestData.Vector t : TestData.llamaCppVectors(v)) all.add(Arguments.of(v, t));
        return all.build();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("vectors")
    void encodesExactly(String vocab, TestData.Vector v) {
        assertThat(tokenizer(vocab).encode(v.text())).as(vocab + " " + v).containsExactly(v.ids());
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "phi-3", "bert-bge", "gpt-2"})
    void all46Pass(String vocab) throws IOException {
        int passed = 0;
        for (TestData.Vector v : TestData.llamaCppVectors(vocab)) {
            if (java.util.Arrays.equals(tokenizer(vocab).encode(v.text()), v.ids())) passed++;
        }
        assertThat(passed).as(vocab).isEqualTo(46);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "phi-3", "gpt-2"})
    void decodeInvertsEncode(String vocab) throws IOException {
        Tokenizer t = tokenizer(vocab);
        for (TestData.Vector v : TestData.llamaCppVectors(vocab)) {
            assertThat(t.decode(t.encode(v.text()))).as(vocab + " " + v).isEqualTo(v.text());
            assertThat(t.decodeBytes(v.ids())).isEqualTo(v.text().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Test
    void wordPieceDecodesToTheLowerCasedWords() {
        Tokenizer bge = tokenizer("bert-bge");
        assertThat(bge.decode(bge.encode("Hello, World!  It's Führer's   DAY."))).isEqualTo("hello, world! it's fuhrer's day.");
        assertThat(bge.decode(bge.encode("unaffable playing"))).isEqualTo("unaffable playing");
        // CJK characters are words of their own; those missing from the vocabulary are [UNK], a control token
        assertThat(bge.encode("我想")).containsExactly(1855, 100);
        assertThat(bge.decode(bge.encode("我想在apple"))).isEqualTo("我 apple");
    }

    @Test
    void gpt2FromGgufEqualsOpenAiFiles() throws IOException {
        Tokenizer gguf = tokenizer("gpt-2");
        for (TestData.Vector v : TestData.llamaCppVectors("gpt-2")) {
            assertThat(gguf.encode(v.text())).isEqualTo(TestData.gpt2().encode(v.text()));
        }
        assertThat(((ByteLevelBpe) gguf).specialTokens()).isEqualTo(TestData.gpt2().specialTokens());
    }

    @Test
    void generationIds() {
        Tokenizer llama = tokenizer("llama-spm");
        assertThat(llama.bosId()).hasValue(1);
        assertThat(llama.eosIds()).containsExactly(2);
        assertThat(llama.addsBos()).isTrue();
        Tokenizer phi3 = tokenizer("phi-3");
        assertThat(phi3.eosIds()).containsExactly(32000, 32007); // <|endoftext|>, and <|end|> ends a turn
        Tokenizer gpt2 = tokenizer("gpt-2");
        assertThat(gpt2.bosId()).hasValue(50256);
        assertThat(gpt2.eosIds()).containsExactly(50256);
        assertThat(gpt2.addsBos()).isFalse();
        Tokenizer bge = tokenizer("bert-bge");
        assertThat(bge.bosId()).hasValue(101); // [CLS]
        assertThat(bge.eosIds()).containsExactly(102); // [SEP]
    }

    @Test
    void savedAndLoadedTokenizersAreTheSame(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws IOException {
        for (String v : VOCABS) {
            java.nio.file.Path file = dir.resolve(v + ".json");
            tokenizer(v).save(file);
            Tokenizer back = Tokenizer.load(file);
            for (TestData.Vector t : TestData.llamaCppVectors(v)) {
                assertThat(back.encode(t.text())).as(v + " " + t).containsExactly(t.ids());
            }
            assertThat(back.eosIds()).isEqualTo(tokenizer(v).eosIds());
            assertThat(back.bosId()).isEqualTo(tokenizer(v).bosId());
        }
    }
}
