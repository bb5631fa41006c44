package dev.moxing.llm.train;

import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;

import java.util.Arrays;

/**
 * A tokenized corpus cut into a training part (the first 90%) and a validation part (the rest), as
 * nanoGPT does: the validation text is text the model never trains on, not a random sample of
 * windows that overlap the training ones.
 */
public final class TokenSplit {
    public static final double TRAIN_FRACTION = 0.9;

    private final int[] train;
    private final int[] val;

    /** One (B, T) batch of inputs and its (B·T) next-token targets. */
    public record Batch(Tensor inputs, Tensor targets) {
    }

    private TokenSplit(int[] train, int[] val) {
        this.train = train;
        this.val = val;
    }

    /**
     * Splits {@code ids}; both parts must hold at least one window of {@code context + 1} tokens.
     * {@code source} names the corpus in the error message.
     */
    public static TokenSplit of(int[] ids, int context, String source) {
        int cut = (int) (ids.length * TRAIN_FRACTION);
        int need = context + 1;
        if (cut < need || ids.length - cut < need) {
            int minimum = (int) Math.ceil(need / (1 - TRAIN_FRACTION));
            throw new IllegalArgumentException(source + " is too short: " + ids.length + " tokens, but a context of "
                    + context + " needs windows of " + need + " tokens in both the training (90%) and the validation"
                    + " (10%) part, so at least " + minimum + " tokens; use more text or a smaller --context");
        }
        return new TokenSplit(Arrays.copyOfRange(ids, 0, cut), Arrays.copyOfRange(ids, cut, ids.length));
    }

    public int trainTokens() {
        return train.length;
    }

    public int valTokens() {
        return val.length;
    }

    public Batch trainBatch(Rng rng, int batch, int context) {
        return sample(train, rng, batch, context);
    }

    public Batch valBatch(Rng rng, int batch, int context) {
        return sample(val, rng, batch, context);
    }

    /** B windows of T+1 tokens at uniform random starts: inputs are the first T, targets the last T. */
    static Batch sample(int[] part, Rng rng, int batch, int context) {
        int[] x = new int[batch * context], y = new int[batch * context];
        for (int b = 0; b < batch; b++) {
            int start = rng.nextInt(part.length - context); // start + context is the last target, < length
            System.arraycopy(part, start, x, b * context, context);
            System.arraycopy(part, start + 1, y, b * context, context);
        }
        return new Batch(Tensor.ofInts(x, batch, context), Tensor.ofInts(y, batch * context));
    }
}
