package dev.moxing.nn.metrics;

/** TP / (TP + FP): of the rows predicted as a class, the share that are. */
public final class Precision extends ClassificationMetric {
    public Precision() {
        this(0.5, -1);
    }

    /** threshold cuts binary probabilities; classId ≥ 0 scores that class only, −1 macro-averages. */
    public Precision(double threshold, int classId) {
        super("precision", threshold, classId);
    }

    @Override
    double score(long tp, long fp, long fn) {
        return ratio(tp, tp + fp);
    }
}
