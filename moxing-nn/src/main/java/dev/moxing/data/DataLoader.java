package dev.moxing.data;

import dev.moxing.random.Rng;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Batches of a {@link Dataset}, epoch after epoch: each {@code for (Batch b : loader)} is one epoch.
 *
 * <pre>{@code
 * DataLoader loader = DataLoader.builder(train)
 *         .batchSize(64).shuffle(new Rng(42)).dropLast(true)
 *         .transform(Transforms.randomHorizontalFlip(new Rng(7)))
 *         .build();
 * for (int epoch = 0; epoch < 10; epoch++)
 *     for (Batch b : loader) step(b.x(), b.y());
 * }</pre>
 *
 * <p>Shuffling draws a new permutation from the loader's {@link Rng} at the start of each epoch,
 * on the caller's thread, so the same seed gives the same batches in the same order. With
 * {@link Builder#seed} instead, epoch e shuffles (and reseeds the random transforms) from
 * generators derived from (seed, e) alone, so {@link #epoch(int) epoch(e)} is the same batches
 * whether or not epochs 0 … e − 1 ran before it: what resuming a training run needs. With
 * prefetching on (the default) a daemon thread gathers and transforms the next batches while the
 * current one trains; see {@link Epoch}. Starting a new epoch closes the previous one, so a loop
 * left with {@code break} does not leave a thread behind.
 */
public final class DataLoader implements Iterable<Batch>, AutoCloseable {
    /** Batches the prefetch thread may have ready ahead of the consumer. */
    static final int PREFETCH_DEPTH = 2;

    private final Dataset dataset;
    private final int batchSize;
    private final Rng shuffle;
    private final Long epochSeed;
    private final boolean dropLast;
    private final boolean prefetch;
    private final List<Transform> transforms;
    private Epoch current;
    private int nextEpoch;

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.epochSeed = b.epochSeed;
        this.dropLast = b.dropLast;
        this.prefetch = b.prefetch;
        this.transforms = List.copyOf(b.transforms);
    }

    public static Builder builder(Dataset dataset) {
        return new Builder(dataset);
    }

    /** Options, with the defaults: batch size 32, no shuffle, keep the last partial batch, prefetch on. */
    public static final class Builder {
        private final Dataset dataset;
        private int batchSize = 32;
        private Rng shuffle;
        private Long epochSeed;
        private boolean dropLast;
        private boolean prefetch = true;
        private final List<Transform> transforms = new ArrayList<>();

        private Builder(Dataset dataset) {
            if (dataset == null) throw new IllegalArgumentException("DataLoader: dataset must not be null");
            this.dataset = dataset;
        }

        public Builder batchSize(int batchSize) {
            if (batchSize <= 0) throw new IllegalArgumentException("DataLoader: batchSize must be positive, got " + batchSize);
            this.batchSize = batchSize;
            return this;
        }

        /** Shuffles every epoch with permutations drawn from {@code rng} (null: keep the dataset order). */
        public Builder shuffle(Rng rng) {
            this.shuffle = rng;
            this.epochSeed = null;
            return this;
        }

        /**
         * Shuffles every epoch from a generator seeded by (seed, epoch number), and reseeds every
         * transform from it ({@link Transform#reseed}): epoch e's batches depend on seed and e only.
         */
        public Builder seed(long seed) {
            this.epochSeed = seed;
            this.shuffle = null;
            return this;
        }

        /** Shuffles every epoch, seeded. */
        public Builder shuffle(long seed) {
            return shuffle(new Rng(seed));
        }

        /** Drops the last batch when it would be smaller than batchSize. */
        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /** Prepares batches on a background thread (default); off, they are prepared in next(). */
        public Builder prefetch(boolean prefetch) {
            this.prefetch = prefetch;
            return this;
        }

        /** Appends a transform, applied to every batch after those added before it. */
        public Builder transform(Transform t) {
            if (t == null) throw new IllegalArgumentException("DataLoader: transform must not be null");
            transforms.add(t);
            return this;
        }

        public DataLoader build() {
            return new DataLoader(this);
        }
    }

    public Dataset dataset() {
        return dataset;
    }

    public int batchSize() {
        return batchSize;
    }

    public int batchesPerEpoch() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /**
     * Starts the next epoch: closes the previous one if still open, draws the sample order, and
     * (with prefetching) starts preparing the first batches.
     */
    public synchronized Epoch epoch() {
        return epoch(nextEpoch);
    }

    /**
     * Starts epoch number {@code index} (from 0). With {@link Builder#seed} its order and
     * augmentation depend on the index alone; otherwise the index only counts and the order is
     * the shuffle generator's next permutation.
     */
    public synchronized Epoch epoch(int index) {
        if (index < 0) throw new IllegalArgumentException("DataLoader: negative epoch index " + index);
        if (current != null) current.close();
        nextEpoch = index + 1;
        int n = dataset.size();
        int[] order;
        if (epochSeed != null) {
            Rng rng = epochRng(epochSeed, index);
            order = rng.permutation(n);
            for (Transform t : transforms) t.reseed(rng.nextLong());
        } else {
            order = shuffle != null ? shuffle.permutation(n) : Dataset.identity(n);
        }
        current = new Epoch(this::prepare, order, batchSize, batchesPerEpoch(), prefetch ? PREFETCH_DEPTH : 0);
        return current;
    }

    /** The generator of epoch {@code index}: seeds mixed so that neighbouring (seed, epoch) pairs share no stream. */
    static Rng epochRng(long seed, int index) {
        return new Rng(seed * 0x9E3779B97F4A7C15L + 0xD1B54A32D192ED03L * (index + 1L));
    }

    /** A new epoch (see {@link #epoch()}). */
    @Override
    public Epoch iterator() {
        return epoch();
    }

    /** Stops the current epoch's prefetch thread, if any. */
    @Override
    public synchronized void close() {
        if (current != null) current.close();
    }

    /** Gathers rows {@code order[from, to)} and runs the transforms over them. */
    private Batch prepare(int[] order, int from, int to) {
        Batch b = dataset.get(Arrays.copyOfRange(order, from, to));
        for (Transform t : transforms) b = t.apply(b);
        return b;
    }

    @Override
    public String toString() {
        return "DataLoader(" + dataset.size() + " samples, batchSize " + batchSize + ", " + batchesPerEpoch()
                + " batches/epoch" + (shuffle != null || epochSeed != null ? ", shuffled" : "") + (dropLast ? ", dropLast" : "")
                + (transforms.isEmpty() ? "" : ", transforms " + transforms) + ")";
    }
}
