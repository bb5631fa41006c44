package dev.moxing.cli.llm;

import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.llm.train.Checkpoint;
import dev.moxing.llm.train.GptTrainer;
import dev.moxing.llm.train.Pretraining;
import dev.moxing.llm.train.TrainOptions;
import dev.moxing.llm.train.TrainingListener;
import dev.moxing.llm.train.TrainingState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * {@code moxing train gpt}: pre-trains a GPT on a text file. Options are boxed so that "not given"
 * is visible: on {@code --resume} the checkpoint's settings apply, and a given option that would
 * change how the run trains is refused rather than silently ignored.
 */
@Command(name = "gpt", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Pre-train a GPT language model on a text file (next-token prediction).",
                "Checkpoints (weights, optimizer, RNG states, tokenizer) replace --out after each evaluation; "
                        + "--resume DIR continues a run exactly where it stopped."})
public final class TrainGptCommand implements Callable<Integer> {
    private static final TrainOptions D = TrainOptions.defaults();

    @Spec
    CommandSpec spec;

    @Option(names = "--text", paramLabel = "FILE", description = "UTF-8 training text; the last 10%% is held out for validation.")
    Path text;
    @Option(names = "--tokenizer", paramLabel = "char|bpe:SIZE", description = "char (default) or bpe:VOCAB_SIZE, trained on the text.")
    String tokenizer;

    @Option(names = "--layers", description = "Transformer blocks (default 4).")
    Integer layers;
    @Option(names = "--heads", description = "Attention heads (default 4).")
    Integer heads;
    @Option(names = "--width", description = "Embedding width, a multiple of --heads (default 128).")
    Integer width;
    @Option(names = "--context", description = "Context length in tokens (default 128).")
    Integer context;
    @Option(names = "--dropout", description = "Dropout probability (default 0.1).")
    Float dropout;

    @Option(names = "--batch-size", description = "Sequences per micro-batch (default 32).")
    Integer batchSize;
    @Option(names = "--steps", description = "Optimizer steps in the whole run (default 2000); may be raised on --resume.")
    Integer steps;
    @Option(names = "--lr", description = "Peak learning rate (default 1e-3).")
    Double lr;
    @Option(names = "--min-lr", description = "Learning rate at the end of the cosine decay (default --lr / 10).")
    Double minLr;
    @Option(names = "--warmup", description = "Linear warm-up steps (default 100, at most --steps / 10).")
    Integer warmup;
    @Option(names = "--weight-decay", description = "AdamW weight decay on matrices (default 0.1).")
    Double weightDecay;
    @Option(names = "--grad-clip", description = "Clip the global gradient norm to this; 0 = off (default 1.0).")
    Double gradClip;
    @Option(names = "--accumulate", description = "Micro-batches per optimizer step (default 1).")
    Integer accumulate;

    @Option(names = "--eval-every", description = "Evaluate and checkpoint every N steps; 0 = only at the end (default 250).")
    Integer evalEvery;
    @Option(names = "--eval-steps", description = "Validation batches per evaluation (default 20).")
    Integer evalSteps;
    @Option(names = "--log-every", description = "Progress line every N steps (default 10).")
    Integer logEvery;

