package dev.moxing.llm.generate;

import java.util.List;

/**
 * Decoding settings; {@link Sampler} applies them in llama.cpp's default order:
 * penalties → top-k → top-p → min-p → temperature → seeded draw.
 *
 * <ul>
 *   <li>{@code temperature} 0 means greedy (the most likely token after penalties);
 *   <li>{@code topK} 0, {@code topP} 1 and {@code minP} 0 disable those filters. Top-p and min-p
 *       look at the probabilities <em>before</em> temperature (as llama.cpp), over the tokens the
 *       previous filter kept; min-p keeps tokens with p ≥ minP · p_max;
 *   <li>{@code repetitionPenalty} 1 disables it (CTRL-style, over the prompt and the generated
 *       tokens: positive logits of seen tokens divided, negative multiplied);
 *   <li>{@code frequencyPenalty} and {@code presencePenalty} 0 disable them (OpenAI-style, over
 *       the generated tokens only, not the prompt: logit −= count · frequency + (count > 0) · presence).
 * </ul>
 * Generation stops at maxTokens, at an end-of-text token, or when the decoded text ends with one of
 * the stop strings (which is then not emitted).
 *
 * <p>The record grew: the seven-argument constructor and the factories keep their meaning (new
 * settings off); set the others with the {@code with…} methods.
 */
public record GenerateOptions(int maxTokens, float temperature, int topK, float topP, float repetitionPenalty,
                              long seed, List<String> stop, float minP, float frequencyPenalty, float presencePenalty) {
    public GenerateOptions {
        if (maxTokens < 0) throw new IllegalArgumentException("maxTokens must be >= 0, got " + maxTokens);
        if (!(temperature >= 0) || Float.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("topK must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        if (!(repetitionPenalty > 0) || Float.isInfinite(repetitionPenalty)) throw new IllegalArgumentException("repetitionPenalty must be > 0, got " + repetitionPenalty);
        if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("minP must be in [0, 1], got " + minP);
        if (!Float.isFinite(frequencyPenalty)) throw new IllegalArgumentException("frequencyPenalty must be finite, got " + frequencyPenalty);
        if (!Float.isFinite(presencePenalty)) throw new IllegalArgumentException("presencePenalty must be finite, got " + presencePenalty);
        stop = List.copyOf(stop);
    }

    /** The original settings; min-p, frequency and presence penalties off. */
    public GenerateOptions(int maxTokens, float temperature, int topK, float topP, float repetitionPenalty,
                           long seed, List<String> stop) {
        this(maxTokens, temperature, topK, topP, repetitionPenalty, seed, stop, 0f, 0f, 0f);
    }

    public static GenerateOptions greedy(int maxTokens) {
        return new GenerateOptions(maxTokens, 0f, 0, 1f, 1f, 0, List.of());
    }

    public static GenerateOptions sampling(int maxTokens, float temperature, int topK, float topP, long seed) {
        return new GenerateOptions(maxTokens, temperature, topK, topP, 1f, seed, List.of());
    }

    public GenerateOptions withMaxTokens(int v) {
        return new GenerateOptions(v, temperature, topK, topP, repetitionPenalty, seed, stop, minP, frequencyPenalty, presencePenalty);
    }

    public GenerateOptions withTemperature(float v) {
        return new GenerateOptions(maxTokens, v, topK, topP, repetitionPenalty, seed, stop, minP, frequencyPenalty, presencePenalty);
    }

    public GenerateOptions withTopK(int v) {
        return new GenerateOptions(maxTokens, temperature, v, topP, repetitionPenalty, seed, stop, minP, frequencyPenalty, presencePenalty);
    }

    public GenerateOptions withTopP(float v) {
        return new GenerateOptions(maxTokens, temperature, topK, v, repetitionPenalty, seed, stop, minP, frequencyPenalty, presencePenalty);
    }

    public GenerateOptions withMinP(float v) {
        return new GenerateOptions(maxTokens, temperature, topK, topP, repetitionPenalty, seed, stop, v, frequencyPenalty, presencePenalty);
    }

    public GenerateOptions withRepetitionPenalty(float v) {
        return new GenerateOptions(maxTokens, temperature, topK, topP, v, seed, stop, minP, frequencyPenalty, presencePenalty);
    }

    public GenerateOptions withFrequencyPenalty(float v) {
        return new GenerateOptions(maxTokens, temperature, topK, topP, repetitionPenalty, seed, stop, minP, v, presencePenalty);
    }

    public GenerateOptions withPresencePenalty(float v) {
        return new GenerateOptions(maxTokens, temperature, topK, topP, repetitionPenalty, seed, stop, minP, frequencyPenalty, v);
    }

    public GenerateOptions withSeed(long v) {
        return new GenerateOptions(maxTokens, temperature, topK, topP, repetitionPenalty, v, stop, minP, frequencyPenalty, presencePenalty);
    }

    public GenerateOptions withStop(List<String> v) {
        return new GenerateOptions(maxTokens, temperature, topK, topP, repetitionPenalty, seed, v, minP, frequencyPenalty, presencePenalty);
    }
}
