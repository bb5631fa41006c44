package dev.moxing.nn.metrics;

/** Harmonic mean of precision and recall, 2TP / (2TP + FP + FN); macro F1 averages per-class F1. */
public final class F1Score extends ClassificationMetric {
    public F1Score() {
        this(0.5, -1);
    }

    /** threshold cuts binary probabilities; classId ≥ 0 scores that class only, −1 macro-averages. */
    public F1Score(double threshold, int classId) {
        super("f1_score", threshold, classId);
    }

    @Override
    double score(long tp, long fp, long fn) {
        return ratio(2 * tp, 2 * tp + fp + fn);
    }
}
