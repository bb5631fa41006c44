package dev.moxing.nn.keras;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link Model#fit} returns: one map of logs per completed epoch (loss, metrics, val_*, and
 * whatever callbacks added, such as learning_rate), and why training stopped when it stopped early.
 */
public final class History {
    private final List<Map<String, Double>> epochs = new ArrayList<>();
    private String stopReason;
    private boolean terminatedOnNaN;

    void record(Map<String, Double> logs) {
        epochs.add(Collections.unmodifiableMap(new LinkedHashMap<>(logs)));
    }

    void stopped(String reason, boolean nan) {
        stopReason = reason;
        terminatedOnNaN |= nan;
    }

    /** Number of epochs run. */
    public int epochCount() {
        return epochs.size();
    }

    /** The logs of epoch i (0-based). */
    public Map<String, Double> epoch(int i) {
        return epochs.get(i);
    }

    /** Logs of every epoch, in order. */
    public List<Map<String, Double>> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    /** The last epoch's logs (empty when no epoch ran). */
    public Map<String, Double> last() {
        return epochs.isEmpty() ? Map.of() : epochs.getLast();
    }

    /** One key's value per epoch, like Keras's {@code history.history["val_loss"]}; NaN where an epoch lacks it. */
    public List<Double> get(String key) {
        List<Double> out = new ArrayList<>(epochs.size());
        for (var e : epochs) out.add(e.getOrDefault(key, Double.NaN));
        return out;
    }

    /** Every key seen, each with its values per epoch: Keras's {@code history.history}. */
    public Map<String, List<Double>> history() {
        Map<String, List<Double>> out = new LinkedHashMap<>();
        for (var e : epochs) for (String k : e.keySet()) out.computeIfAbsent(k, this::get);
        return out;
    }

    /** Why training stopped before its last epoch (NaN loss, a callback), or null when it ran to the end. */
    public String stopReason() {
        return stopReason;
    }

    /** Whether training was stopped because the loss became NaN or infinite. */
    public boolean terminatedOnNaN() {
        return terminatedOnNaN;
    }

    @Override
    public String toString() {
        return "History(" + epochs.size() + " epochs" + (stopReason == null ? "" : ", " + stopReason) + ")";
    }
}
