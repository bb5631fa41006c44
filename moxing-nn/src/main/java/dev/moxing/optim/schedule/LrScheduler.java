package dev.moxing.optim.schedule;

import dev.moxing.optim.Optimizer;

/**
 * Applies an {@link LrSchedule} to an optimizer: construction sets the step-0 rate, each
 * {@link #step()} advances one step and sets the next rate (as torch's {@code scheduler.step()},
 * called after {@code optimizer.step()}). The base rate is fixed when the scheduler is made.
 */
public final class LrScheduler {
    private final Optimizer optimizer;
    private final LrSchedule schedule;
    private final double baseLr;
    private long step;

    /** Uses the optimizer's current rate as the base. */
    public LrScheduler(Optimizer optimizer, LrSchedule schedule) {
        this(optimizer, schedule, optimizer.learningRate());
    }

    public LrScheduler(Optimizer optimizer, LrSchedule schedule, double baseLr) {
        if (!(baseLr >= 0) || Double.isInfinite(baseLr)) {
            throw new IllegalArgumentException("LrScheduler: invalid base learning rate " + baseLr);
        }
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.baseLr = baseLr;
        apply();
    }

    /** Advances one step and sets the optimizer's rate; returns it. */
    public double step() {
        step++;
        return apply();
    }

    /** Jumps to step {@code t} (resuming from a checkpoint) and sets the rate for it. */
    public void setStep(long t) {
        if (t < 0) throw new IllegalArgumentException("LrScheduler: negative step " + t);
        step = t;
        apply();
    }

    public long stepCount() {
        return step;
    }

    public double baseLr() {
        return baseLr;
    }

    public LrSchedule schedule() {
        return schedule;
    }

    private double apply() {
        double lr = schedule.lrAt(step, baseLr);
        optimizer.setLearningRate(lr);
        return lr;
    }
}
