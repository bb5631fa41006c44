package dev.moxing.cli.llm;

import dev.moxing.llm.train.GptTrainer;
import dev.moxing.llm.train.Pretraining;
import dev.moxing.llm.train.TrainOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code moxing finetune}: full fine-tuning of a trained model on a new text — the checkpoint's
 * weights and tokenizer, a fresh AdamW and schedule. The output is a normal checkpoint that
 * {@code generate}, {@code eval perplexity} and {@code train gpt --resume} read.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune a trained model (a moxing train gpt checkpoint) on a new text: all weights, fresh optimizer.",
                "The last 10%% of the text is held out; validation loss is printed at each evaluation."})
public final class FinetuneCommand implements Callable<Integer> {
    private static final TrainOptions D = TrainOptions.defaults();

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", required = true, description = "Checkpoint to start from (moxing train gpt --out).")
    Path model;
    @Option(names = "--text", paramLabel = "FILE", required = true, description = "UTF-8 text of the new domain.")
    Path text;
    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Where the fine-tuned checkpoint goes.")
    Path out;
    @Option(names = "--steps", description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
    int steps = 500;
    @Option(names = "--lr", description = "Peak learning rate (default: ${DEFAULT-VALUE}; lower than pre-training).")
    double lr = 3e-4;
    @Option(names = "--min-lr", description = "Learning rate at the end of the cosine decay (default: --lr / 10).")
    Double minLr;
    @Option(names = "--warmup", description = "Linear warm-up steps (default: ${DEFAULT-VALUE}).")
    int warmup = 20;
    @Option(names = "--batch-size", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
    int batchSize = 16;
    @Option(names = "--weight-decay", description = "AdamW weight decay on matrices (default: ${DEFAULT-VALUE}).")
    double weightDecay = 0.1;
    @Option(names = "--eval-every", description = "Evaluate and checkpoint every N steps; 0 = only at the end (default: ${DEFAULT-VALUE}).")
    int evalEvery = 100;
    @Option(names = "--eval-steps", description = "Validation batches per evaluation (default: ${DEFAULT-VALUE}).")
    int evalSteps = 20;
    @Option(names = "--log-every", description = "Progress line every N steps (default: ${DEFAULT-VALUE}).")
    int logEvery = 10;
    @Option(names = "--seed", description = "Seed for dropout and batches (default: ${DEFAULT-VALUE}).")
    long seed = 1337;
    @Option(names = "--overwrite", description = "Allow --out to replace an existing checkpoint of another run.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        if (steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        if (!(lr > 0)) throw new IllegalArgumentException("--lr must be > 0, got " + lr);
        var options = new TrainOptions(batchSize, steps, lr, minLr != null ? minLr : lr / 10, Math.min(warmup, steps / 10),
                weightDecay, D.gradClip(), 1, evalEvery, evalSteps, logEvery, seed);
        Pretraining.checkOutput(out, null, overwrite);
        PrintWriter o = spec.commandLine().getOut();
        o.println("fine-tuning " + model + " on " + text + " ...");
        o.flush();
        GptTrainer trainer = Pretraining.fineTune(model, text, options);
        return TrainGptCommand.runReporting(o, trainer, out);
    }
}
