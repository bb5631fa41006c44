package dev.moxing.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CharTokenizerTest {

    @TempDir
    Path dir;

    @Test
    void vocabularyIsSortedDistinctCodePoints() {
        CharTokenizer t = CharTokenizer.fromCorpus("hello world");
        assertThat(t.vocabSize()).isEqualTo(8); // ' ' d e h l o r w
        assertThat(t.encode("hello")).containsExactly(3, 2, 4, 4, 5);
        assertThat(t.decode(t.encode("world hello"))).isEqualTo("world hello");
        assertThat(t.codePoint(0)).isEqualTo(' ');
        assertThat(t.idOf('w')).hasValue(7);
        assertThat(t.idOf('z')).isEmpty();
    }

    @Test
    void chinese() {
        String poem = "床前明月光，疑是地上霜。\n举头望明月，低头思故乡。";
        CharTokenizer t = CharTokenizer.fromCorpus(poem);
        assertThat(t.vocabSize()).isEqualTo((int) poem.codePoints().distinct().count());
        assertThat(t.encode(poem)).hasSize(poem.length());
        assertThat(t.decode(t.encode("明月光"))).isEqualTo("明月光");
    }

    @Test
    void surrogatePairIsOneToken() {
        String text = "😀a😀𠀀"; // U+1F600 and U+20000 lie outside the Basic Multilingual Plane
        CharTokenizer t = CharTokenizer.fromCorpus(text);
        assertThat(t.vocabSize()).isEqualTo(3);
        assertThat(t.encode(text)).hasSize(4);
        assertThat(t.decode(t.encode(text))).isEqualTo(text);
        assertThat(t.codePoint(t.encode("😀")[0])).isEqualTo(0x1F600);
    }

    @Test
    void unknownCharacterNamesCharacterAndPosition() {
        CharTokenizer t = CharTokenizer.fromCorpus("abc");
        assertThatThrownBy(() -> t.encode("abcz"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'z'").hasMessageContaining("U+007A").hasMessageContaining("index 3");
        assertThatThrownBy(() -> t.encode("a\n"))
                .hasMessageContaining("U+000A").hasMessageContaining("index 1");
        assertThatThrownBy(() -> t.encode("😀月")).hasMessageContaining("U+1F600").hasMessageContaining("index 0");
    }

    @Test
    void unknownIdWhenChosen() {
        CharTokenizer t = CharTokenizer.fromCorpus("abc?").withUnknownId(0);
        assertThat(t.unknownId()).hasValue(0);
        assertThat(t.encode("azb")).containsExactly(1, 0, 2);
        assertThat(t.withoutUnknownId().unknownId()).isEmpty();
        assertThatThrownBy(() -> t.withUnknownId(4)).hasMessageContaining("token id 4");
    }

    @Test
    void badInput() {
        assertThatThrownBy(() -> CharTokenizer.fromCorpus("")).hasMessageContaining("empty corpus");
        CharTokenizer t = CharTokenizer.fromCorpus("ab");
        assertThatThrownBy(() -> t.decode(new int[] {0, 2})).hasMessageContaining("token id 2 at position 1");
        assertThatThrownBy(() -> t.decode(new int[] {-1})).hasMessageContaining("token id -1");
    }

    @Test
    void saveAndLoad() throws IOException {
        CharTokenizer t = CharTokenizer.fromCorpus("To be, or not to be 生存还是毁灭 😀\uD800");
        Path file = dir.resolve("sub/char.json");
        t.save(file);
        Tokenizer loaded = Tokenizer.load(file);
        assertThat(loaded).isInstanceOf(CharTokenizer.class).isEqualTo(t);
        assertThat(loaded.encode("not 毁灭 😀")).containsExactly(t.encode("not 毁灭 😀"));

        CharTokenizer withUnknown = t.withUnknownId(3);
        withUnknown.save(file); // replaces the old file
        assertThat(Tokenizer.load(file)).isEqualTo(withUnknown);
        try (var files = Files.list(file.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("char.json");
        }
    }

    @Test
    void of() {
        CharTokenizer t = CharTokenizer.of('b', 'a', 'b');
        assertThat(t.vocabSize()).isEqualTo(2);
        assertThat(t.encode("ab")).containsExactly(0, 1);
    }
}
