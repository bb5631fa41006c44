package dev.moxing.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/** The hand-written scanner must split exactly as OpenAI's regular expression. */
class Gpt2PreTokenizerTest {

    private static List<String> byRegex(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher m = Gpt2PreTokenizer.regex().matcher(text);
        int end = 0;
        while (m.find()) {
            assertThat(m.start()).as("regex left a gap").isEqualTo(end);
            pieces.add(m.group());
            end = m.end();
        }
        assertThat(end).isEqualTo(text.length());
        return pieces;
    }

    @Test
    void examples() {
        assertThat(Gpt2PreTokenizer.split("Hello, y'all! How   are you?\n\n"))
                .containsExactly("Hello", ",", " y", "'", "all", "!", " How", "  ", " are", " you", "?", "\n\n");
        assertThat(Gpt2PreTokenizer.split("I've 'RE 123abc\tx")).containsExactly("I", "'ve", " '", "RE", " 123", "abc", "\t", "x");
        assertThat(Gpt2PreTokenizer.split("")).isEmpty();
    }

    @Test
    void matchesRegexOnLlamaCppVectors() throws IOException {
        for (TestData.Vector v : TestData.llamaCppVectors()) {
            assertThat(Gpt2PreTokenizer.split(v.text())).as(v.toString()).isEqualTo(byRegex(v.text()));
        }
    }

    @Test
    void matchesRegexOnRandomText() {
        // Characters chosen to hit every branch: contractions, each class, Unicode spaces that
        // Character.isWhitespace disagrees on, numbers that are not digits, marks, emoji, surrogates.
        String[] alphabet = {"a", "Z", "s", "t", "re", "ve", "m", "ll", "d", "'", "''", "0", "7", "²", "Ⅻ", "中", "é",
                "\u0301", " ", " ", " ", "  ", "\t", "\n", "\r\n", "\u000B", "\u00A0", "\u2007", "\u3000", "\u2028",
                "\u001C", "\u0085", ".", "!?", "-", "😀", "👍🏽", "\u200D", "\uD800", "\uDC00", "_", "\u00AD"};
        Random random = new Random(42);
        for (int trial = 0; trial < 20_000; trial++) {
            StringBuilder sb = new StringBuilder();
            int n = random.nextInt(12);
            for (int i = 0; i < n; i++) sb.append(alphabet[random.nextInt(alphabet.length)]);
            String text = sb.toString();
            assertThat(Gpt2PreTokenizer.split(text)).as("\"%s\"", text.codePoints()
                    .mapToObj(cp -> String.format("U+%04X", cp)).toList()).isEqualTo(byRegex(text));
        }
    }
}
