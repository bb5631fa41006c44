package dev.moxing.nn.metrics;

import dev.moxing.tensor.Tensor;

/**
 * Counts of (true class, predicted class) pairs, rows true and columns predicted as in
 * scikit-learn. Binary outputs (one probability per row) are cut at the threshold into classes
 * 0 and 1. The class count is fixed by the first batch, or given up front.
 */
public final class ConfusionMatrix {
    private final double threshold;
    private long[][] counts;

    public ConfusionMatrix() {
        this(0.5);
    }

    public ConfusionMatrix(double threshold) {
        this.threshold = threshold;
    }

    public ConfusionMatrix(int numClasses) {
        this(0.5);
        if (numClasses < 2) throw new IllegalArgumentException("ConfusionMatrix: need at least 2 classes, got " + numClasses);
        counts = new long[numClasses][numClasses];
    }

    public void accumulate(Tensor predictions, Tensor targets) {
        int classes = ClassLabels.classCount(predictions);
        if (counts == null) counts = new long[classes][classes];
        if (classes != counts.length) {
            throw new IllegalArgumentException("confusion_matrix: predictions score " + classes
                    + " classes, earlier batches " + counts.length);
        }
        int[] predicted = ClassLabels.predicted(predictions, threshold);
        int[] actual = ClassLabels.actual(targets, predictions, "confusion_matrix");
        for (int i = 0; i < predicted.length; i++) counts[actual[i]][predicted[i]]++;
    }

    /** Adds one (true, predicted) pair directly. */
    public void add(int actual, int predicted) {
        counts[actual][predicted]++;
    }

    public int numClasses() {
        return counts == null ? 0 : counts.length;
    }

    /** A copy of the counts: [true class][predicted class]. */
    public long[][] matrix() {
        if (counts == null) return new long[0][0];
        long[][] out = new long[counts.length][];
        for (int i = 0; i < counts.length; i++) out[i] = counts[i].clone();
        return out;
    }

    public long truePositives(int c) {
        return counts[c][c];
    }

    /** Rows predicted c that are not c. */
    public long falsePositives(int c) {
        long n = 0;
        for (int a = 0; a < counts.length; a++) if (a != c) n += counts[a][c];
        return n;
    }

    /** Rows of class c predicted as something else. */
    public long falseNegatives(int c) {
        long n = 0;
        for (int p = 0; p < counts.length; p++) if (p != c) n += counts[c][p];
        return n;
    }

    public long total() {
        long n = 0;
        if (counts != null) for (long[] row : counts) for (long v : row) n += v;
        return n;
    }

    public double accuracy() {
        long t = total(), diag = 0;
        for (int c = 0; c < numClasses(); c++) diag += counts[c][c];
        return t == 0 ? 0 : (double) diag / t;
    }

    public void reset() {
        if (counts != null) for (long[] row : counts) java.util.Arrays.fill(row, 0);
    }

    /** The matrix as an aligned text table, true classes down, predicted across. */
    @Override
    public String toString() {
        int n = numClasses();
        int width = 4;
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) width = Math.max(width, Long.toString(counts[i][j]).length() + 1);
        StringBuilder sb = new StringBuilder("true\\pred");
        for (int j = 0; j < n; j++) sb.append(String.format("%" + width + "d", j));
        for (int i = 0; i < n; i++) {
            sb.append('\n').append(String.format("%9d", i));
            for (int j = 0; j < n; j++) sb.append(String.format("%" + width + "d", counts[i][j]));
        }
        return sb.toString();
    }
}
