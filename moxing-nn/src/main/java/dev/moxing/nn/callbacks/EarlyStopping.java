package dev.moxing.nn.callbacks;

import dev.moxing.nn.keras.Model;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stops training when the monitored quantity has not improved (by more than minDelta) for
 * patience epochs. With restoreBestWeights the weights of the best epoch are copied at that
 * epoch's end and put back when training ends, so the model is the best one seen rather than
 * the last (Keras 3 behaviour, also when training runs to its last epoch).
 */
public final class EarlyStopping implements Callback {
    private final Monitor monitor;
    private final int patience;
    private final boolean restoreBestWeights;
    private final boolean[] warned = new boolean[1];
    private Model model;
    private double best;
    private int wait;
    private int bestEpoch = -1;
    private int stoppedEpoch = -1;
    private Map<String, Tensor> bestWeights;
    private boolean verbose;

    /** Watches val_loss, patience 0 epochs. */
    public EarlyStopping() {
        this("val_loss", 0, 0, false);
    }

    public EarlyStopping(String monitor, int patience, double minDelta, boolean restoreBestWeights) {
        this(monitor, patience, minDelta, restoreBestWeights, "auto");
    }

    /** mode: "auto", "min" or "max". */
    public EarlyStopping(String monitor, int patience, double minDelta, boolean restoreBestWeights, String mode) {
        if (patience < 0) throw new IllegalArgumentException("EarlyStopping: patience must be ≥ 0, got " + patience);
        this.monitor = Monitor.of(monitor, mode, minDelta);
        this.patience = patience;
        this.restoreBestWeights = restoreBestWeights;
    }

    /** Print when stopping and restoring (Keras's verbose=1). Returns this. */
    public EarlyStopping verbose(boolean on) {
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
        bestEpoch = -1;
        stoppedEpoch = -1;
        bestWeights = null;
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        Double current = monitor.read(logs, "EarlyStopping", warned);
        if (current == null) return;
        wait++;
        if (monitor.improves(current, best)) {
            best = current;
            bestEpoch = epoch;
            wait = 0;
            if (restoreBestWeights) bestWeights = copy(model.stateDict());
            return;
        }
        if (wait >= patience && epoch > 0) {
            stoppedEpoch = epoch;
            model.stopTraining("early stopping: " + monitor.key() + " did not improve for " + wait + " epochs");
        }
    }

    @Override
    public void onTrainEnd(Map<String, Double> logs) {
        if (stoppedEpoch >= 0 && verbose) System.out.println("Epoch " + (stoppedEpoch + 1) + ": early stopping");
        if (restoreBestWeights && bestWeights != null) {
            if (verbose) System.out.println("Restoring model weights from the end of the best epoch: " + (bestEpoch + 1) + ".");
            model.loadStateDict(bestWeights);
        }
    }

    /** The epoch (0-based) at which training was stopped, or -1. */
    public int stoppedEpoch() {
        return stoppedEpoch;
    }

    /** The best epoch (0-based) so far, or -1. */
    public int bestEpoch() {
        return bestEpoch;
    }

    public double best() {
        return best;
    }

    private static Map<String, Tensor> copy(Map<String, Tensor> state) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        state.forEach((k, v) -> out.put(k, v.dtype() == DType.I32 ? Tensor.ofInts(v.toIntArray(), v.shape()) : v.contiguousCopy()));
        return out;
    }
}
