package dev.moxing.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** GPT-2's own vocabulary must tokenize exactly as GPT-2 (llama.cpp's reference vectors). */
class Gpt2CompatibilityTest {

    static Stream<TestData.Vector> vectors() throws IOException {
        return TestData.llamaCppVectors().stream();
    }

    @Test
    void thereAre46Vectors() throws IOException {
        assertThat(TestData.llamaCppVectors()).hasSize(46);
    }

    @ParameterizedTest
    @MethodSource("vectors")
    void llamaCppVector(TestData.Vector v) {
        assertThat(TestData.gpt2().encode(v.text())).as(v.toString()).containsExactly(v.ids());
        assertThat(TestData.gpt2().decode(v.ids())).isEqualTo(v.text());
    }

    @Test
    void vocabularyShape() {
        ByteLevelBpe gpt2 = TestData.gpt2();
        assertThat(gpt2.vocabSize()).isEqualTo(50257);
        assertThat(gpt2.mergeCount()).isEqualTo(50000);
        assertThat(gpt2.specialTokens()).containsExactly(java.util.Map.entry(ByteLevelBpe.END_OF_TEXT, 50256));
        assertThat(gpt2.token(220)).isEqualTo("Ġ");
    }

    @Test
    void wellKnownIds() {
        assertThat(TestData.gpt2().encode("Hello world")).containsExactly(15496, 995);
        assertThat(TestData.gpt2().encode("")).isEmpty();
    }

    @Test
    void endOfTextIsTextUnlessEnabled() {
        ByteLevelBpe plain = TestData.gpt2();
        String text = "a<|endoftext|>b";
        int[] asText = plain.encode(text);
        assertThat(asText).doesNotContain(50256);
        assertThat(plain.decode(asText)).isEqualTo(text);

        ByteLevelBpe special = plain.withSpecialTokensInText(true);
        assertThat(special.encode(text)).containsExactly(64, 50256, 65);
        int[] hi = plain.encode(" hi");
        assertThat(special.encode(" hi<|endoftext|><|endoftext|>")).containsExactly(hi[0], 50256, 50256);
        assertThat(hi).hasSize(1);
        assertThat(special.decode(special.encode(text))).isEqualTo(text);
        assertThat(plain.encode(text, true)).containsExactly(64, 50256, 65);
        assertThat(special.encode(text, false)).containsExactly(asText);
    }

    @Test
    void loadRecognisesOpenAiFiles() throws IOException {
        assertThat(Tokenizer.load(TestData.resource("gpt2/encoder.json"))).isEqualTo(TestData.gpt2());
        assertThat(Tokenizer.load(TestData.resource("gpt2"))).isEqualTo(TestData.gpt2());
    }

    @Test
    void longPiecesAreNotQuadratic() {
        // One pre-token of 200,000 letters: the heap-based merge keeps this fast.
        String word = "ab".repeat(100_000);
        int[] ids = TestData.gpt2().encode(word);
        assertThat(TestData.gpt2().decode(ids)).isEqualTo(word);
        String spaces = " ".repeat(100_000) + "x";
        assertThat(TestData.gpt2().decode(TestData.gpt2().encode(spaces))).isEqualTo(spaces);
    }

    @Test
    void sameResultWithAndWithoutCache() {
        // The first call fills the cache; the second reads it.
        List<String> texts = List.of("The quick brown fox", "naïve café, 北京欢迎你 🎉🎉");
        for (String t : texts) {
            int[] first = TestData.gpt2().encode(t);
            assertThat(TestData.gpt2().encode(t)).containsExactly(first);
        }
    }
}
