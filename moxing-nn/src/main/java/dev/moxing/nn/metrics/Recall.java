package dev.moxing.nn.metrics;

/** TP / (TP + FN): of the rows of a class, the share predicted as it. */
public final class Recall extends ClassificationMetric {
    public Recall() {
        this(0.5, -1);
    }

    /** threshold cuts binary probabilities; classId ≥ 0 scores that class only, −1 macro-averages. */
    public Recall(double threshold, int classId) {
        super("recall", threshold, classId);
    }

    @Override
    double score(long tp, long fp, long fn) {
        return ratio(tp, tp + fn);
    }
}
