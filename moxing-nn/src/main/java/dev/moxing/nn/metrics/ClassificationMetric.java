package dev.moxing.nn.metrics;

import dev.moxing.tensor.Tensor;

/**
 * Precision, recall and F1 read off a confusion matrix. For binary outputs the score is that of
 * the positive class 1 (Keras's behaviour); for multi-class outputs it is one class's score when a
 * class id is given, else the macro average over the classes that occur in the targets or the
 * predictions (scikit-learn's average="macro").
 */
public abstract sealed class ClassificationMetric implements Metric permits Precision, Recall, F1Score {
    private final String name;
    private final int classId;
    private final ConfusionMatrix matrix;
    /** Whether the outputs are one probability per row (then class 1 is "positive"). */
    private boolean binary;

    ClassificationMetric(String name, double threshold, int classId) {
        this.name = name;
        this.classId = classId;
        this.matrix = new ConfusionMatrix(threshold);
    }

    /** The score of one class from its counts. */
    abstract double score(long tp, long fp, long fn);

    @Override
    public String name() {
        return name;
    }

    @Override
    public void accumulate(Tensor predictions, Tensor targets) {
        binary = ClassLabels.isBinary(predictions);
        matrix.accumulate(predictions, targets);
    }

    @Override
    public double result() {
        int n = matrix.numClasses();
        if (n == 0) return 0;
        if (classId >= 0 || binary) return scoreOf(classId >= 0 ? classId : 1);
        double sum = 0;
        int present = 0;
        for (int c = 0; c < n; c++) {
            if (matrix.truePositives(c) + matrix.falsePositives(c) + matrix.falseNegatives(c) == 0) continue;
            sum += scoreOf(c);
            present++;
        }
        return present == 0 ? 0 : sum / present;
    }

    private double scoreOf(int c) {
        if (c >= matrix.numClasses()) {
            throw new IllegalStateException(name + ": class id " + c + " but the outputs score " + matrix.numClasses() + " classes");
        }
        return score(matrix.truePositives(c), matrix.falsePositives(c), matrix.falseNegatives(c));
    }

    @Override
    public void reset() {
        matrix.reset();
    }

    static double ratio(long num, long den) {
        return den == 0 ? 0 : (double) num / den;
    }
}
