package dev.moxing.llm.format;

import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A Llama model of a known shape with random weights — N(0, 0.02) matrices, norms of 1 — for
 * benchmarks: it runs at the speed of a trained model of that shape, without one to download.
 * Weights are drawn while the file is written, row by row, so even a large one needs no memory;
 * the same seed gives the same file. Like llama.cpp's llama2.c conversions (and the reference
 * files in ../shared/data/random-llama), the classifier is a matrix of its own, output.weight.
 */
public record RandomLlama(String name, int width, int hidden, int layers, int heads, int kvHeads, int vocab, int context) {
    /** llama2.c's stories15M shape. */
    public static final RandomLlama STORIES15M = new RandomLlama("stories15M", 288, 768, 6, 6, 6, 32000, 256);
    /** llama2.c's stories110M shape. */
    public static final RandomLlama STORIES110M = new RandomLlama("stories110M", 768, 2048, 12, 12, 12, 32000, 1024);
    /**
     * TinyLlama 1.1B's shape (grouped-query attention, 4 KV heads): a file of about 1 GB at Q8_0,
     * for the load-time and large-model benchmarks.
     */
    public static final RandomLlama TINYLLAMA = new RandomLlama("tinyllama-1.1B", 2048, 5632, 22, 32, 4, 32000, 2048);
    private static final List<RandomLlama> KNOWN = List.of(STORIES15M, STORIES110M, TINYLLAMA);
    private static final float STD = 0.02f;

    /** The shape called {@code name}; throws listing the known ones. */
    public static RandomLlama named(String name) {
        for (RandomLlama r : KNOWN) if (r.name.equals(name)) return r;
        throw new IllegalArgumentException("random:" + name + " is not a known shape; known: "
                + String.join(", ", KNOWN.stream().map(r -> "random:" + r.name).toList()));
    }

    public TransformerConfig config() {
        return TransformerConfig.llama(vocab, context, layers, heads, kvHeads, width, hidden, 1e-5f, 10000f, false)
                .withAttention(false, TransformerConfig.RotaryPairs.ADJACENT);
    }

    /** The model with {@code tokenizer}'s vocabulary (its size must be {@link #vocab}), weights drawn from {@code seed}. */
    public GgufExport.Model model(Tokenizer tokenizer, long seed) {
        TransformerConfig c = config();
        List<GgufExport.Item> items = new ArrayList<>();
        List<LlamaExport.Slot> slots = LlamaExport.slots(c);
        for (int i = 0; i < slots.size(); i++) {
            LlamaExport.Slot s = slots.get(i);
            GgufExport.Rows rows = s.shape().length == 1 ? ones(s.shape()[0]) : new Gaussian(seed, i, s.shape()[1]);
            items.add(new GgufExport.Item(s.gguf(), s.shape(), rows));
        }
        String what = name + " (random weights, seed " + seed + ")";
        return new GgufExport.Model(LlamaExport.metadata(c, what, tokenizer), items, List.of());
    }

    private static GgufExport.Rows ones(int cols) {
        return (first, count, dst, off) -> Arrays.fill(dst, off, off + count * cols, 1f);
    }

    /**
     * N(0, 0.02) rows from a generator of their own per tensor, so that a tensor's values do not
     * depend on how the writer chunks it. Reads go front to back; a read that goes back restarts.
     */
    private static final class Gaussian implements GgufExport.Rows {
        private final long seed;
        private final int cols;
        private SplittableRandom rng;
        private int next;

        Gaussian(long seed, int tensor, int cols) {
            this.seed = seed * 0x9E3779B97F4A7C15L + tensor;
            this.cols = cols;
        }

        @Override
        public void read(int first, int count, float[] dst, int off) {
            if (rng == null || first < next) {
                rng = new SplittableRandom(seed);
                next = 0;
            }
            for (; next < first; next++) for (int j = 0; j < cols; j++) rng.nextGaussian();
            for (int i = 0; i < count * cols; i++) dst[off + i] = (float) (rng.nextGaussian() * STD);
            next += count;
        }
    }
}
