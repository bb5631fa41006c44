package dev.moxing.llm.format;

import dev.moxing.llm.LanguageModel;
import dev.moxing.llm.generate.Generator;
import dev.moxing.llm.generate.GenerateOptions;
import dev.moxing.gguf.GgufFile;
import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.TransformerConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real pretrained model (llama2.c's stories260K): greedy generation from BOS must reproduce the
 * 256 ids that llama2.c's run.c and llama.cpp produce, exactly.
 */
class Stories260kTest {
    static final Path DIR = Path.of("src/test/resources/models/stories260K");

    static int[] expectedIds() throws Exception {
        return Arrays.stream(Files.readString(DIR.resolve("greedy_t0_n256_ids.txt")).trim().split("\\s+"))
                .mapToInt(Integer::parseInt).toArray();
    }

    static void assertGreedyMatches(Transformer model) throws Exception {
        int[] expected = expectedIds(); // BOS, then 256 generated ids
        int[] got = new Generator(model).generate(new int[] {expected[0]}, GenerateOptions.greedy(256), -1, null, null);
        assertThat(got).containsExactly(Arrays.copyOfRange(expected, 1, expected.length));
    }

    @Test
    void llama2cCheckpointGreedyMatchesReference() throws Exception {
        Transformer model = Llama2cCheckpoint.load(DIR.resolve("stories260K.bin"));
        assertThat(model.config().width()).isEqualTo(64);
        assertThat(model.config().kvHeads()).isEqualTo(4);
        assertThat(model.parameterCount()).isBetween(250_000L, 300_000L);
        assertGreedyMatches(model);
    }

    @Test
    void ggufGreedyMatchesReference() throws Exception {
        Transformer model = GgufModel.load(GgufFile.open(DIR.resolve("stories260K.gguf")), 512);
        assertThat(model.config().rotaryPairs()).isEqualTo(TransformerConfig.RotaryPairs.ADJACENT);
        assertGreedyMatches(model);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"stories260K.bin", "stories260K.gguf"})
    void languageModelPrintsTheReferenceText(String file) throws Exception {
        LanguageModel lm = LanguageModel.load(DIR.resolve(file), 512);
        StringBuilder streamed = new StringBuilder();
        String text = lm.generate("", GenerateOptions.greedy(256), streamed::append);
        assertThat(text).isEqualTo(Files.readString(DIR.resolve("greedy_t0_n256.txt")));
        assertThat(streamed.toString()).isEqualTo(text);
    }

    @Test
    void llama2cAndGgufTokenizersAgree() throws Exception {
        var bin = dev.moxing.tokenizer.Llama2cTokenizer.load(DIR.resolve("tok512.bin"), 512);
        var gguf = dev.moxing.tokenizer.GgufTokenizers.load(DIR.resolve("stories260K.gguf"));
        for (String s : new String[] {"Once upon a time, there was a little girl named Lily.", "  Hello\n\nworld ü ☃ 😀!", ""}) {
            assertThat(bin.encode(s)).as(s).containsExactly(gguf.encode(s));
            assertThat(bin.decode(bin.encode(s))).isEqualTo(gguf.decode(gguf.encode(s)));
        }
        assertThat(bin.bosId()).hasValue(1);
        assertThat(bin.eosIds()).containsExactly(2);
    }
}
