package dev.moxing.llm.train;

import java.util.List;
import java.util.Map;

/**
 * What {@code training.json} holds beside the weights: everything a resumed run needs to continue
 * exactly where the interrupted one stopped (step, both generators' states, the optimizer's scalars,
 * the hyper-parameters), plus where the data came from and the evaluation curve so far.
 *
 * @param format       always {@value #FORMAT}
 * @param version      file version, {@value #VERSION}
 * @param step         optimizer steps completed
 * @param options      the run's hyper-parameters
 * @param tokenizer    how the vocabulary was made: "char" or "bpe:SIZE"
 * @param text         the corpus, so that a resume on different text is caught
 * @param modelRng     state of the generator behind dropout (it also drew the initial weights)
 * @param dataRng      state of the generator that draws training windows
 * @param optimizer    the optimizer's kind, scalars and the file holding its moments
 * @param history      one entry per evaluation
 * @param trainSeconds wall-clock seconds spent so far, over all sessions
 */
public record TrainingState(String format, int version, int step, TrainOptions options, String tokenizer,
                            TextInfo text, long[] modelRng, long[] dataRng, OptimizerInfo optimizer,
                            List<EvalPoint> history, double trainSeconds) {
    public static final String FORMAT = "moxing-training";
    public static final int VERSION = 1;

    public TrainingState {
        history = List.copyOf(history);
    }

    /** The corpus: its path as given, its size and content hash. */
    public record TextInfo(String path, long bytes, String sha256) {
    }

    /**
     * @param type    optimizer class name (AdamW)
     * @param file    the safetensors file holding the per-parameter buffers, relative to the checkpoint
     * @param scalars learning rate, step counts and group settings ({@link dev.moxing.optim.OptimizerState})
     */
    public record OptimizerInfo(String type, String file, Map<String, Double> scalars) {
    }

    /** One evaluation: mean training loss since the previous one, validation loss, elapsed seconds. */
    public record EvalPoint(int step, double trainLoss, double valLoss, double seconds) {
        public double valPerplexity() {
            return Math.exp(valLoss);
        }
    }
}
