/**
 * Conversations with a language model: {@link dev.moxing.llm.chat.Message}s rendered into a
 * prompt by the model's own Jinja chat template ({@link dev.moxing.llm.chat.ChatTemplate}), and
 * a {@link dev.moxing.llm.chat.ChatSession} that keeps the history between turns.
 */
package dev.moxing.llm.chat;
