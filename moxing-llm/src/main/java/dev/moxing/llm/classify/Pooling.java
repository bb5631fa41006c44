package dev.moxing.llm.classify;

/**
 * How a sequence's hidden states (T, C) become one vector (C) for the classification head. Both
 * read real tokens only: sequences are right-padded, and in a causal decoder no real position
 * attends to the padding after it, so padding never leaks in as long as it is left out here.
 */
public enum Pooling {
    /** The last real token's state: in a causal decoder, the only position that has seen the whole text. */
    LAST,
    /** The mean of the real tokens' states. */
    MEAN;

    /** Per-position weights (B·T, row-major) that sum each sequence's states into its pooled vector. */
    float[] weights(int[] lengths, int t) {
        float[] w = new float[lengths.length * t];
        for (int b = 0; b < lengths.length; b++) {
            int n = lengths[b];
            if (n < 1 || n > t) throw new IllegalArgumentException("sequence length " + n + " not in [1, " + t + "]");
            if (this == LAST) {
                w[b * t + n - 1] = 1f;
            } else {
                for (int i = 0; i < n; i++) w[b * t + i] = 1f / n;
            }
        }
        return w;
    }
}
