package dev.moxing.nn.callbacks;

import dev.moxing.nn.keras.Model;

import java.util.Map;
import java.util.function.IntToDoubleFunction;

/**
 * Sets the optimizer's learning rate at the start of each epoch from a function of the epoch
 * (from 0) and the current rate, Keras's {@code schedule(epoch, lr)}; records it in the logs as
 * learning_rate.
 */
public final class LearningRateScheduler implements Callback {

    /** Keras's schedule signature: (epoch, current learning rate) → new learning rate. */
    @FunctionalInterface
    public interface Schedule {
        double rate(int epoch, double currentRate);
    }

    private final Schedule schedule;
    private Model model;

    public LearningRateScheduler(Schedule schedule) {
        this.schedule = schedule;
    }

    /** A schedule of the epoch alone. */
    public static LearningRateScheduler of(IntToDoubleFunction byEpoch) {
        return new LearningRateScheduler((epoch, lr) -> byEpoch.applyAsDouble(epoch));
    }

    @Override
    public void setModel(Model model) {
        this.model = model;
    }

    @Override
    public void onEpochBegin(int epoch, Map<String, Double> logs) {
        var opt = model.optimizer();
        double lr = schedule.rate(epoch, opt.learningRate());
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("LearningRateScheduler: the schedule gave " + lr + " for epoch " + epoch);
        }
        opt.setLearningRate(lr);
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        logs.put("learning_rate", model.optimizer().learningRate());
    }
}
