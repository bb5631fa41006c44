package dev.moxing.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ByteLevelBpeTest {

    @TempDir
    Path dir;

    /** A small mixed corpus: English, Chinese, numbers, code-ish punctuation. */
    static final String CORPUS = String.join("\n",
            "First Citizen:", "Before we proceed any further, hear me speak.",
            "All:", "Speak, speak.", "First Citizen:", "You are all resolved rather to die than to famish?",
            "All:", "Resolved. resolved.", "First Citizen:", "First, you know Caius Marcius is chief enemy to the people.",
            "床前明月光，疑是地上霜。举头望明月，低头思故乡。", "白日依山尽，黄河入海流。欲穷千里目，更上一层楼。",
            "It's 2024; we've 3.14159 reasons -- don't we? x += y * 2; // ok", "  indented\tline\n\n") .repeat(3);

    static String randomUnicode(Random random, int codePoints) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < codePoints; i++) {
            int cp = switch (random.nextInt(6)) {
                case 0 -> 0x20 + random.nextInt(0x5F);                      // ASCII
                case 1 -> 0x4E00 + random.nextInt(0x5200);                  // CJK
                case 2 -> 0x1F300 + random.nextInt(0x300);                  // emoji
                case 3 -> " \n\t'".charAt(random.nextInt(4));
                case 4 -> 0x80 + random.nextInt(0x700);                     // Latin, Greek, Cyrillic…
                default -> {
                    int c;
                    do c = random.nextInt(0x110000); while (c >= 0xD800 && c <= 0xDFFF);
                    yield c;
                }
            };
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    @Test
    void gpt2RoundTripsArbitraryUnicode() {
        ByteLevelBpe gpt2 = TestData.gpt2();
        Random random = new Random(7);
        for (int trial = 0; trial < 2_000; trial++) {
            String text = randomUnicode(random, random.nextInt(40));
            assertThat(gpt2.decode(gpt2.encode(text))).isEqualTo(text);
        }
        String mixed = "北京欢迎你 👨‍👩‍👧‍👦 🇨🇳 naïve Ελληνικά \u0000\u007F\uFEFF 𠀀";
        assertThat(gpt2.decode(gpt2.encode(mixed))).isEqualTo(mixed);
        assertThat(gpt2.decodeBytes(gpt2.encode(mixed))).isEqualTo(mixed.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void decodeOfPartialCharacterGivesReplacement() {
        ByteLevelBpe gpt2 = TestData.gpt2();
        int[] ids = gpt2.encode("月"); // three bytes, more than one token
        assertThat(ids.length).isGreaterThan(1);
        assertThat(gpt2.decode(new int[] {ids[0]})).isEqualTo("\uFFFD");
        assertThatThrownBy(() -> gpt2.decode(new int[] {1, 50257}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token id 50257 at position 1");
    }

    @Test
    void trainGivesRequestedSizeAndRoundTrips() {
        ByteLevelBpe bpe = ByteLevelBpe.train(CORPUS, 400);
        assertThat(bpe.vocabSize()).isEqualTo(400);
        assertThat(bpe.mergeCount()).isEqualTo(144);
        int[] ids = bpe.encode(CORPUS);
        assertThat(bpe.decode(ids)).isEqualTo(CORPUS);
        assertThat(ids.length).isLessThan(CORPUS.getBytes(StandardCharsets.UTF_8).length / 2);
        assertThat(java.util.Arrays.stream(ids).max().orElseThrow()).isLessThan(400);
        Random random = new Random(3);
        for (int trial = 0; trial < 500; trial++) {
            String text = randomUnicode(random, random.nextInt(30));
            assertThat(bpe.decode(bpe.encode(text))).isEqualTo(text);
        }
    }

    @Test
    void trainedIdsAreBytesThenMergesInOrder() {
        ByteLevelBpe bpe = ByteLevelBpe.train(CORPUS, 300);
        assertThat(bpe.encode("A")).containsExactly('A');
        assertThat(bpe.token(' ')).isEqualTo("Ġ");
        // The first merge is the most frequent pair of the corpus.
        assertThat(bpe.tokenBytes(256)).hasSize(2);
    }

    @Test
    void trainingIsDeterministic() {
        assertThat(ByteLevelBpe.train(CORPUS, 350)).isEqualTo(ByteLevelBpe.train(CORPUS, 350));
    }

    @Test
    void incrementalTrainingEqualsNaiveRecount() {
        List<String> corpora = List.of(CORPUS, "aaaaaaa aaaa abababab ab ba aab aab", randomUnicode(new Random(11), 3000),
                "low lower lowest newer wider new newest ".repeat(5));
        for (String corpus : corpora) {
            NaiveBpeTrainer.Merges slow = NaiveBpeTrainer.train(corpus, 200);
            BpeTrainer.Merges fast = BpeTrainer.train(corpus, slow.left().length, List.of());
            if (slow.left().length < 200) {
                assertThatThrownBy(() -> BpeTrainer.train(corpus, slow.left().length + 1, List.of()))
                        .hasMessageContaining("only " + slow.left().length + " merges");
            }
            assertThat(fast.left()).as("left ids").containsExactly(slow.left());
            assertThat(fast.right()).as("right ids").containsExactly(slow.right());
        }
    }

    @Test
    void specialTokensInTraining() {
        String corpus = String.join(ByteLevelBpe.END_OF_TEXT, CORPUS.split("\n"));
        ByteLevelBpe bpe = ByteLevelBpe.train(corpus, 280, List.of(ByteLevelBpe.END_OF_TEXT));
        assertThat(bpe.vocabSize()).isEqualTo(280);
        assertThat(bpe.specialTokenId(ByteLevelBpe.END_OF_TEXT)).hasValue(279);
        assertThat(bpe.specialTokensInText()).isTrue();
        int[] ids = bpe.encode("one doc<|endoftext|>");
        assertThat(ids[ids.length - 1]).isEqualTo(279);
        assertThat(bpe.decode(ids)).isEqualTo("one doc<|endoftext|>");
        for (int r = 0; r < bpe.mergeCount(); r++) {
            assertThat(bpe.token(256 + r)).as("merges never learn the special's text").doesNotContain("|");
        }
    }

    @Test
    void trainingRejectsImpossibleSizes() {
        assertThatThrownBy(() -> ByteLevelBpe.train("abc", 255)).hasMessageContaining("at least 256");
        assertThatThrownBy(() -> ByteLevelBpe.train("abc abc", 300))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too small")
                .hasMessageContaining("only 3 merges"); // "abc", " abc": a+b, ab+c, Ġ+abc
        assertThatThrownBy(() -> ByteLevelBpe.train("", 257)).hasMessageContaining("too small");
        assertThat(ByteLevelBpe.train("", 256).vocabSize()).isEqualTo(256);
    }

    @Test
    void saveAndLoadTrained() throws IOException {
        ByteLevelBpe bpe = ByteLevelBpe.train(CORPUS, 320, List.of(ByteLevelBpe.END_OF_TEXT, "<pad>"));
        Path file = dir.resolve("bpe.json");
        bpe.save(file);
        Tokenizer loaded = Tokenizer.load(file);
        assertThat(loaded).isInstanceOf(ByteLevelBpe.class).isEqualTo(bpe);
        assertThat(loaded.encode(CORPUS + "<pad>")).containsExactly(bpe.encode(CORPUS + "<pad>"));

        Path gpt2Dir = dir.resolve("as-gpt2");
        bpe.saveGpt2(gpt2Dir);
        assertThat(Tokenizer.load(gpt2Dir)).isEqualTo(bpe.withSpecialTokensInText(false));
        Files.move(file, dir.resolve("tokenizer.json"));
        assertThat(Tokenizer.load(dir)).isEqualTo(bpe);
    }

    @Test
    void saveAndLoadGpt2() throws IOException {
        ByteLevelBpe gpt2 = TestData.gpt2();
        Path file = dir.resolve("gpt2.json");
        gpt2.save(file);
        assertThat(Tokenizer.load(file)).isEqualTo(gpt2);
        gpt2.saveGpt2(dir.resolve("copy"));
        assertThat(Files.readAllLines(dir.resolve("copy/vocab.bpe")))
                .isEqualTo(Files.readAllLines(TestData.resource("gpt2/vocab.bpe")).stream().filter(l -> !l.isEmpty()).toList());
        assertThat(ByteLevelBpe.loadGpt2(dir.resolve("copy/encoder.json"), dir.resolve("copy/vocab.bpe"))).isEqualTo(gpt2);
    }

    @Test
    void damagedFilesGiveClearErrors() throws IOException {
        Path file = dir.resolve("t.json");
        ByteLevelBpe.train(CORPUS, 260).save(file);
        String json = Files.readString(file);

        Files.writeString(file, json.substring(0, json.length() / 2));
        assertThatThrownBy(() -> Tokenizer.load(file)).isInstanceOf(IOException.class).hasMessageContaining("not valid JSON");

        Files.writeString(file, json.replace("\"byte-level-bpe\"", "\"unigram\""));
        assertThatThrownBy(() -> Tokenizer.load(file)).hasMessageContaining("unknown tokenizer type \"unigram\"");

        Files.writeString(file, json.replace("\"version\" : 1", "\"version\" : 9"));
        assertThatThrownBy(() -> Tokenizer.load(file)).hasMessageContaining("version 9");

        Files.writeString(file, json.replace("\"Ġ\"", "\"Ġx\""));
        assertThatThrownBy(() -> Tokenizer.load(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("damaged").hasMessageContaining("needs token \"Ġ\", which is not in the vocabulary");

        Files.writeString(file, "{\"hello\": 1}");
        assertThatThrownBy(() -> Tokenizer.load(file)).hasMessageContaining("is not a tokenizer file");

        assertThatThrownBy(() -> Tokenizer.load(dir.resolve("missing"))).isInstanceOf(IOException.class);
        Files.createDirectory(dir.resolve("empty"));
        assertThatThrownBy(() -> Tokenizer.load(dir.resolve("empty"))).hasMessageContaining("no tokenizer here");
    }
}
