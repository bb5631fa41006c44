package dev.moxing.llm.generate;

import dev.moxing.llm.model.KvCache;
import dev.moxing.llm.model.Transformer;
import dev.moxing.tensor.Tensor;

import java.util.function.IntConsumer;

/**
 * Autoregressive decoding with a KV cache: the prompt is processed in one batched forward pass,
 * then each new token costs a single position.
 */
public final class Generator {
    private final Transformer model;

    public Generator(Transformer model) {
        this.model = model;
    }

    /**
     * Generates up to options.maxTokens() tokens after the prompt ids, calling onToken for each as it
     * is chosen. Stops early when {@code stopToken} (e.g. end-of-text; −1 for none) is drawn, or when
     * {@code shouldStop} says so after a token. Returns the new tokens.
     */
    public int[] generate(int[] prompt, GenerateOptions options, int stopToken, IntConsumer onToken,
                          java.util.function.IntPredicate shouldStop) {
        return generate(prompt, options, stopToken < 0 ? new int[0] : new int[] {stopToken}, onToken, shouldStop);
    }

    /** As above, stopping at any of {@code stopTokens} (end-of-sequence, end-of-turn, …). */
    public int[] generate(int[] prompt, GenerateOptions options, int[] stopTokens, IntConsumer onToken,
                          java.util.function.IntPredicate shouldStop) {
        if (prompt.length == 0) throw new IllegalArgumentException("generate: the prompt needs at least one token");
        int context = model.config().contextLength();
        int budget = Math.min(options.maxTokens(), context - prompt.length);
        if (budget < 0) {
            throw new IllegalArgumentException("generate: prompt of " + prompt.length + " tokens exceeds the context length " + context);
        }
        Sampler sampler = new Sampler(options);
        int[] history = java.util.Arrays.copyOf(prompt, prompt.length + budget);
        int len = prompt.length;
        model.eval();
        try (var ignored = Tensor.noGrad()) {
            KvCache cache = model.newCache();
            Tensor logits = model.forwardLast(Tensor.ofInts(prompt, 1, prompt.length), cache); // (1, 1, V)
            for (int step = 0; step < budget; step++) {
                float[] last = logits.select(1, logits.size(1) - 1).toFloatArray();     // (V)
                int next = sampler.next(last, history, len);
                if (contains(stopTokens, next)) break;
                history[len++] = next;
                if (onToken != null) onToken.accept(next);
                if (shouldStop != null && shouldStop.test(next)) break;
                if (step + 1 < budget) logits = model.forwardLast(Tensor.ofInts(new int[] {next}, 1, 1), cache);
            }
        }
        return java.util.Arrays.copyOfRange(history, prompt.length, len);
    }

    private static boolean contains(int[] ids, int id) {
        for (int x : ids) if (x == id) return true;
        return false;
    }

    /** The same greedy decoding without a cache: re-runs the whole prefix per token (for tests and comparison). */
    public int[] greedyWithoutCache(int[] prompt, int maxTokens) {
        int[] history = java.util.Arrays.copyOf(prompt, prompt.length + maxTokens);
        int len = prompt.length;
        model.eval();
        try (var ignored = Tensor.noGrad()) {
            for (int step = 0; step < maxTokens && len < model.config().contextLength(); step++) {
                Tensor logits = model.forward(Tensor.ofInts(java.util.Arrays.copyOf(history, len), 1, len)); // (1, len, V)
                int next = Sampler.argmax(logits.select(1, len - 1).toFloatArray());
                history[len++] = next;
            }
        }
        return java.util.Arrays.copyOfRange(history, prompt.length, len);
    }
}
