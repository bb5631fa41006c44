package dev.moxing.nn.keras;

import dev.moxing.data.Batch;
import dev.moxing.data.DataLoader;
import dev.moxing.data.Dataset;
import dev.moxing.data.Epoch;
import dev.moxing.nn.callbacks.Callback;
import dev.moxing.nn.metrics.Metric;
import dev.moxing.optim.GradClip;
import dev.moxing.tensor.Tensor;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The loops behind {@link Model#fit} and {@link Model#evaluate}. A training step is: forward,
 * loss, backward, optional gradient clipping, optimizer step, zero the gradients. A step whose
 * loss is NaN or infinite is not applied, and training stops there with a message (Keras's
 * TerminateOnNaN, built in), so the weights stay those of the last good step.
 */
final class Trainer {
    private final Model model;
    private final PrintStream out;

    Trainer(Model model, PrintStream out) {
        this.model = model;
        this.out = out;
    }

    History fit(Dataset train, FitOptions o) {
        Dataset val = o.validationData();
        if (val == null && o.validationSplit() > 0) {
            // Keras holds out the last rows, before any shuffling.
            int n = train.size(), at = (int) (n * (1 - o.validationSplit()));
            if (at <= 0 || at >= n) {
                throw new IllegalArgumentException("fit: validationSplit " + o.validationSplit() + " of " + n
                        + " samples leaves the training or the validation part empty");
            }
            int[] rest = new int[n - at];
            for (int i = 0; i < rest.length; i++) rest[i] = at + i;
            val = train.subset(rest);
            train = train.take(at);
        }
        if (train.size() == 0) throw new IllegalArgumentException("fit: the training data has no rows");
        // The data engineer's loader does the batching: seeded shuffling per epoch and a prefetch
        // thread that gathers the next batch while this one trains.
        // The order of epoch e depends on (seed, e) alone, so fit(initialEpoch = k) after a reload
        // sees exactly the batches an uninterrupted run would have seen from epoch k on.
        DataLoader.Builder builder = DataLoader.builder(train).batchSize(o.batchSize());
        if (o.shuffle()) builder.seed(o.seed());
        try (DataLoader loader = builder.build()) {
            return run(loader, val, o);
        }
    }

    /** Trains on a loader's batches (its batch size, order and transforms); options give the rest. */
    History fit(DataLoader loader, FitOptions o) {
        if (o.validationSplit() > 0 && o.validationData() == null) {
            throw new IllegalArgumentException("fit: validationSplit needs the data as tensors or a Dataset; with a"
                    + " DataLoader, hold out the validation rows first (Dataset.split) and pass them as validationData");
        }
        if (loader.batchesPerEpoch() == 0) throw new IllegalArgumentException("fit: the loader yields no batches (" + loader + ")");
        return run(loader, o.validationData(), o);
    }

    private History run(DataLoader loader, Dataset val, FitOptions o) {
        if (o.initialEpoch() >= o.epochs()) {
            throw new IllegalArgumentException("fit: initialEpoch " + o.initialEpoch() + " must be below epochs "
                    + o.epochs() + " (epochs is the final epoch count, as in Keras: fit trains epochs initialEpoch … epochs − 1)");
        }
        prepare(loader.dataset(), "fit");
        if (val != null) prepare(val, "fit (validation data)");
        var optimizer = model.optimizer();
        List<Tensor> params = model.trainableParameters();
        if (params.isEmpty()) throw new IllegalStateException("fit: the model has no trainable parameters");
        optimizer.bind(params);

        List<Callback> callbacks = o.callbacks();
        for (Callback c : callbacks) c.setModel(model);
        model.clearStop();
        boolean wasTraining = model.isTraining();
        boolean terminal = ProgressBar.stdoutIsTerminal() && out == System.out;
        History history = new History();
        int steps = loader.batchesPerEpoch();
        int valBatch = loader.batchSize();

        for (Callback c : callbacks) c.onTrainBegin(new LinkedHashMap<>());
        try {
            for (int epoch = o.initialEpoch(); epoch < o.epochs(); epoch++) {
                if (o.verbose() > 0) out.println("Epoch " + (epoch + 1) + "/" + o.epochs());
                for (Callback c : callbacks) c.onEpochBegin(epoch, new LinkedHashMap<>());
                model.train(true);
                for (Metric m : model.metrics()) m.reset();
                ProgressBar bar = new ProgressBar(out, steps, o.verbose(), terminal);
                double lossSum = 0;
                long seen = 0;
                boolean diverged = false;
                int done = 0;
                try (Epoch batches = loader.epoch(epoch)) {
                    for (Batch b : batches) {
                        for (Callback c : callbacks) c.onBatchBegin(done, new LinkedHashMap<>());
                        double loss = step(b, o);
                        lossSum += loss * b.size();
                        seen += b.size();
                        Map<String, Double> logs = logs(lossSum / seen);
                        bar.update(done + 1, logs);
                        for (Callback c : callbacks) c.onBatchEnd(done, logs);
                        done++;
                        if (!Double.isFinite(loss)) {
                            diverged = true;
                            String why = "the loss became " + loss + " at epoch " + (epoch + 1) + ", batch " + done;
                            model.stopTraining(why);
                            history.stopped(why, true);
                            break;
                        }
                        if (model.stopRequested() != null) break;
                    }
                }
                Map<String, Double> epochLogs = logs(lossSum / seen);
                if (val != null && !diverged) {
                    evaluateInto(val, valBatch, epochLogs, "val_");
                }
                bar.finish(epochLogs);
                if (diverged) {
                    System.err.println("fit: " + history.stopReason() + "; training stopped, keeping the weights from"
                            + " before that batch. Common causes: a learning rate too high, NaN or huge values in the"
                            + " data, or a loss that does not match the model's output (e.g. probabilities vs logits).");
                }
                // Counted before the callbacks, so a checkpoint saved at the epoch's end records it;
                // an epoch cut short does not count (resuming would repeat it from its start).
                if (done == steps && !diverged) model.epochsTrained(epoch + 1);
                for (Callback c : callbacks) c.onEpochEnd(epoch, epochLogs);
                history.record(epochLogs);
                if (model.stopRequested() != null) {
                    if (history.stopReason() == null) history.stopped(model.stopRequested(), false);
                    break;
                }
            }
        } finally {
            model.train(wasTraining);
        }
        for (Callback c : callbacks) c.onTrainEnd(new LinkedHashMap<>(history.last()));
        return history;
    }

    /** One optimizer step on a batch; returns the batch loss (not applied when it is not finite). */
    private double step(Batch b, FitOptions o) {
        Tensor output = model.forward(b.x());
        Tensor loss = o.classWeight().isEmpty() ? model.loss().apply(output, b.y())
                : ClassWeights.loss(model.loss(), output, b.y(), o.classWeight());
        if (loss.numel() != 1) {
            throw new IllegalStateException("fit: the loss " + model.loss().name() + " returned " + loss.numel()
                    + " values; compile with a loss reduced to a scalar (mean or sum)");
        }
        double value = loss.item();
        if (!Double.isFinite(value)) return value;
        loss.backward();
        if (o.clipNorm() > 0) GradClip.byNorm(model.trainableParameters(), o.clipNorm());
        if (o.clipValue() > 0) GradClip.byValue(model.trainableParameters(), o.clipValue());
        model.optimizer().step();
        model.zeroGrad();
        Tensor detached = output.detach();
        for (Metric m : model.metrics()) m.accumulate(detached, b.y());
        return value;
    }

    Map<String, Double> evaluate(Dataset data, int batchSize, int verbose) {
        if (batchSize < 1) throw new IllegalArgumentException("evaluate: batchSize must be at least 1, got " + batchSize);
        if (data.size() == 0) throw new IllegalArgumentException("evaluate: the data has no rows");
        prepare(data, "evaluate");
        Map<String, Double> logs = new LinkedHashMap<>();
        ProgressBar bar = new ProgressBar(out, (data.size() + batchSize - 1) / batchSize, verbose,
                ProgressBar.stdoutIsTerminal() && out == System.out);
        evaluateInto(data, batchSize, logs, "");
        bar.finish(logs);
        return logs;
    }

    /** Loss and metrics over data in eval mode, without gradients, added to logs under prefix + name. */
    private void evaluateInto(Dataset data, int batchSize, Map<String, Double> logs, String prefix) {
        boolean training = model.isTraining();
        model.eval();
        for (Metric m : model.metrics()) m.reset();
        double lossSum = 0;
        int n = data.size();
        try (var ignored = Tensor.noGrad()) {
            for (int from = 0; from < n; from += batchSize) {
                int[] rows = new int[Math.min(batchSize, n - from)];
                for (int i = 0; i < rows.length; i++) rows[i] = from + i;
                Batch b = data.get(rows);
                Tensor output = model.forward(b.x());
                lossSum += model.loss().apply(output, b.y()).item() * b.size();
                for (Metric m : model.metrics()) m.accumulate(output, b.y());
            }
        } finally {
            model.train(training);
        }
        logs.put(prefix + "loss", lossSum / n);
        for (Metric m : model.metrics()) logs.put(prefix + m.name(), m.result());
    }

    /** Running logs: the loss so far and each metric's result so far. */
    private Map<String, Double> logs(double loss) {
        Map<String, Double> logs = new LinkedHashMap<>();
        logs.put("loss", loss);
        for (Metric m : model.metrics()) logs.put(m.name(), m.result());
        return logs;
    }

    /**
     * Builds the model on the data's first row and checks the targets against the output before any
     * training, so that a wrong label fails in a second with its row named, not after an epoch.
     */
    private void prepare(Dataset data, String op) {
        Batch first = data.get(new int[] {0});
        model.ensureBuilt(first.x());
        Tensor output;
        boolean training = model.isTraining();
        model.eval();
        try (var ignored = Tensor.noGrad()) {
            output = model.forward(first.x());
        } finally {
            model.train(training);
        }
        TargetCheck.check(op, model.loss().name(), output, data.labels());
    }
}
