package dev.moxing.cli.llm;

import dev.moxing.llm.classify.ClassifierTrainer;
import dev.moxing.llm.classify.LabelledSplit;
import dev.moxing.llm.classify.PoetAttribution;
import dev.moxing.llm.classify.Pooling;
import dev.moxing.llm.classify.SequenceClassifier;
import dev.moxing.llm.train.Checkpoint;
import dev.moxing.llm.train.GptTrainer;
import dev.moxing.random.Rng;
import dev.moxing.nn.lora.Lora;
import dev.moxing.nn.lora.LoraConfig;
import dev.moxing.llm.train.Pretraining;
import dev.moxing.llm.train.TrainOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code moxing finetune}: full fine-tuning of a trained model on a new text — the checkpoint's
 * weights and tokenizer, a fresh AdamW and schedule. The output is a normal checkpoint that
 * {@code generate}, {@code eval perplexity} and {@code train gpt --resume} read.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune a trained model (a moxing train gpt checkpoint) on a new text: all weights, fresh optimizer;",
                "or, with --classify, train it as a sequence classifier.",
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
    @Option(names = "--lora", paramLabel = "SPEC", description = {"Train LoRA adapters only, e.g. r=8,alpha=16,dropout=0.05,targets=attn.q+attn.v "
            + "(targets among attn.q attn.k attn.v attn.o mlp.up mlp.gate mlp.down; defaults: alpha 2r, dropout 0, targets attn.q+attn.v).",
            "The result is saved merged (a plain checkpoint) plus adapters.safetensors; no intermediate checkpoints."})
    String lora;
    @Option(names = "--classify", paramLabel = "TASK", description = {"Train a sequence classifier instead: 'poets' = poet attribution "
            + "on --text (poems: title line, author line, poem lines; blank-line separated) among the --classes most prolific authors,",
            "seeded stratified 80/20 split; prints test accuracy and the majority-class baseline and saves the base model, "
            + "the head (classifier.safetensors) and the labels (classifier.json)."})
    String classify;
    @Option(names = "--classes", description = "With --classify: number of classes (default: ${DEFAULT-VALUE}).")
    int classes = 5;
    @Option(names = "--pooling", description = "With --classify: last or mean (default: ${DEFAULT-VALUE}).")
    String pooling = "last";
    @Option(names = "--freeze-base", description = "With --classify: train the head only.")
    boolean freezeBase;

    @Override
    public Integer call() throws Exception {
        if (steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        if (!(lr > 0)) throw new IllegalArgumentException("--lr must be > 0, got " + lr);
        if (classify != null) return classify(spec.commandLine().getOut());
        var options = new TrainOptions(batchSize, steps, lr, minLr != null ? minLr : lr / 10, Math.min(warmup, steps / 10),
                weightDecay, D.gradClip(), 1, evalEvery, evalSteps, logEvery, seed);
        Pretraining.checkOutput(out, null, overwrite);
        PrintWriter o = spec.commandLine().getOut();
        o.println("fine-tuning " + model + " on " + text + " ...");
        o.flush();
        if (lora == null) return TrainGptCommand.runReporting(o, Pretraining.fineTune(model, text, options), out);
        LoraConfig cfg = parseLora(lora, seed);
        GptTrainer trainer = Pretraining.fineTune(model, text, options, cfg);
        long trainable = Lora.trainableParameters(trainer.model()).stream().mapToLong(t -> t.numel()).sum();
        o.printf(java.util.Locale.ROOT, "LoRA: rank %d, alpha %s, dropout %s, targets %s: %,d trainable parameters of %,d (%.2f%%)%n",
                cfg.rank(), cfg.alpha(), cfg.dropout(), new java.util.TreeSet<>(cfg.targets()), trainable,
                trainer.model().parameterCount(), 100.0 * trainable / trainer.model().parameterCount());
        TrainGptCommand.runReporting(o, trainer, null);
        Pretraining.saveMergedLora(trainer, out);
        o.println("saved: merged model in " + out + ", adapters in " + out.resolve("adapters.safetensors"));
        o.flush();
        return 0;
    }

    /** {@code --classify poets}: fine-tunes a classification head (and the base, unless frozen) on poet attribution. */
    private int classify(PrintWriter o) throws Exception {
        if (!classify.equals("poets")) throw new IllegalArgumentException("--classify: the only task is 'poets', got '" + classify + "'");
        if (lora != null) throw new IllegalArgumentException("--classify and --lora cannot be combined");
        Pooling pool = switch (pooling) {
            case "last" -> Pooling.LAST;
            case "mean" -> Pooling.MEAN;
            default -> throw new IllegalArgumentException("--pooling must be last or mean, got '" + pooling + "'");
        };
        var cfg = new ClassifierTrainer.Options(steps, batchSize, lr, weightDecay, seed);
        Pretraining.checkOutput(out, null, overwrite);
        LabelledSplit split = PoetAttribution.load(text, classes, seed);
        Checkpoint.Loaded base = Checkpoint.loadModel(model, new Rng(seed));
        var classifier = new SequenceClassifier(base.model(), base.tokenizer(), split.labels(), pool, new Rng(seed + 1));
        if (freezeBase) classifier.freezeBase();
        o.printf(Locale.ROOT, "poet attribution: %d authors %s; %d train, %d test poems; pooling %s%s%n", classes, split.labels(),
                split.train().size(), split.test().size(), pooling, freezeBase ? ", base frozen" : "");
        o.flush();
        long start = System.nanoTime();
        ClassifierTrainer trainer;
        try {
            trainer = new ClassifierTrainer(classifier, split.train(), cfg);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(text + " cannot be encoded with the tokenizer of " + model + ": " + e.getMessage(), e);
        }
        trainer.run(logEvery, (step, total, loss) -> {
            o.printf(Locale.ROOT, "step %d/%d  train loss %.4f%n", step, total, loss);
            o.flush();
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        double acc = classifier.accuracy(split.test(), batchSize);
        o.printf(Locale.ROOT, "test accuracy %.4f (%d poems)  majority baseline %.4f  (%d steps, %.1f s)%n", acc,
                split.test().size(), split.majorityBaseline(), steps, seconds);
        classifier.save(out);
        o.println("saved: classifier in " + out);
        o.flush();
        return 0;
    }

    /** "r=8,alpha=16,dropout=0.05,targets=attn.q+attn.v" → a LoraConfig. */
    static LoraConfig parseLora(String spec, long seed) {
        int rank = -1;
        Float alpha = null;
        float dropout = 0f;
        java.util.Set<String> targets = java.util.Set.of("attn.q", "attn.v");
        for (String part : spec.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2) throw new IllegalArgumentException("--lora: expected key=value, got '" + part + "' in '" + spec + "'");
            try {
                switch (kv[0].trim()) {
                    case "r", "rank" -> rank = Integer.parseInt(kv[1].trim());
                    case "alpha" -> alpha = Float.parseFloat(kv[1].trim());
                    case "dropout" -> dropout = Float.parseFloat(kv[1].trim());
                    case "targets" -> targets = java.util.Set.of(kv[1].trim().split("\\+"));
                    default -> throw new IllegalArgumentException("--lora: unknown key '" + kv[0] + "' (r, alpha, dropout, targets)");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--lora: '" + kv[1] + "' is not a number for " + kv[0]);
            }
        }
        if (rank <= 0) throw new IllegalArgumentException("--lora: r=RANK (a positive integer) is required, got '" + spec + "'");
        return new LoraConfig(rank, alpha != null ? alpha : 2f * rank, dropout, targets, seed);
    }
}
