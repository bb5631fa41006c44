package dev.moxing.llm.chat;

import dev.moxing.llm.LanguageModel;
import dev.moxing.llm.generate.Completion;
import dev.moxing.llm.generate.GenerateOptions;
import dev.moxing.llm.generate.Generator;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A conversation with a model: keeps the messages, re-renders the whole conversation with the
 * model's chat template each turn, and keeps the KV cache of the previous turn so that only the
 * new part of the prompt is read again. Not thread-safe.
 *
 * <pre>{@code
 * ChatSession chat = new ChatSession(LanguageModel.load(path)).system("You are terse.");
 * chat.reply("Hi!", GenerateOptions.greedy(200), System.out::print);
 * }</pre>
 */
public final class ChatSession {
    private final LanguageModel model;
    private final Generator generator;
    private final List<Message> turns = new ArrayList<>(); // user and assistant messages
    private String system = "";

    public ChatSession(LanguageModel model) {
        this.model = model;
        this.generator = model.newGenerator(true);
    }

    /** Sets the system prompt (empty for none); it applies from the next reply on. */
    public ChatSession system(String text) {
        this.system = text == null ? "" : text;
        return this;
    }

    public String system() {
        return system;
    }

    /** Forgets the conversation (the system prompt stays). */
    public void reset() {
        turns.clear();
    }

    /** The conversation as the template sees it: the system prompt, if any, then the turns. */
    public List<Message> messages() {
        List<Message> all = new ArrayList<>();
        if (!system.isEmpty()) all.add(Message.system(system));
        all.addAll(turns);
        return all;
    }

    public ChatTemplate template() {
        return model.chatTemplate();
    }

    /**
     * Adds the user's message, streams the assistant's reply to {@code onText} and adds it to the
     * conversation (without surrounding whitespace, as templates expect to wrap it). If the
     * template rejects the conversation, nothing is added.
     */
    public Completion reply(String userText, GenerateOptions options, Consumer<String> onText) {
        List<Message> next = messages();
        next.add(Message.user(userText));
        Completion c = model.chat(next, options, onText, generator);
        turns.add(Message.user(userText));
        turns.add(Message.assistant(c.text().strip()));
        return c;
    }

    /** How many prompt positions the last reply found already in the KV cache. */
    public int reusedPositions() {
        return generator.reusedPositions();
    }
}
