package dev.moxing.llm.train;

/**
 * The hyper-parameters of a pre-training run (the model's shape is a
 * {@link dev.moxing.llm.model.TransformerConfig}). Field names follow the command-line options,
 * and so do the validation messages, because that is where a bad value comes from.
 *
 * @param batchSize   sequences per micro-batch (B)
 * @param steps       optimizer steps in the whole run (the cosine schedule ends here)
 * @param lr          peak learning rate, reached after the warm-up
 * @param minLr       learning rate at the end of the cosine decay
 * @param warmup      linear warm-up steps
 * @param weightDecay AdamW decoupled weight decay, applied to matrices only
 * @param gradClip    maximum global gradient norm; 0 turns clipping off
 * @param accumulate  micro-batches whose gradients add up to one optimizer step
 * @param evalEvery   steps between evaluations (and checkpoints); 0 evaluates only at the end
 * @param evalSteps   validation batches per evaluation
 * @param logEvery    steps between progress lines
 * @param seed        seeds the weights, dropout and batch sampling
 */
public record TrainOptions(int batchSize, int steps, double lr, double minLr, int warmup, double weightDecay,
                           double gradClip, int accumulate, int evalEvery, int evalSteps, int logEvery, long seed) {

    public TrainOptions {
        require(batchSize >= 1, "--batch-size must be at least 1", batchSize);
        require(steps >= 1, "--steps must be at least 1", steps);
        require(lr > 0 && Double.isFinite(lr), "--lr must be a positive number", lr);
        require(minLr >= 0 && minLr <= lr, "--min-lr must be in [0, --lr=" + lr + "]", minLr);
        require(warmup >= 0 && warmup < steps, "--warmup must be in [0, --steps=" + steps + ")", warmup);
        require(weightDecay >= 0 && Double.isFinite(weightDecay), "--weight-decay must be >= 0", weightDecay);
        require(gradClip >= 0 && Double.isFinite(gradClip), "--grad-clip must be >= 0 (0 = off)", gradClip);
        require(accumulate >= 1, "--accumulate must be at least 1", accumulate);
        require(evalEvery >= 0, "--eval-every must be >= 0 (0 = only at the end)", evalEvery);
        require(evalSteps >= 1, "--eval-steps must be at least 1", evalSteps);
        require(logEvery >= 1, "--log-every must be at least 1", logEvery);
    }

    /** nanoGPT's character-level Shakespeare settings, scaled for a small CPU. */
    public static TrainOptions defaults() {
        return new TrainOptions(32, 2000, 1e-3, 1e-4, 100, 0.1, 1.0, 1, 250, 20, 10, 1337);
    }

    /** Tokens consumed per optimizer step. */
    public long tokensPerStep(int context) {
        return (long) batchSize * accumulate * context;
    }

    public TrainOptions withSteps(int newSteps) {
        return new TrainOptions(batchSize, newSteps, lr, minLr, warmup, weightDecay, gradClip, accumulate,
                evalEvery, evalSteps, logEvery, seed);
    }

    /** The same training with other reporting intervals (these may change when a run is resumed). */
    public TrainOptions withReporting(int newEvalEvery, int newEvalSteps, int newLogEvery) {
        return new TrainOptions(batchSize, steps, lr, minLr, warmup, weightDecay, gradClip, accumulate,
                newEvalEvery, newEvalSteps, newLogEvery, seed);
    }

    private static void require(boolean ok, String rule, Object value) {
        if (!ok) throw new IllegalArgumentException(rule + ", got " + value);
    }
}
