package dev.moxing.llm.classify;

import dev.moxing.nn.loss.SparseCategoricalCrossEntropy;
import dev.moxing.optim.AdamW;
import dev.moxing.optim.GradClip;
import dev.moxing.optim.ParamGroups;
import dev.moxing.optim.schedule.WarmupCosine;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fine-tunes a {@link SequenceClassifier} with cross-entropy: AdamW on whatever still requires
 * grad (everything, or the head after {@link SequenceClassifier#freezeBase()}), decay on matrices
 * only, warm-up then cosine decay, gradient clipping at norm 1. Batches walk through a seeded
 * shuffle of the training set, reshuffled at each epoch, so every example is seen equally often.
 */
public final class ClassifierTrainer {
    /** The run's hyper-parameters. */
    public record Options(int steps, int batchSize, double lr, double weightDecay, long seed) {
        public Options {
            if (steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
            if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
            if (!(lr > 0)) throw new IllegalArgumentException("--lr must be > 0, got " + lr);
        }
    }

    /** Called every {@code logEvery} steps with the mean training loss since the last call. */
    public interface Listener {
        void onStep(int step, int steps, double meanLoss);
    }

    private final SequenceClassifier model;
    private final List<Example> train;
    private final List<int[]> encoded;
    private final Options options;
    private final AdamW optimizer;
    private final List<Tensor> params;
    private final WarmupCosine schedule;
    private final SparseCategoricalCrossEntropy lossFn = SparseCategoricalCrossEntropy.fromLogits();
    private final Rng rng;
    private int[] order;
    private int cursor;
    private int step;

    public ClassifierTrainer(SequenceClassifier model, List<Example> train, Options options) {
        if (train.isEmpty()) throw new IllegalArgumentException("no training examples");
        this.model = model;
        this.train = List.copyOf(train);
        this.encoded = this.train.stream().map(e -> model.encode(e.text())).toList(); // tokenise once
        this.options = options;
        Map<String, Tensor> trainable = new LinkedHashMap<>();
        model.namedParameters().forEach((k, v) -> {
            if (v.requiresGrad()) trainable.put(k, v);
        });
        this.params = new ArrayList<>(trainable.values());
        this.optimizer = ParamGroups.bind(new AdamW(options.lr(), 0.9, 0.99, 1e-8, options.weightDecay(), false),
                ParamGroups.decayOnlyMatrices(trainable, options.weightDecay()));
        this.schedule = new WarmupCosine(Math.min(20, options.steps() / 10), options.steps(), options.lr() / 10);
        this.rng = new Rng(options.seed());
        this.order = rng.permutation(train.size());
    }

    public int step() {
        return step;
    }

    /** One optimizer step on the next batch; returns its loss. */
    public double trainStep() {
        List<int[]> seqs = new ArrayList<>();
        int[] targets = new int[Math.min(options.batchSize(), train.size())];
        for (int i = 0; i < targets.length; i++) {
            if (cursor == order.length) {
                order = rng.permutation(train.size());
                cursor = 0;
            }
            int k = order[cursor++];
            seqs.add(encoded.get(k));
            targets[i] = train.get(k).label();
        }
        optimizer.setLearningRate(schedule.lrAt(step, options.lr()));
        model.train(true);
        Tensor loss = lossFn.apply(model.logits(seqs), Tensor.ofInts(targets, targets.length));
        double value = loss.item();
        if (!Double.isFinite(value)) throw new IllegalStateException("the loss became " + value + " at step " + (step + 1) + "; try a lower --lr");
        loss.backward();
        GradClip.byNorm(params, 1.0);
        optimizer.step();
        optimizer.zeroGrad();
        step++;
        return value;
    }

    /** Runs to {@code options.steps()}; returns the mean loss of the last {@code logEvery} steps. */
    public double run(int logEvery, Listener listener) {
        double sum = 0, last = Double.NaN;
        int n = 0;
        while (step < options.steps()) {
            sum += trainStep();
            n++;
            if (step % logEvery == 0 || step == options.steps()) {
                last = sum / n;
                listener.onStep(step, options.steps(), last);
                sum = 0;
                n = 0;
            }
        }
        return last;
    }
}
