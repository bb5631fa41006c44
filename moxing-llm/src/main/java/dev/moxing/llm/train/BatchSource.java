package dev.moxing.llm.train;

/**
 * Where a {@link GptTrainer} gets its training micro-batches. By default, random windows of the
 * training split drawn from the run's data generator ({@link TokenSplit#trainBatch}); a fixed
 * source replays recorded batches, e.g. to train step for step alongside another framework on the
 * same data ({@link GptTrainer#useBatches}).
 */
@FunctionalInterface
public interface BatchSource {
    /** The next micro-batch: inputs (B, T) and their next-token targets (B·T). */
    TokenSplit.Batch next(int batchSize, int context);
}
