package dev.moxing.data;

/**
 * Preparing a batch failed (in the dataset or a transform), possibly on the prefetch thread; thrown
 * to the consumer from {@link Epoch#next()} with the original failure as the cause.
 */
public final class DataLoaderException extends RuntimeException {
    private final int batch;

    public DataLoaderException(int batch, int batches, Throwable cause) {
        super("DataLoader: preparing batch " + batch + " of " + batches + " failed: " + cause, cause);
        this.batch = batch;
    }

    DataLoaderException(String message, Throwable cause) {
        super(message, cause);
        this.batch = -1;
    }

    /** The index of the batch within its epoch, or -1 when no batch was being prepared. */
    public int batch() {
        return batch;
    }
}