    @Option(names = "--out", paramLabel = "DIR", description = "Checkpoint directory (default runs/gpt, or the --resume directory).")
    Path out;
    @Option(names = "--seed", description = "Seed for weights, dropout and batches (default 1337).")
    Long seed;
    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run checkpointed in DIR.")
    Path resume;
    @Option(names = "--overwrite", description = "Allow --out to replace an existing checkpoint of another run.")
    boolean overwrite;
    @Option(names = "--init-only", description = "Save the freshly initialised model (step 0, resumable) to --out and stop,"
            + " e.g. to start another framework from the same weights.")
    boolean initOnly;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        GptTrainer trainer;
        Path dir;
        if (resume == null) {
            if (text == null) throw new IllegalArgumentException("--text FILE is required (or --resume DIR)");
            var shape = new Pretraining.GptShape(or(layers, 4), or(heads, 4), or(width, 128), or(context, 128), or(dropout, 0.1f));
            double peak = or(lr, D.lr());
            var options = new TrainOptions(or(batchSize, D.batchSize()), or(steps, D.steps()), peak, or(minLr, peak / 10),
                    or(warmup, Math.min(D.warmup(), or(steps, D.steps()) / 10)), or(weightDecay, D.weightDecay()),
                    or(gradClip, D.gradClip()), or(accumulate, D.accumulate()), or(evalEvery, D.evalEvery()),
                    or(evalSteps, D.evalSteps()), or(logEvery, D.logEvery()), or(seed, D.seed()));
            dir = out != null ? out : Path.of("runs", "gpt");
            Pretraining.checkOutput(dir, null, overwrite);
            o.println("building the " + or(tokenizer, "char") + " tokenizer and encoding " + text + " ...");
            o.flush();
            trainer = Pretraining.start(text, or(tokenizer, "char"), shape, options);
            if (initOnly) {
                printSummary(o, trainer);
                trainer.save(dir);
                o.println("initialised model (step 0) saved to " + dir + "; train it with --resume " + dir);
                return 0;
            }
        } else {
            if (initOnly) throw new IllegalArgumentException("--init-only starts a new run; it cannot be combined with --resume");
            if (!Checkpoint.exists(resume)) throw new IllegalArgumentException("--resume " + resume + " holds no checkpoint");
            TrainingState state = Checkpoint.readTraining(resume);
            TransformerConfig c = Checkpoint.readConfig(resume);
            same("--tokenizer", tokenizer, state.tokenizer());
            same("--layers", layers, c.layers());
            same("--heads", heads, c.heads());
            same("--width", width, c.width());
            same("--context", context, c.contextLength());
            same("--dropout", dropout, c.dropout());
            TrainOptions s = state.options();
            same("--batch-size", batchSize, s.batchSize());
            same("--lr", lr, s.lr());
            same("--min-lr", minLr, s.minLr());
            same("--warmup", warmup, s.warmup());
            same("--weight-decay", weightDecay, s.weightDecay());
            same("--grad-clip", gradClip, s.gradClip());
            same("--accumulate", accumulate, s.accumulate());
            same("--seed", seed, s.seed());
            var options = s.withSteps(or(steps, s.steps()))
                    .withReporting(or(evalEvery, s.evalEvery()), or(evalSteps, s.evalSteps()), or(logEvery, s.logEvery()));
            if (state.step() >= options.steps()) {
                o.println(resume + " has already trained " + state.step() + " of " + options.steps()
                        + " steps; pass a larger --steps to train further");
                return 0;
            }
            dir = out != null ? out : resume;
            Pretraining.checkOutput(dir, resume, overwrite);
            o.println("resuming " + resume + " at step " + state.step() + " of " + options.steps());
            o.flush();
            trainer = Pretraining.resume(resume, text, options);
        }
        return runReporting(o, trainer, dir);
    }

    /** Prints the run's summary, trains with progress and evaluation lines, and says where the model is. */
    static int runReporting(PrintWriter o, GptTrainer trainer, Path dir) throws java.io.IOException {
        printSummary(o, trainer);
        trainer.run(dir, new TrainingListener() {
            @Override
            public void onStep(StepReport r) {
                o.println(r.line());
                o.flush();
            }

            @Override
            public void onEval(TrainingState.EvalPoint p, Path savedTo) {
                o.println(TrainingListener.evalLine(p) + (savedTo == null ? "" : ", saved to " + savedTo));
                o.flush();
            }
        });
        o.println("done: " + trainer.step() + " steps" + (dir == null ? "" : "; model in " + dir));
        o.flush();
        return 0;
    }

    private static void printSummary(PrintWriter o, GptTrainer t) {
        TransformerConfig c = t.model().config();
        TrainOptions s = t.options();
        o.printf(Locale.ROOT, "model: GPT, %d layers, %d heads, width %d, context %d, vocabulary %d, dropout %s: %,d parameters%n",
                c.layers(), c.heads(), c.width(), c.contextLength(), c.vocabSize(), c.dropout(), t.model().parameterCount());
        o.printf(Locale.ROOT, "data: %,d training tokens, %,d validation tokens%n", t.data().trainTokens(), t.data().valTokens());
        o.printf(Locale.ROOT, "training: %d steps of %d x %d x %d tokens (%,d per step), lr %.2e -> %.2e (warm-up %d, cosine), "
                        + "weight decay %s, grad clip %s, seed %d%n",
                s.steps(), s.accumulate(), s.batchSize(), c.contextLength(), s.tokensPerStep(c.contextLength()),
                s.lr(), s.minLr(), s.warmup(), s.weightDecay(), s.gradClip() == 0 ? "off" : s.gradClip(), s.seed());
        o.flush();
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }

    private static void same(String option, Object given, Object saved) {
        if (given != null && !Objects.equals(given, saved)) {
            throw new IllegalArgumentException(option + " " + given + " differs from the resumed run's " + saved
                    + "; a resumed run keeps its settings (only --steps, --eval-every, --eval-steps, --log-every,"
                    + " --text and --out may be given)");
        }
    }
}
