package dev.moxing.nn.callbacks;

import dev.moxing.nn.keras.Model;

import java.util.Map;

/**
 * Multiplies the learning rate by factor when the monitored quantity has not improved for
 * patience epochs, then waits cooldown epochs before watching again; never goes below minLr.
 * Records the rate in the logs as learning_rate.
 *
 * <p>Keras's rule, not {@link dev.moxing.optim.schedule.ReduceLROnPlateau}'s (PyTorch's): Keras
 * cuts after {@code patience} epochs without improvement and compares with an absolute minDelta,
 * PyTorch after {@code patience + 1} with a relative threshold by default; a Keras-style callback
 * should behave like Keras's, so the few lines are kept here.
 */
public final class ReduceLROnPlateau implements Callback {
    private final Monitor monitor;
    private final double factor;
    private final int patience;
    private final int cooldown;
    private final double minLr;
    private final boolean[] warned = new boolean[1];
    private boolean verbose;
    private Model model;
    private double best;
    private int wait;
    private int cooldownLeft;

    /** Keras's defaults: val_loss, factor 0.1, patience 10, min delta 1e-4, no cooldown, min lr 0. */
    public ReduceLROnPlateau() {
        this("val_loss", 0.1, 10, 1e-4, 0, 0);
    }

    public ReduceLROnPlateau(String monitor, double factor, int patience, double minDelta, int cooldown, double minLr) {
        if (!(factor > 0 && factor < 1)) throw new IllegalArgumentException("ReduceLROnPlateau: factor must be in (0, 1), got " + factor);
        if (patience < 0 || cooldown < 0) throw new IllegalArgumentException("ReduceLROnPlateau: patience and cooldown must be ≥ 0");
        if (!(minLr >= 0)) throw new IllegalArgumentException("ReduceLROnPlateau: minLr must be ≥ 0, got " + minLr);
        this.monitor = Monitor.of(monitor, "auto", minDelta);
        this.factor = factor;
        this.patience = patience;
        this.cooldown = cooldown;
        this.minLr = minLr;
    }

    /** Print a line when the rate is reduced. Returns this. */
    public ReduceLROnPlateau verbose(boolean on) {
        verbose = on;
        return this;
    }

    @Override
    public void setModel(Model model) {
        this.model = model;
    }

    @Override
    public void onTrainBegin(Map<String, Double> logs) {
        best = monitor.worst();
        wait = 0;
        cooldownLeft = 0;
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        var opt = model.optimizer();
        logs.put("learning_rate", opt.learningRate());
        Double current = monitor.read(logs, "ReduceLROnPlateau", warned);
        if (current == null) return;
        if (cooldownLeft > 0) {
            cooldownLeft--;
            wait = 0;
        }
        if (monitor.improves(current, best)) {
            best = current;
            wait = 0;
        } else if (cooldownLeft == 0 && ++wait >= patience) {
            double old = opt.learningRate();
            double lr = Math.max(old * factor, minLr);
            if (lr < old) {
                opt.setLearningRate(lr);
                if (verbose) System.out.printf("Epoch %d: ReduceLROnPlateau reducing learning rate to %s.%n", epoch + 1, lr);
                cooldownLeft = cooldown;
                wait = 0;
            }
        }
    }
}
