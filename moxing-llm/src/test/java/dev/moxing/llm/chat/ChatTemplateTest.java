package dev.moxing.llm.chat;

import dev.moxing.gguf.GgufFile;
import dev.moxing.tokenizer.GgufTokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChatTemplateTest {
    static final List<Message> CHAT = List.of(Message.system("You are terse."), Message.user("Hi  "),
            Message.assistant(" Hello! "), Message.user("Who are you?"));

    static ChatTemplate resource(String name, String bos, String eos) throws IOException {
        try (InputStream in = ChatTemplateTest.class.getResourceAsStream("/chat-templates/" + name)) {
            return ChatTemplate.of(new String(in.readAllBytes(), StandardCharsets.UTF_8), name, bos, eos);
        }
    }

    @Test
    void llama2PutsTheSystemPromptInTheFirstInstructionAndStripsContent() throws IOException {
        ChatTemplate t = resource("llama-2-chat.jinja", "<s>", "</s>");
        assertThat(t.render(CHAT, true)).isEqualTo(
                "<s>[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] Who are you? [/INST]");
        assertThat(t.render(List.of(Message.user("Hi")), true)).isEqualTo("<s>[INST] Hi [/INST]");
        // raise_exception: the template's own message, naming the template
        assertThatThrownBy(() -> t.render(List.of(Message.user("a"), Message.user("b")), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("llama-2-chat.jinja")
                .hasMessageContaining("Conversation roles must alternate user/assistant/user/assistant/...");
    }

    @Test
    void llama3TrimsContentAndOpensTheAssistantHeaderOnlyWhenAsked() throws IOException {
        ChatTemplate t = resource("llama-3-instruct.jinja", "<|begin_of_text|>", "<|eot_id|>");
        String head = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWho are you?<|eot_id|>";
        assertThat(t.render(CHAT, false)).isEqualTo(head);
        assertThat(t.render(CHAT, true)).isEqualTo(head + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(t.stopStrings()).containsExactly("<|eot_id|>", "<|start_header_id|>");
    }

    @Test
    void qwenChatMlAddsItsDefaultSystemPromptAndHandlesWhitespaceControl() throws IOException {
        ChatTemplate t = resource("qwen2.5-instruct.jinja", "", "<|im_end|>");
        assertThat(t.render(List.of(Message.user("Hi")), true)).isEqualTo(
                "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(t.render(CHAT, true)).isEqualTo(
                "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi  <|im_end|>\n"
                        + "<|im_start|>assistant\n Hello! <|im_end|>\n<|im_start|>user\nWho are you?<|im_end|>\n"
                        + "<|im_start|>assistant\n");
        assertThat(t.stopStrings()).containsExactly("<|im_end|>", "<|im_start|>");
    }

    @Test
    void zephyrLosesTheNewlinesAfterBlockTagsAsHuggingFaceRendersIt() throws IOException {
        ChatTemplate t = resource("zephyr.jinja", "<s>", "</s>");
        assertThat(t.render(CHAT, true)).isEqualTo("<|system|>\nYou are terse.</s>\n<|user|>\nHi  </s>\n"
                + "<|assistant|>\n Hello! </s>\n<|user|>\nWho are you?</s>\n<|assistant|>\n");
        assertThat(t.render(List.of(Message.user("Hi")), false)).isEqualTo("<|user|>\nHi</s>\n");
        assertThat(t.stopStrings()).containsExactly("<|user|>", "</s>");
    }

    @Test
    void phi3TemplateComesFromTheGgufMetadata() throws IOException {
        Path gguf = Path.of("src/test/resources/tokenizer/llama.cpp-vocab/ggml-vocab-phi-3.gguf");
        GgufFile f = GgufFile.open(gguf);
        ChatTemplate t = ChatTemplate.fromGguf(f, GgufTokenizers.load(f)).orElseThrow();
        assertThat(t.source()).isEqualTo("tokenizer.chat_template of ggml-vocab-phi-3.gguf");
        assertThat(t.bosToken()).isEqualTo("<s>");
        // Phi-3-mini's template drops system messages and always ends with the assistant tag.
        assertThat(t.render(CHAT, true)).isEqualTo("<s><|user|>\nHi  <|end|>\n<|assistant|>\n Hello! <|end|>\n"
                + "<|user|>\nWho are you?<|end|>\n<|assistant|>\n");
        assertThat(t.stopStrings()).contains("<|end|>", "<|user|>");
    }

    @Test
    void huggingFaceConfigTakesAStringOrTheDefaultOfANamedList(@TempDir Path dir) throws IOException {
        assertThat(ChatTemplate.fromHuggingFace(dir)).isEmpty();
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"bos_token": {"content": "<s>", "special": true}, "eos_token": "</s>",
                 "chat_template": [{"name": "tool_use", "template": "tools"},
                                   {"name": "default", "template": "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m['content'] }}{% endfor %}{{ eos_token }}"}]}
                """);
        ChatTemplate t = ChatTemplate.fromHuggingFace(dir).orElseThrow();
        assertThat(t.render(List.of(Message.user("a"), Message.assistant("b")), true)).isEqualTo("<s>[user]a[assistant]b</s>");
        assertThat(t.source()).contains("tokenizer_config.json").contains("default");

        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"chat_template": "{{ messages | length }}"}""");
        assertThat(ChatTemplate.fromHuggingFace(dir).orElseThrow().render(CHAT, true)).isEqualTo("4");

        Files.writeString(dir.resolve("chat_template.jinja"), "file:{{ messages[-1].content }}");
        assertThat(ChatTemplate.fromHuggingFace(dir).orElseThrow().render(CHAT, true)).isEqualTo("file:Who are you?");
    }

    @Test
    void pythonStringMethodsAndNamespacesWork() {
        ChatTemplate t = ChatTemplate.of("{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% endfor %}"
                + "{{ ns.n }}|{{ messages[1]['content'].strip() }}|{{ messages[1].content.rstrip() }}.|{{ messages[0].role.upper() }}"
                + "|{{ messages[0]['role'].title() + ':' }}|{% if messages[0].content.startswith('You') %}yes{% endif %}"
                + "|{{ messages[2:] | length }}|{% for m in messages %}{% if loop.last %}{{ m.content }}{% endif %}{% endfor %}",
                "inline", "", "");
        assertThat(t.render(CHAT, true)).isEqualTo("4|Hi|Hi.|SYSTEM|System:|yes|2|Who are you?");
    }

    @Test
    void aBrokenTemplateIsAClearErrorNamingItsSource() {
        ChatTemplate t = ChatTemplate.of("{% for m in messages %}{{ m.content }}", "model.gguf tokenizer.chat_template", "", "");
        assertThatThrownBy(() -> t.render(CHAT, true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("chat template (model.gguf tokenizer.chat_template) failed")
                .hasMessageContaining("endfor");
    }

    @Test
    void theFallbackIsPlainUserAndAssistantLines() {
        ChatTemplate t = ChatTemplate.fallback("<s>", "</s>");
        assertThat(t.isFallback()).isTrue();
        assertThat(t.render(CHAT, true)).isEqualTo("You are terse.\n\nUser: Hi  \nAssistant:  Hello! \nUser: Who are you?\nAssistant:");
        assertThat(t.stopStrings()).containsExactly("\nUser:");
    }
}
