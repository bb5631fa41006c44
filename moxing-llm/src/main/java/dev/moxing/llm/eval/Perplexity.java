package dev.moxing.llm.eval;

import dev.moxing.llm.model.KvCache;
import dev.moxing.llm.model.KvCacheType;
import dev.moxing.llm.model.Transformer;
import dev.moxing.tensor.Tensor;

import java.util.Locale;

/**
 * Mean negative log-likelihood (nats per token) and perplexity of a token sequence under a model.
 *
 * <p>Texts longer than the context are scored with a sliding window: the first window scores all
 * its positions; each later window moves {@code stride} tokens on and scores only its last
 * {@code stride} positions, so every token after the first is scored exactly once, with
 * {@code min(position, context − stride + 1)} or more tokens of left context. A stride equal to the
 * context is fastest (non-overlapping windows; a token at a window start sees little context); a
 * stride of 1 gives every token the full context at one forward pass per token. The first token
 * has no left context and is never scored, so a text of n tokens gives n − 1 scores.
 */
public final class Perplexity {
    /** Windows evaluated per forward pass (all but the last window have the same length). */
    private static final int BATCH = 8;

    private Perplexity() {
    }

    /** The result: tokens scored, their summed and mean negative log-likelihood. */
    public record Result(long tokens, double totalNll) {
        public double meanNll() {
            return totalNll / tokens;
        }

        public double perplexity() {
            return Math.exp(meanNll());
        }

        /** Bits per token: mean NLL / ln 2. */
        public double bitsPerToken() {
            return meanNll() / Math.log(2);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d tokens: mean NLL %.4f nats/token, perplexity %.3f", tokens, meanNll(),
                    perplexity());
        }
    }

    /** {@link #of(Transformer, int[], int, int)} with the model's context and half of it as stride. */
    public static Result of(Transformer model, int[] ids) {
        int context = model.config().contextLength();
        return of(model, ids, context, Math.max(1, context / 2));
    }

    public static Result of(Transformer model, int[] ids, int context, int stride) {
        return of(model, ids, context, stride, KvCacheType.F32);
    }

    /**
     * As above; with an F16 or Q8_0 {@code kvCache} each window runs through a fresh cache of that
     * type, so attention sees keys and values rounded as generation would (llama.cpp's perplexity
     * with {@code -ctk/-ctv}). F32 runs without a cache: the same numbers, no buffers.
     */
    public static Result of(Transformer model, int[] ids, int context, int stride, KvCacheType kvCache) {
        kvCache.checkHeadDim(model.config().headDim());
        int max = model.config().contextLength();
        if (context < 1 || context > max) {
            throw new IllegalArgumentException("context must be in [1, " + max + "] (the model's context length), got " + context);
        }
        if (stride < 1 || stride > context) {
            throw new IllegalArgumentException("stride must be in [1, context=" + context + "], got " + stride);
        }
        if (ids.length < 2) {
            throw new IllegalArgumentException("perplexity needs at least 2 tokens (the first is only context), got " + ids.length);
        }
        // Windows over input positions [begin, end): they predict targets begin+1 .. end, of which
        // those after `scored` are new. Targets are 1 .. n-1.
        int last = ids.length - 1;
        int windows = 1 + (int) Math.max(0, ((long) last - Math.min(context, last) + stride - 1) / stride);
        int[] ends = new int[windows];
        for (int w = 0; w < windows; w++) ends[w] = Math.min(last, Math.min(context, last) + w * stride);
        double total = 0;
        model.eval();
        try (var ignored = Tensor.noGrad()) {
            for (int w = 0; w < windows; ) {
                int len = Math.min(context, ends[w]);
                int n = 1;                                  // batch the windows of this length
                while (n < BATCH && w + n < windows && Math.min(context, ends[w + n]) == len) n++;
                int[] input = new int[n * len];
                for (int i = 0; i < n; i++) System.arraycopy(ids, ends[w + i] - len, input, i * len, len);
                KvCache cache = kvCache == KvCacheType.F32 ? null : new KvCache(model.config().layers(), len, kvCache);
                float[] logits = model.forward(Tensor.ofInts(input, n, len), cache).toFloatArray(); // (n, len, V)
                int v = model.config().vocabSize();
                for (int i = 0; i < n; i++) {
                    int end = ends[w + i], begin = end - len;
                    int firstNew = w + i == 0 ? 1 : ends[w + i - 1] + 1;
                    for (int target = firstNew; target <= end; target++) {
                        int row = i * len + (target - 1 - begin);
                        total += nll(logits, row * v, v, ids[target]);
                    }
                }
                w += n;
            }
        }
        return new Result(last, total);
    }

    /** −log softmax(row)[target], in double precision. */
    static double nll(float[] logits, int offset, int v, int target) {
        if (target < 0 || target >= v) throw new IllegalArgumentException("token id " + target + " is outside the vocabulary [0, " + v + ")");
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < v; j++) max = Math.max(max, logits[offset + j]);
        double sum = 0;
        for (int j = 0; j < v; j++) sum += Math.exp(logits[offset + j] - max);
        return max + Math.log(sum) - logits[offset + target];
    }
}
