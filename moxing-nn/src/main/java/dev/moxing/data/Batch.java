package dev.moxing.data;

import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

/**
 * A batch of samples: features {@code x} (B, …) and labels {@code y} (B) or (B, K), rows aligned.
 * Batches handed out by a {@link Dataset} or {@link DataLoader} own fresh storage, so training
 * code may keep them or write into them without affecting the dataset.
 */
public record Batch(Tensor x, Tensor y) {
    public Batch {
        if (x == null || y == null) throw new IllegalArgumentException("Batch: x and y must not be null");
        if (x.dim() == 0 || y.dim() == 0 || x.size(0) != y.size(0)) {
            throw new IllegalArgumentException("Batch: x " + Shape.str(x.shape()) + " and y "
                    + Shape.str(y.shape()) + " must have the same number of rows");
        }
    }

    /** Number of samples (B). */
    public int size() {
        return x.size(0);
    }
}
