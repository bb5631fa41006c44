package dev.moxing.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class BpePreTokenizerTest {

    @Test
    void llama3() {
        assertThat(BpePreTokenizer.LLAMA3.split("I've 12345 apples!!\n\nOK"))
                .containsExactly("I", "'ve", " ", "123", "45", " apples", "!!\n\n", "OK");
        assertThat(BpePreTokenizer.LLAMA3.split("HE'S  there\t\n  x"))
                .containsExactly("HE", "'S", " ", " there", "\t\n", " ", " x");
        assertThat(BpePreTokenizer.LLAMA3.split("(hello)")).containsExactly("(hello", ")");
        assertThat(BpePreTokenizer.LLAMA3.split("über 🦙🦙 x")).containsExactly("über", " 🦙🦙", " x");
    }

    @Test
    void qwen2SplitsEveryDigit() {
        assertThat(BpePreTokenizer.QWEN2.split("ab 2024!")).containsExactly("ab", " ", "2", "0", "2", "4", "!");
    }

    @Test
    void gpt2IsTheHandWrittenScanner() throws IOException {
        for (TestData.Vector v : TestData.llamaCppVectors()) {
            assertThat(BpePreTokenizer.GPT2.split(v.text())).isEqualTo(Gpt2PreTokenizer.split(v.text()));
        }
    }

    @Test
    void everyPieceIsKeptOnAllVectors() throws IOException {
        for (BpePreTokenizer p : BpePreTokenizer.values()) {
            for (TestData.Vector v : TestData.llamaCppVectors()) {
                assertThat(String.join("", p.split(v.text()))).isEqualTo(v.text());
            }
        }
    }

    @Test
    void namesFromGgufAndHuggingFace() {
        assertThat(BpePreTokenizer.ofGguf("llama-bpe")).isEqualTo(BpePreTokenizer.LLAMA3);
        assertThat(BpePreTokenizer.ofGguf("default")).isEqualTo(BpePreTokenizer.GPT2);
        assertThat(BpePreTokenizer.ofGguf("qwen2")).isEqualTo(BpePreTokenizer.QWEN2);
        assertThatThrownBy(() -> BpePreTokenizer.ofGguf("deepseek-coder")).hasMessageContaining("\"deepseek-coder\"");
        assertThat(BpePreTokenizer.ofPattern("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
                + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")).isEqualTo(BpePreTokenizer.LLAMA3);
    }
}
