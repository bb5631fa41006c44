package dev.moxing.llm.train;

import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.nn.loss.SparseCategoricalCrossEntropy;
import dev.moxing.optim.AdamW;
import dev.moxing.optim.GradClip;
import dev.moxing.optim.OptimizerState;
import dev.moxing.optim.ParamGroups;
import dev.moxing.optim.schedule.WarmupCosine;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;
import dev.moxing.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Pre-trains a decoder on next-token prediction, nanoGPT's loop: random (B, T+1) windows of the
 * training split, AdamW (decay on matrices only, betas 0.9/0.99), linear warm-up then cosine decay,
 * gradient clipping by global norm, gradient accumulation, and periodic evaluation on the held-out
 * split with the model in eval mode.
 *
 * <p>Every random draw comes from two generators whose states are checkpointed: one for dropout
 * (which also drew the initial weights), one for the training windows. Evaluation draws from a
 * fresh generator each time, so it sees the same validation windows at every evaluation and never
 * disturbs training: a run evaluated often and one evaluated rarely train identically, and a run
 * resumed from a checkpoint continues bit for bit.
 */
public final class GptTrainer {
    static final double BETA1 = 0.9, BETA2 = 0.99, EPS = 1e-8;

    private final Transformer model;
    private final Tokenizer tokenizer;
    private final String tokenizerSpec;
    private final TrainingState.TextInfo text;
    private final TokenSplit data;
    private final TrainOptions options;
    private final Rng modelRng;
    private final Rng dataRng;
    private final AdamW optimizer;
    private final WarmupCosine schedule;
    private final List<Tensor> params;
    private final SparseCategoricalCrossEntropy lossFn = SparseCategoricalCrossEntropy.fromLogits();
    private final List<TrainingState.EvalPoint> history;
    private BatchSource batches;
    private int step;
    private double trainSeconds;
    private double lastGradNorm = Double.NaN;

    private GptTrainer(Transformer model, Rng modelRng, Tokenizer tokenizer, String tokenizerSpec,
                       TrainingState.TextInfo text, int[] ids, TrainOptions options) {
        this.model = model;
        this.modelRng = modelRng;
        this.tokenizer = tokenizer;
        this.tokenizerSpec = tokenizerSpec;
        this.text = text;
        this.options = options;
        this.data = TokenSplit.of(ids, model.config().contextLength(), text.path());
        this.dataRng = new Rng(options.seed() + 1);
        this.schedule = new WarmupCosine(options.warmup(), options.steps(), options.minLr());
        this.optimizer = ParamGroups.bind(new AdamW(options.lr(), BETA1, BETA2, EPS, options.weightDecay(), false),
                ParamGroups.decayOnlyMatrices(trainable(model.namedParameters()), options.weightDecay()));
        this.params = model.parameters();
        this.history = new ArrayList<>();
        this.batches = (batch, context) -> data.trainBatch(dataRng, batch, context);
        model.train(true);
    }

    /** Parameters the optimizer may update (frozen and stored weights excluded). */
    private static Map<String, Tensor> trainable(Map<String, Tensor> named) {
        Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        named.forEach((k, v) -> {
            if (v.requiresGrad()) out.put(k, v);
        });
        return out;
    }

