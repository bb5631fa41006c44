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
    private final boolean dropLast;
    private final boolean prefetch;
    private final List<Transform> transforms;
    private Epoch current;

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
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
     * Starts an epoch: closes the previous one if still open, draws the sample order, and (with
     * prefetching) starts preparing the first batches.
     */
    public synchronized Epoch epoch() {
        if (current != null) current.close();
        int n = dataset.size();
        int[] order = shuffle != null ? shuffle.permutation(n) : Dataset.identity(n);
        current = new Epoch(this::prepare, order, batchSize, batchesPerEpoch(), prefetch ? PREFETCH_DEPTH : 0);
        return current;
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
                + " batches/epoch" + (shuffle != null ? ", shuffled" : "") + (dropLast ? ", dropLast" : "")
                + (transforms.isEmpty() ? "" : ", transforms " + transforms) + ")";
    }
}
