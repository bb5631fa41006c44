package dev.moxing.llm;

import dev.moxing.llm.generate.Completion;
import dev.moxing.llm.generate.GenerateOptions;
import dev.moxing.llm.generate.Generator;
import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.llm.train.Checkpoint;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import dev.moxing.tokenizer.ByteLevelBpe;
import dev.moxing.tokenizer.CharTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LanguageModelTest {
    @TempDir
    Path tmp;

    static final CharTokenizer CHARS = CharTokenizer.fromCorpus("abcdefgh \n");

    static LanguageModel charModel(int context) {
        Transformer m = new Transformer(TransformerConfig.gpt(CHARS.vocabSize(), context, 2, 2, 16, 0f, true), new Rng(5));
        try (var ignored = Tensor.noGrad()) {
            for (Tensor p : m.parameters()) if (p.dim() == 2) p.copyFrom(p.mul(5f));
        }
        return LanguageModel.of(m, CHARS);
    }

    @Test
    void streamsTheSameTextItReturnsAndRunsPastTheContext() {
        LanguageModel lm = charModel(16);
        List<String> pieces = new ArrayList<>();
        var options = new GenerateOptions(40, 0.9f, 0, 1f, 1f, 3, List.of());
        String text = lm.generate("abc", options, pieces::add);
        assertThat(text).hasSize(40);                   // 40 tokens with a 16-token context
        assertThat(String.join("", pieces)).isEqualTo(text);
        assertThat(pieces).hasSize(40);                 // one piece per character token
        int[] tokens = {0};
        assertThat(lm.generate("abc", options, null, id -> tokens[0]++)).isEqualTo(text); // seeded
        assertThat(tokens[0]).isEqualTo(40);
    }

    @Test
    void stopsAtAStopStringWithoutEmittingIt() {
        LanguageModel lm = charModel(32);
        String free = lm.generate("ab", GenerateOptions.greedy(30), null);
        String stop = free.substring(6, 8);
        int at = free.indexOf(stop);
        StringBuilder streamed = new StringBuilder();
        String cut = lm.generate("ab", new GenerateOptions(30, 0f, 0, 1f, 1f, 0, List.of(stop, "zzz")), streamed::append);
        assertThat(cut).isEqualTo(free.substring(0, at));
        assertThat(streamed.toString()).isEqualTo(cut);
    }

    @Test
    void completionsCarryTokensLogprobsAndWhyTheyStopped() {
        LanguageModel lm = charModel(32);
        var free = lm.complete("ab", GenerateOptions.greedy(12), null);
        assertThat(free.stopReason()).isEqualTo(Completion.StopReason.LENGTH);
        assertThat(free.tokens()).hasSize(12);
        assertThat(free.logprobs()).hasSize(12);
        for (float l : free.logprobs()) assertThat(l).isLessThanOrEqualTo(0f);
        assertThat(free.text()).isEqualTo(lm.generate("ab", GenerateOptions.greedy(12), null));
        var cut = lm.complete("ab", GenerateOptions.greedy(12).withStop(List.of(free.text().substring(3, 5))), null);
        assertThat(cut.stopReason()).isEqualTo(Completion.StopReason.STOP_STRING);
        assertThat(free.text()).startsWith(cut.text());
    }

    @Test
    void aGeneratorKeepingItsCacheRereadsOnlyWhatChanged() {
        LanguageModel lm = charModel(64);
        int[] first = CHARS.encode("abc abd ");
        int[] second = CHARS.encode("abc abd ef gh");
        Generator kept = Generator.keepingCache(lm.model());
        lm.complete(first, GenerateOptions.greedy(5), null, null, kept);
        var reused = lm.complete(second, GenerateOptions.greedy(10), null, null, kept);
        assertThat(kept.reusedPositions()).isEqualTo(first.length);
        var fresh = lm.complete(second, GenerateOptions.greedy(10), null, null, new Generator(lm.model()));
        assertThat(reused.tokens()).isEqualTo(fresh.tokens());
        for (int i = 0; i < fresh.logprobs().length; i++) {
            assertThat(reused.logprobs()[i]).isCloseTo(fresh.logprobs()[i], org.assertj.core.api.Assertions.within(1e-4f));
        }
    }

    @Test
    void byteLevelTokensAreEmittedAsWholeCharacters() {
        // 256 single-byte tokens and no merges: every CJK character is three tokens.
        ByteLevelBpe bytes = ByteLevelBpe.train("春眠不覺曉", 257, List.of(ByteLevelBpe.END_OF_TEXT));
        List<String> pieces = new ArrayList<>();
        var stream = new LanguageModel.TextStream(bytes, List.of(), pieces::add, false);
        for (int id : bytes.encode("春眠a")) stream.accept(id);
        assertThat(pieces).containsExactly("春", "眠", "a");
        assertThat(stream.finish()).isEqualTo("春眠a");

        // A stop string split across tokens and characters is still caught, and nothing of it is emitted.
        List<String> out = new ArrayList<>();
        var stopping = new LanguageModel.TextStream(bytes, List.of("不覺"), out::add, false);
        for (int id : bytes.encode("春眠不覺曉")) {
            stopping.accept(id);
            if (stopping.stopped()) break;
        }
        assertThat(stopping.stopped()).isTrue();
        assertThat(String.join("", out)).isEqualTo("春眠");
        assertThat(stopping.finish()).isEqualTo("春眠");
    }

    @Test
    void completeUtf8PrefixHoldsBackOnlyAnUnfinishedCharacter() {
        byte[] chun = "春".getBytes(StandardCharsets.UTF_8);
        byte[] emoji = "😀".getBytes(StandardCharsets.UTF_8);
        assertThat(LanguageModel.TextStream.completeUtf8Prefix(new byte[] {'a', chun[0], chun[1]})).isEqualTo(1);
        assertThat(LanguageModel.TextStream.completeUtf8Prefix(chun)).isEqualTo(3);
        assertThat(LanguageModel.TextStream.completeUtf8Prefix(new byte[] {emoji[0], emoji[1], emoji[2]})).isEqualTo(0);
        assertThat(LanguageModel.TextStream.completeUtf8Prefix(emoji)).isEqualTo(4);
    }

    @Test
    void loadsACheckpointDirectory() throws Exception {
        LanguageModel lm = charModel(16);
        Path dir = tmp.resolve("model");
        Checkpoint.save(dir, lm.model(), lm.tokenizer(), null, null);
        LanguageModel loaded = LanguageModel.load(dir);
        String text = "abc defg\nhab cafe bad gab";
        assertThat(loaded.perplexity(text).meanNll()).isEqualTo(lm.perplexity(text).meanNll());
        assertThat(loaded.generate("ab", GenerateOptions.greedy(10), null)).isEqualTo(lm.generate("ab", GenerateOptions.greedy(10), null));
        assertThat(loaded.generate("", GenerateOptions.greedy(5), null)).hasSize(5); // starts from a newline
    }
}
