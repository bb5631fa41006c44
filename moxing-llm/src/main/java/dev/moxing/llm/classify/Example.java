package dev.moxing.llm.classify;

/** A text and the index of its class. */
public record Example(String text, int label) {
}
