package dev.moxing.data;

import dev.moxing.random.Rng;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Storage;
import dev.moxing.tensor.Tensor;

import java.util.Arrays;

/**
 * An in-memory dataset: features (N, …) and labels (N) or (N, K), row i of one belonging to row i
 * of the other. Features are F32 or I32 (token ids); labels are I32 class indices or F32 targets.
 *
 * <p>Both tensors are held as contiguous heap arrays (copied once here if they were views or
 * memory segments), so a batch is a handful of {@code System.arraycopy} calls. A dataset never
 * changes; {@link #split}, {@link #take} and {@link #subset} make new ones.
 */
public final class Dataset {
    private final Tensor features;
    private final Tensor labels;
    private final int n;

    private Dataset(Tensor features, Tensor labels) {
        this.features = features;
        this.labels = labels;
        this.n = features.size(0);
    }

    /** Two parts of a dataset, as made by {@link #split}. */
    public record Split(Dataset first, Dataset second) {
    }

    /**
     * A dataset over features x (N, …) and labels y (N) or (N, K). The tensors are used without
     * copying when they are contiguous heap tensors. Fails when the row counts differ, or naming
     * the first offending row when a float holds NaN or ±infinity (one bad value would otherwise
     * turn every weight into NaN a few steps into training).
     */
    public static Dataset of(Tensor x, Tensor y) {
        if (x.dim() < 1) throw new IllegalArgumentException("Dataset.of: features must have a sample dim (N, …), got a scalar");
        if (y.dim() < 1 || y.dim() > 2) {
            throw new IllegalArgumentException("Dataset.of: labels must be (N) or (N, K), got " + Shape.str(y.shape()));
        }
        if (x.size(0) != y.size(0)) {
            throw new IllegalArgumentException("Dataset.of: " + x.size(0) + " feature rows " + Shape.str(x.shape())
                    + " but " + y.size(0) + " label rows " + Shape.str(y.shape()));
        }
        Tensor fx = onHeap(x, "features");
        Tensor fy = onHeap(y, "labels");
        checkFinite(fx, "features");
        checkFinite(fy, "labels");
        return new Dataset(fx, fy);
    }

    /** Contiguous, detached, F32 or I32 heap storage: what {@link #gather} can copy rows from. */
    private static Tensor onHeap(Tensor t, String what) {
        Storage s = t.storage();
        boolean heap = s instanceof Storage.Floats || s instanceof Storage.Ints;
        if (heap && t.isContiguous()) return t.detach();
        if (t.dtype() == DType.I32) return Tensor.ofInts(t.toIntArray(), t.shape());
        if (t.dtype() != DType.F32 && t.dtype() != DType.F16 && t.dtype() != DType.BF16) {
            throw new IllegalArgumentException("Dataset.of: " + what + " of dtype " + t.dtype()
                    + " are not supported (use F32 or I32)");
        }
        return Tensor.fromArray(t.toFloatArray(), t.shape());
    }

    private static void checkFinite(Tensor t, String what) {
        if (!(t.storage() instanceof Storage.Floats f)) return;
        float[] d = f.data();
        int row = rowSize(t);
        for (int i = t.offset(), end = t.offset() + t.numel(); i < end; i++) {
            if (!Float.isFinite(d[i])) {
                int k = i - t.offset();
                throw new IllegalArgumentException("Dataset.of: " + what + " row " + k / row + " (element " + k % row
                        + " of the row, flat index " + k + ") is " + d[i] + "; clean or impute the data first");
            }
        }
    }

    /** Elements per row; safe for N = 0. */
    private static int rowSize(Tensor t) {
        int[] s = t.shape();
        return Shape.numel(Arrays.copyOfRange(s, 1, s.length));
    }

    public int size() {
        return n;
    }

    /** All features (N, …), shared with this dataset: do not write into it. */
    public Tensor features() {
        return features;
    }

    /** All labels (N) or (N, K), shared with this dataset: do not write into it. */
    public Tensor labels() {
        return labels;
    }

    /** The shape of one sample's features (the feature shape without N). */
    public int[] sampleShape() {
        int[] s = features.shape();
        return Arrays.copyOfRange(s, 1, s.length);
    }

    /** The rows at {@code indices}, in that order, as fresh tensors. */
    public Batch get(int[] indices) {
        for (int i : indices) {
            if (i < 0 || i >= n) throw new IndexOutOfBoundsException("Dataset.get: index " + i + " out of range for " + n + " samples");
        }
        return new Batch(gather(features, indices), gather(labels, indices));
    }

    /** A dataset of the rows at {@code indices} (copied). */
    public Dataset subset(int[] indices) {
        Batch b = get(indices);
        return new Dataset(b.x(), b.y());
    }

    /** The first {@code count} rows, or all of them when there are fewer (a view, no copy), like tf.data's take. */
    public Dataset take(int count) {
        if (count < 0) throw new IllegalArgumentException("Dataset.take: count must be >= 0, got " + count);
        int k = Math.min(count, n);
        return new Dataset(features.narrow(0, 0, k), labels.narrow(0, 0, k));
    }

    /**
     * Splits into a first part of round(fraction · N) rows and a second part of the rest, rows
     * drawn by a permutation from {@code rng} (or in order when rng is null). For a Keras-style
     * validation split of 10%: {@code split(0.9, rng)} → (train, validation).
     */
    public Split split(double fraction, Rng rng) {
        if (!(fraction > 0 && fraction < 1)) throw new IllegalArgumentException("Dataset.split: fraction must be in (0, 1), got " + fraction);
        int k = (int) Math.round(fraction * n);
        if (k == 0 || k == n) {
            throw new IllegalArgumentException("Dataset.split: fraction " + fraction + " of " + n + " samples leaves one part empty");
        }
        int[] order = rng != null ? rng.permutation(n) : identity(n);
        return new Split(subset(Arrays.copyOfRange(order, 0, k)), subset(Arrays.copyOfRange(order, k, n)));
    }

    static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return p;
    }

    /** Rows of a contiguous heap tensor, one arraycopy per row. */
    private static Tensor gather(Tensor t, int[] indices) {
        int row = rowSize(t);
        int[] shape = t.shape();
        shape[0] = indices.length;
        int base = t.offset();
        return switch (t.storage()) {
            case Storage.Floats f -> {
                float[] out = new float[indices.length * row];
                for (int j = 0; j < indices.length; j++) System.arraycopy(f.data(), base + indices[j] * row, out, j * row, row);
                yield Tensor.fromArray(out, shape);
            }
            case Storage.Ints v -> {
                int[] out = new int[indices.length * row];
                for (int j = 0; j < indices.length; j++) System.arraycopy(v.data(), base + indices[j] * row, out, j * row, row);
                yield Tensor.ofInts(out, shape);
            }
            case Storage.Segment s -> throw new IllegalStateException("Dataset: segment storage is copied to the heap in Dataset.of");
        };
    }

    @Override
    public String toString() {
        return "Dataset(" + n + " samples, features " + Shape.str(features.shape()) + " " + features.dtype()
                + ", labels " + Shape.str(labels.shape()) + " " + labels.dtype() + ")";
    }
}
