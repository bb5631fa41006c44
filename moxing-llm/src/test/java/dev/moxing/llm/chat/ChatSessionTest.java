package dev.moxing.llm.chat;

import dev.moxing.llm.LanguageModel;
import dev.moxing.llm.generate.Completion;
import dev.moxing.llm.generate.GenerateOptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ChatSessionTest {
    static final Path STORIES = Path.of("src/test/resources/models/stories260K/stories260K.gguf");

    @Test
    void aModelWithoutTemplateChatsInTheFallbackFormatWithOneBos() throws IOException {
        LanguageModel lm = LanguageModel.load(STORIES);
        assertThat(lm.hasChatTemplate()).isFalse();
        assertThat(lm.chatTemplate().isFallback()).isTrue();
        int[] ids = lm.chatPrompt(List.of(Message.user("Lily")));
        int bos = lm.tokenizer().bosId().getAsInt();
        assertThat(ids[0]).isEqualTo(bos);
        assertThat(ids[1]).isNotEqualTo(bos);
        assertThat(lm.tokenizer().decode(ids)).isEqualTo("User: Lily\nAssistant:");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = dev.moxing.llm.model.KvCacheType.class, names = {"F32", "F16"})
    void aSessionKeepsHistoryReusesTheCacheAndResets(dev.moxing.llm.model.KvCacheType kvCache) throws IOException {
        LanguageModel lm = LanguageModel.load(STORIES, 0, kvCache); // Q8_0: stories260K's head dim 8 is not a multiple of 32
        ChatSession chat = new ChatSession(lm).system("Once upon a time");
        StringBuilder streamed = new StringBuilder();
        Completion first = chat.reply("Lily", GenerateOptions.greedy(40), streamed::append);
        assertThat(streamed.toString()).isEqualTo(first.text());
        assertThat(first.text()).doesNotContain("\nUser:");
        assertThat(chat.messages()).extracting(Message::role).containsExactly("system", "user", "assistant");
        assertThat(chat.messages().get(2).content()).isEqualTo(first.text().strip());

        // The same conversation from a fresh model call gives the same reply: greedy and stateless.
        assertThat(lm.chat(List.of(Message.system("Once upon a time"), Message.user("Lily")), GenerateOptions.greedy(40), null).text())
                .isEqualTo(first.text());

        Completion second = chat.reply("Tom", GenerateOptions.greedy(40), null);
        assertThat(chat.reusedPositions()).isGreaterThan(5); // system, first turn: already cached
        assertThat(chat.messages()).hasSize(5);
        var replayed = List.of(Message.system("Once upon a time"), Message.user("Lily"),
                Message.assistant(first.text().strip()), Message.user("Tom"));
        assertThat(second.text()).isEqualTo(lm.chat(replayed, GenerateOptions.greedy(40), null).text()); // the reused cache changes nothing

        chat.reset();
        assertThat(chat.messages()).containsExactly(Message.system("Once upon a time"));
    }
}