    /** A new run: weights drawn from {@code options.seed()}. */
    public static GptTrainer create(TransformerConfig config, Tokenizer tokenizer, String tokenizerSpec,
                                    TrainingState.TextInfo text, int[] ids, TrainOptions options) {
        if (tokenizer.vocabSize() != config.vocabSize()) {
            throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabSize()
                    + " tokens but the model's vocabulary is " + config.vocabSize());
        }
        Rng modelRng = new Rng(options.seed());
        return new GptTrainer(new Transformer(config, modelRng), modelRng, tokenizer, tokenizerSpec, text, ids, options);
    }

    /**
     * A new run that starts from trained weights (full fine-tuning): {@code model} and its
     * tokenizer come from a checkpoint; the optimizer, schedule and step count start afresh on
     * the new text. Only parameters that require grad are optimised.
     */
    public static GptTrainer fineTune(Transformer model, Tokenizer tokenizer, String tokenizerSpec,
                                      TrainingState.TextInfo text, int[] ids, TrainOptions options) {
        return new GptTrainer(model, new Rng(options.seed()), tokenizer, tokenizerSpec, text, ids, options);
    }

    /**
     * Continues the run checkpointed in {@code dir} (whose {@code training.json} is {@code state}):
     * its weights, optimizer moments, step and generator states. {@code options} must train exactly
     * as the saved ones (only the step count and reporting may differ); {@code ids} is the corpus
     * encoded with the checkpoint's tokenizer.
     */
    public static GptTrainer resume(Path dir, TrainingState state, int[] ids, TrainOptions options) throws IOException {
        Rng modelRng = new Rng(options.seed());
        Checkpoint.Loaded loaded = Checkpoint.loadModel(dir, modelRng);
        Map<String, float[]> buffers = Checkpoint.readOptimizerBuffers(dir, state);
        GptTrainer t = new GptTrainer(loaded.model(), modelRng, loaded.tokenizer(), state.tokenizer(), state.text(),
                ids, options);
        modelRng.setState(state.modelRng());
        t.dataRng.setState(state.dataRng());
        try {
            t.optimizer.loadStateDict(new OptimizerState(state.optimizer().type(), state.optimizer().scalars(), buffers));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(dir.resolve(state.optimizer().file()) + " does not match the model: "
                    + e.getMessage(), e);
        }
        t.step = state.step();
        t.trainSeconds = state.trainSeconds();
        t.history.addAll(state.history());
        return t;
    }

    public Transformer model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public TokenSplit data() {
        return data;
    }

    public TrainOptions options() {
        return options;
    }

    /** Optimizer steps completed. */
    public int step() {
        return step;
    }

    public List<TrainingState.EvalPoint> history() {
        return List.copyOf(history);
    }

    /**
     * Trains on micro-batches from {@code source} instead of random windows of the training split:
     * e.g. a recorded sequence of batches, to compare a run with another framework's step for step.
     * Checkpoints still record the data generator, which such a source does not draw from, so a run
     * resumed from them goes back to random windows.
     */
    public void useBatches(BatchSource source) {
        this.batches = Objects.requireNonNull(source, "source");
    }

    /** The scheduled learning rate of the last optimizer step (0 before the first). */
    public double learningRate() {
        return step == 0 ? 0 : schedule.lrAt(step - 1, options.lr());
    }

    /** The global gradient norm before clipping at the last step (NaN without clipping or before the first step). */
    public double lastGradNorm() {
        return lastGradNorm;
    }

    /** One optimizer step over {@code accumulate} micro-batches; returns their mean loss. */
    public double trainStep() {
        double loss = computeGradients();
        applyGradients(loss);
        return loss;
    }

    /**
     * The first half of {@link #trainStep}: forward and backward over the step's micro-batches,
     * leaving the mean gradient on the parameters. Returns the mean loss. Separate so that a test
     * can read the gradients the optimizer is about to use.
     */
    double computeGradients() {
        int b = options.batchSize(), t = model.config().contextLength(), v = model.config().vocabSize();
        int micro = options.accumulate();
        double loss = 0;
        for (int m = 0; m < micro; m++) {
            TokenSplit.Batch batch = batches.next(b, t);
            if (batch.inputs().dim() != 2 || batch.inputs().size(0) != b || batch.inputs().size(1) != t
                    || batch.targets().numel() != b * t) {
                throw new IllegalStateException("the batch source gave inputs " + Shape.str(batch.inputs().shape())
                        + " and " + batch.targets().numel() + " targets; the trainer needs (" + b + ", " + t + ") and " + b * t);
            }
            Tensor logits = model.forward(batch.inputs());                        // (B, T, V)
            Tensor l = lossFn.apply(logits.reshape(b * t, v), batch.targets());    // mean over B·T
            loss += l.item();
            // Gradients add up over micro-batches; scaling each by 1/micro makes the sum a mean.
            (micro == 1 ? l : l.mul(1f / micro)).backward();
        }
        return loss / micro;
    }

    /** The second half of {@link #trainStep}: clip, AdamW step at the scheduled rate, zero the gradients. */
    void applyGradients(double loss) {
        double lr = schedule.lrAt(step, options.lr());
        if (!Double.isFinite(loss)) {
            throw new IllegalStateException("the training loss became " + loss + " at step " + (step + 1)
                    + " (learning rate " + lr + "); try a lower --lr or a longer --warmup");
        }
        optimizer.setLearningRate(lr);
        lastGradNorm = options.gradClip() > 0 ? GradClip.byNorm(params, options.gradClip()) : Double.NaN;
        optimizer.step();
        optimizer.zeroGrad();
        step++;
    }

    /** Mean loss over {@code evalSteps} validation batches, in eval mode (no dropout), always the same batches. */
    public double evaluate() {
        int b = options.batchSize(), t = model.config().contextLength(), v = model.config().vocabSize();
        Rng rng = new Rng(options.seed() + 2);
        model.eval();
        try (var ignored = Tensor.noGrad()) {
            double sum = 0;
            for (int i = 0; i < options.evalSteps(); i++) {
                TokenSplit.Batch batch = data.valBatch(rng, b, t);
                sum += lossFn.apply(model.forward(batch.inputs()).reshape(b * t, v), batch.targets()).item();
            }
            return sum / options.evalSteps();
        } finally {
            model.train(true);
        }
    }

    /**
     * Trains until {@code options.steps()}, reporting every {@code logEvery} steps, evaluating every
     * {@code evalEvery} steps and at the end, and saving a checkpoint to {@code out} (if not null)
     * after each evaluation.
     */
    public void run(Path out, TrainingListener listener) throws IOException {
        long sessionStart = System.nanoTime();
        int sessionFirstStep = step;
        double savedSeconds = trainSeconds;
        long tokensPerStep = options.tokensPerStep(model.config().contextLength());
        double lossSinceEval = 0, lossSinceLog = 0;
        int stepsSinceEval = 0, stepsSinceLog = 0;
        long logWindowStart = System.nanoTime();
        while (step < options.steps()) {
            double loss = trainStep();
            lossSinceEval += loss;
            lossSinceLog += loss;
            stepsSinceEval++;
            stepsSinceLog++;
            long now = System.nanoTime();
            trainSeconds = savedSeconds + (now - sessionStart) / 1e9;
            boolean last = step == options.steps();
            if (step % options.logEvery() == 0 || last) {
                double windowSeconds = (now - logWindowStart) / 1e9;
                double perStep = (now - sessionStart) / 1e9 / (step - sessionFirstStep); // evaluations included
                listener.onStep(new TrainingListener.StepReport(step, options.steps(), lossSinceLog / stepsSinceLog,
                        optimizer.learningRate(), lastGradNorm, stepsSinceLog * tokensPerStep / windowSeconds,
                        perStep * (options.steps() - step)));
                lossSinceLog = 0;
                stepsSinceLog = 0;
                logWindowStart = System.nanoTime();
            }
            if (last || (options.evalEvery() > 0 && step % options.evalEvery() == 0)) {
                double val = evaluate();
                trainSeconds = savedSeconds + (System.nanoTime() - sessionStart) / 1e9;
                var point = new TrainingState.EvalPoint(step, lossSinceEval / stepsSinceEval, val, trainSeconds);
                history.add(point);
                lossSinceEval = 0;
                stepsSinceEval = 0;
                if (out != null) save(out);
                listener.onEval(point, out);
                logWindowStart = System.nanoTime(); // the progress line's speed counts training only
            }
        }
    }

    /** Writes a resumable checkpoint to {@code dir} (replacing it atomically). */
    public void save(Path dir) throws IOException {
        OptimizerState opt = optimizer.stateDict();
        var state = new TrainingState(TrainingState.FORMAT, TrainingState.VERSION, step, options, tokenizerSpec, text,
                modelRng.state(), dataRng.state(),
                new TrainingState.OptimizerInfo(opt.optimizer(), Checkpoint.OPTIMIZER, opt.scalars()),
                history, trainSeconds);
        Checkpoint.save(dir, model, tokenizer, state, opt.buffers());
    }
}
