package dev.moxing.nn.callbacks;

import java.util.Locale;
import java.util.Map;

/**
 * The quantity a callback watches and which direction is better. Mode "auto" (Keras's default)
 * maximises accuracy-like quantities (accuracy, auc, precision, recall, f1) and minimises the rest
 * (losses, errors). An improvement must beat the best by more than minDelta.
 */
record Monitor(String key, boolean maximize, double minDelta) {

    static Monitor of(String key, String mode, double minDelta) {
        if (!(minDelta >= 0)) throw new IllegalArgumentException("monitor " + key + ": minDelta must be ≥ 0, got " + minDelta);
        boolean max = switch (mode.toLowerCase(Locale.ROOT)) {
            case "max" -> true;
            case "min" -> false;
            case "auto" -> isAccuracyLike(key);
            default -> throw new IllegalArgumentException("monitor " + key + ": mode must be auto, min or max, got " + mode);
        };
        return new Monitor(key, max, minDelta);
    }

    private static boolean isAccuracyLike(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        if (k.startsWith("val_")) k = k.substring(4);
        return k.contains("acc") || k.contains("auc") || k.contains("precision") || k.contains("recall") || k.startsWith("f1");
    }

    /** The worst possible value, so that any first value improves on it. */
    double worst() {
        return maximize ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }

    boolean improves(double current, double best) {
        if (Double.isNaN(current)) return false;
        return maximize ? current - minDelta > best : current + minDelta < best;
    }

    /** The watched value, or null (with a warning once) when the logs do not have it. */
    Double read(Map<String, Double> logs, String who, boolean[] warned) {
        Double v = logs.get(key);
        if (v == null && !warned[0]) {
            warned[0] = true;
            System.err.println(who + ": '" + key + "' is not in the logs (available: " + logs.keySet()
                    + "); it does nothing until it is");
        }
        return v;
    }
}
