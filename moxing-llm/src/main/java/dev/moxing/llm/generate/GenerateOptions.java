package dev.moxing.llm.generate;

import java.util.List;

/**
 * Decoding settings. temperature 0 means greedy; topK 0 and topP 1 disable those filters;
 * repetitionPenalty 1 disables it (CTRL-style: positive logits of seen tokens divided, negative
 * multiplied). Generation stops at maxTokens, at an end-of-text token, or when the decoded text
 * ends with one of the stop strings (which is then not emitted).
 */
public record GenerateOptions(int maxTokens, float temperature, int topK, float topP, float repetitionPenalty,
                              long seed, List<String> stop) {
    public GenerateOptions {
        if (maxTokens < 0) throw new IllegalArgumentException("maxTokens must be >= 0, got " + maxTokens);
        if (!(temperature >= 0) || Float.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("topK must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        if (!(repetitionPenalty > 0) || Float.isInfinite(repetitionPenalty)) throw new IllegalArgumentException("repetitionPenalty must be > 0, got " + repetitionPenalty);
        stop = List.copyOf(stop);
    }

    public static GenerateOptions greedy(int maxTokens) {
        return new GenerateOptions(maxTokens, 0f, 0, 1f, 1f, 0, List.of());
    }

    public static GenerateOptions sampling(int maxTokens, float temperature, int topK, float topP, long seed) {
        return new GenerateOptions(maxTokens, temperature, topK, topP, 1f, seed, List.of());
    }
}
