package dev.moxing.optim.schedule;

import dev.moxing.optim.Optimizer;

/**
 * Cuts the learning rate by {@code factor} when a watched metric (validation loss, accuracy) has
 * not improved for {@code patience} consecutive checks, as torch.optim.lr_scheduler.ReduceLROnPlateau
 * (same defaults: min mode, factor 0.1, patience 10, threshold 1e-4 relative, no cooldown, minLr 0,
 * eps 1e-8). After a cut it waits {@code cooldown} checks before counting bad ones again; a cut
 * smaller than eps is skipped. The optimizer's base rate is what gets cut (group lrScales keep
 * their ratios).
 */
public final class ReduceLROnPlateau {

    public enum Mode { MIN, MAX }

    public enum ThresholdMode { REL, ABS }

    /** Everything that changes between checks, for checkpoints. */
    public record State(double best, int badEpochs, int cooldownCounter, long checks) {
    }

    private final Optimizer optimizer;
    private final Mode mode;
    private final double factor;
    private final int patience;
    private final double threshold;
    private final ThresholdMode thresholdMode;
    private final int cooldown;
    private final double minLr;
    private final double eps;

    private double best;
    private int badEpochs;
    private int cooldownCounter;
    private long checks;

    /** PyTorch's defaults, watching a metric to minimize. */
    public ReduceLROnPlateau(Optimizer optimizer) {
        this(optimizer, Mode.MIN, 0.1, 10, 1e-4, 0, 0);
    }

    public ReduceLROnPlateau(Optimizer optimizer, Mode mode, double factor, int patience, double threshold,
                             int cooldown, double minLr) {
        this(optimizer, mode, factor, patience, threshold, ThresholdMode.REL, cooldown, minLr, 1e-8);
    }

    public ReduceLROnPlateau(Optimizer optimizer, Mode mode, double factor, int patience, double threshold,
                             ThresholdMode thresholdMode, int cooldown, double minLr, double eps) {
        if (!(factor < 1 && factor >= 0)) throw new IllegalArgumentException("ReduceLROnPlateau: factor must be in [0, 1), got " + factor);
        if (patience < 0) throw new IllegalArgumentException("ReduceLROnPlateau: negative patience " + patience);
        if (cooldown < 0) throw new IllegalArgumentException("ReduceLROnPlateau: negative cooldown " + cooldown);
        if (!(threshold >= 0)) throw new IllegalArgumentException("ReduceLROnPlateau: invalid threshold " + threshold);
        if (!(minLr >= 0)) throw new IllegalArgumentException("ReduceLROnPlateau: invalid minLr " + minLr);
        this.optimizer = optimizer;
        this.mode = mode;
        this.factor = factor;
        this.patience = patience;
        this.threshold = threshold;
        this.thresholdMode = thresholdMode;
        this.cooldown = cooldown;
        this.minLr = minLr;
        this.eps = eps;
        this.best = mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    /** Reports one value of the metric; returns true when this call reduced the learning rate. */
    public boolean step(double metric) {
        checks++;
        if (isBetter(metric)) {
            best = metric;
            badEpochs = 0;
        } else {
            badEpochs++;
        }
        if (cooldownCounter > 0) {
            cooldownCounter--;
            badEpochs = 0; // bad checks during cooldown do not count
        }
        if (badEpochs > patience) {
            cooldownCounter = cooldown;
            badEpochs = 0;
            double old = optimizer.learningRate();
            double next = Math.max(old * factor, minLr);
            if (old - next > eps) {
                optimizer.setLearningRate(next);
                return true;
            }
        }
        return false;
    }

    private boolean isBetter(double a) {
        if (Double.isNaN(a)) return false;
        return switch (mode) {
            case MIN -> thresholdMode == ThresholdMode.REL ? a < best * (1 - threshold) : a < best - threshold;
            case MAX -> thresholdMode == ThresholdMode.REL ? a > best * (1 + threshold) : a > best + threshold;
        };
    }

    public double best() {
        return best;
    }

    public State state() {
        return new State(best, badEpochs, cooldownCounter, checks);
    }

    public void restore(State s) {
        best = s.best();
        badEpochs = s.badEpochs();
        cooldownCounter = s.cooldownCounter();
        checks = s.checks();
    }
}
