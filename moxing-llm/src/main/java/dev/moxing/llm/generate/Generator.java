package dev.moxing.llm.generate;

import dev.moxing.llm.model.KvCache;
import dev.moxing.llm.model.KvCacheType;
import dev.moxing.llm.model.Transformer;
import dev.moxing.tensor.Tensor;

import java.util.Arrays;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;

/**
 * Autoregressive decoding with a KV cache: the prompt is processed in one batched forward pass,
 * then each new token costs a single position.
 *
 * <p>A generator made with {@link #keepingCache} keeps its cache between calls and re-reads only
 * the part of a new prompt that differs from what it last processed: a chat re-sends the whole
 * conversation each turn, and all but the newest message is already cached. It is then not safe
 * to share between threads.
 */
public final class Generator {
    private final Transformer model;
    private final boolean keep;
    private final KvCacheType cacheType;
    private KvCache cache;              // when keep: the positions of cachedIds
    private int[] cachedIds = new int[0];
    private int reused;

    public Generator(Transformer model) {
        this(model, KvCacheType.F32);
    }

    /** A generator whose KV cache stores keys and values as {@code cacheType} (checked against the model's head dim). */
    public Generator(Transformer model, KvCacheType cacheType) {
        this(model, false, cacheType);
    }

    private Generator(Transformer model, boolean keep, KvCacheType cacheType) {
        cacheType.checkHeadDim(model.config().headDim());
        this.model = model;
        this.keep = keep;
        this.cacheType = cacheType;
    }

    /** A generator that reuses its KV cache for the prefix a prompt shares with the previous call's tokens. */
    public static Generator keepingCache(Transformer model) {
        return keepingCache(model, KvCacheType.F32);
    }

    /** As {@link #keepingCache(Transformer)} with a cache of {@code cacheType}. */
    public static Generator keepingCache(Transformer model, KvCacheType cacheType) {
        return new Generator(model, true, cacheType);
    }

    /** What one call produced: the new tokens, their log-probabilities, and whether a stop token ended it. */
    public record Result(int[] tokens, float[] logprobs, boolean endToken) { }

    /**
     * Generates up to options.maxTokens() tokens after the prompt ids, calling onToken for each as it
     * is chosen. Stops early when {@code stopToken} (e.g. end-of-text; −1 for none) is drawn, or when
     * {@code shouldStop} says so after a token. Returns the new tokens.
     */
    public int[] generate(int[] prompt, GenerateOptions options, int stopToken, IntConsumer onToken, IntPredicate shouldStop) {
        return generate(prompt, options, stopToken < 0 ? new int[0] : new int[] {stopToken}, onToken, shouldStop);
    }

    /** As above, stopping at any of {@code stopTokens} (end-of-sequence, end-of-turn, …). */
    public int[] generate(int[] prompt, GenerateOptions options, int[] stopTokens, IntConsumer onToken, IntPredicate shouldStop) {
        return run(prompt, prompt.length, options, stopTokens, onToken, shouldStop).tokens();
    }

    /**
     * The general form: as above, where only the first {@code promptTokens} of {@code prompt} are
     * the caller's prompt and the rest were generated earlier (frequency and presence penalties
     * count those, see {@link GenerateOptions}).
     */
    public Result run(int[] prompt, int promptTokens, GenerateOptions options, int[] stopTokens, IntConsumer onToken,
                      IntPredicate shouldStop) {
        if (prompt.length == 0) throw new IllegalArgumentException("generate: the prompt needs at least one token");
        int context = model.config().contextLength();
        int budget = Math.min(options.maxTokens(), context - prompt.length);
        if (budget < 0) {
            throw new IllegalArgumentException("generate: prompt of " + prompt.length + " tokens exceeds the context length " + context);
        }
        Sampler sampler = new Sampler(options);
        int[] history = Arrays.copyOf(prompt, prompt.length + budget);
        float[] logprobs = new float[budget];
        int len = prompt.length;
        boolean endToken = false;
        model.eval();
        try (var ignored = Tensor.noGrad()) {
            KvCache kv = cacheFor(prompt);
            int fed = kv.length();
            Tensor logits = model.forwardLast(Tensor.ofInts(Arrays.copyOfRange(prompt, fed, prompt.length), 1, prompt.length - fed), kv);
            fed = prompt.length;
            for (int step = 0; step < budget; step++) {
                float[] last = logits.select(1, logits.size(1) - 1).toFloatArray();     // (V)
                int next = sampler.next(last, history, Math.min(promptTokens, prompt.length), len);
                if (contains(stopTokens, next)) {
                    endToken = true;
                    break;
                }
                logprobs[len - prompt.length] = (float) sampler.lastLogprob();
                history[len++] = next;
                if (onToken != null) onToken.accept(next);
                if (shouldStop != null && shouldStop.test(next)) break;
                if (step + 1 < budget) {
                    logits = model.forwardLast(Tensor.ofInts(new int[] {next}, 1, 1), kv);
                    fed++;
                }
            }
            if (keep) cachedIds = Arrays.copyOf(history, fed);
        }
        return new Result(Arrays.copyOfRange(history, prompt.length, len), Arrays.copyOf(logprobs, len - prompt.length), endToken);
    }

    /** A fresh cache, or when keeping one, the kept cache cut back to what it shares with the prompt. */
    private KvCache cacheFor(int[] prompt) {
        if (!keep) return model.newCache(cacheType);
        if (cache == null) cache = model.newCache(cacheType);
        int common = 0;
        int max = Math.min(cachedIds.length, prompt.length - 1); // the last prompt token must be run for its logits
        while (common < max && cachedIds[common] == prompt[common]) common++;
        cache.truncate(Math.min(common, cache.length()));
        cachedIds = Arrays.copyOf(cachedIds, cache.length());
        reused = cache.length();
        return cache;
    }

    /** How many prompt positions the last call found already cached (always 0 without {@link #keepingCache}). */
    public int reusedPositions() {
        return reused;
    }

    private static boolean contains(int[] ids, int id) {
        for (int x : ids) if (x == id) return true;
        return false;
    }

    /** The same greedy decoding without a cache: re-runs the whole prefix per token (for tests and comparison). */
    public int[] greedyWithoutCache(int[] prompt, int maxTokens) {
        int[] history = Arrays.copyOf(prompt, prompt.length + maxTokens);
        int len = prompt.length;
        model.eval();
        try (var ignored = Tensor.noGrad()) {
            for (int step = 0; step < maxTokens && len < model.config().contextLength(); step++) {
                Tensor logits = model.forward(Tensor.ofInts(Arrays.copyOf(history, len), 1, len)); // (1, len, V)
                int next = Sampler.argmax(logits.select(1, len - 1).toFloatArray());
                history[len++] = next;
            }
        }
        return Arrays.copyOfRange(history, prompt.length, len);
    }
}
