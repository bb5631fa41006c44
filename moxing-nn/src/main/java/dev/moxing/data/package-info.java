/**
 * Data for training: in-memory {@link dev.moxing.data.Dataset}s, the prefetching, shuffling
 * {@link dev.moxing.data.DataLoader} with per-batch {@link dev.moxing.data.Transforms}, and readers
 * for IDX (MNIST), CSV and NumPy {@code .npy} files, plus {@link dev.moxing.data.FashionMnist}.
 *
 * <p>Readers share one rule: every size a header declares is checked against what the file can
 * hold before anything is allocated, and a malformed file fails with a
 * {@link dev.moxing.data.MalformedFileException} naming the file, the field and the value, never
 * with an OutOfMemoryError, a hang or an index exception from deep inside.
 */
package dev.moxing.data;
