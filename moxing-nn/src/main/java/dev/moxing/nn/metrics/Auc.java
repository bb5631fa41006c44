package dev.moxing.nn.metrics;

import dev.moxing.tensor.Tensor;

import java.util.Arrays;

/**
 * Area under the ROC curve. Every output element is one (score, 0/1 label) pair, as in Keras with
 * multi_label=false; class-index targets for multi-class outputs count one-vs-rest.
 *
 * <p>Two ways to compute it. With thresholds (Keras's default, 200) the scores are histogrammed
 * into the buckets between fixed thresholds on [0, 1], the ROC curve is read at each threshold
 * and integrated with the trapezoid rule: constant memory, an approximation that assumes
 * probabilities. {@link #exact()} keeps every pair and computes the Mann–Whitney statistic (ties
 * count one half): the exact area for any scores, at memory linear in the data.
 */
public final class Auc implements Metric {
    private final double[] thresholds; // null for exact
    private long[] positives, negatives; // per bucket (thresholds), or growable lists (exact)
    private float[] scores = new float[0];
    private boolean[] labels = new boolean[0];
    private int size;

    /** Keras's default: 200 thresholds. */
    public Auc() {
        this(200);
    }

    public Auc(int numThresholds) {
        if (numThresholds < 2) throw new IllegalArgumentException("auc: need at least 2 thresholds, got " + numThresholds);
        thresholds = new double[numThresholds];
        double eps = 1e-7;
        thresholds[0] = -eps;
        for (int i = 1; i < numThresholds - 1; i++) thresholds[i] = (double) i / (numThresholds - 1);
        thresholds[numThresholds - 1] = 1 + eps;
        positives = new long[numThresholds + 1];
        negatives = new long[numThresholds + 1];
    }

    private Auc(boolean exact) {
        thresholds = null;
    }

    /** The exact area (rank statistic over all pairs seen). */
    public static Auc exact() {
        return new Auc(true);
    }

    @Override
    public String name() {
        return "auc";
    }

    @Override
    public void accumulate(Tensor predictions, Tensor targets) {
        float[] p = predictions.toFloatArray();
        boolean[] y = binaryTargets(predictions, targets);
        if (thresholds == null) {
            ensure(size + p.length);
            for (int i = 0; i < p.length; i++) {
                if (Float.isNaN(p[i])) throw new IllegalArgumentException("auc: prediction " + i + " is NaN");
                scores[size] = p[i];
                labels[size++] = y[i];
            }
            return;
        }
        for (int i = 0; i < p.length; i++) {
            int bucket = bucket(p[i]);
            if (y[i]) positives[bucket]++;
            else negatives[bucket]++;
        }
    }

    /** How many thresholds lie strictly below s: s is "predicted positive" at exactly those. */
    private int bucket(float s) {
        int i = Arrays.binarySearch(thresholds, s);
        if (i >= 0) {
            while (i > 0 && thresholds[i - 1] == s) i--;
            return i;
        }
        return -i - 1;
    }

    private static boolean[] binaryTargets(Tensor predictions, Tensor targets) {
        float[] t = targets.toFloatArray();
        boolean[] y = new boolean[predictions.numel()];
        if (t.length == y.length) {
            for (int i = 0; i < t.length; i++) y[i] = t[i] > 0.5f;
            return y;
        }
        int classes = ClassLabels.classCount(predictions);
        int[] actual = ClassLabels.actual(targets, predictions, "auc");
        for (int r = 0; r < actual.length; r++) y[r * classes + actual[r]] = true;
        return y;
    }

    @Override
    public double result() {
        return thresholds == null ? exactArea() : thresholdArea();
    }

    private double thresholdArea() {
        int n = thresholds.length;
        long totalPos = 0, totalNeg = 0;
        for (int b = 0; b <= n; b++) {
            totalPos += positives[b];
            totalNeg += negatives[b];
        }
        if (totalPos == 0 || totalNeg == 0) return 0;
        // tp at thresholds[i] = positives scoring above it = those in buckets > i. The curve runs
        // from (1, 1) (everything positive) through each threshold's point to (0, 0); for
        // probabilities the first and last thresholds sit exactly on those ends, as in Keras.
        double area = 0, prevTpr = 1, prevFpr = 1;
        long tp = totalPos - positives[0], fp = totalNeg - negatives[0];
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                tp -= positives[i];
                fp -= negatives[i];
            }
            double tpr = (double) tp / totalPos, fpr = (double) fp / totalNeg;
            area += (prevFpr - fpr) * (prevTpr + tpr) / 2;
            prevTpr = tpr;
            prevFpr = fpr;
        }
        return area + prevFpr * prevTpr / 2;
    }

    private double exactArea() {
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(scores[a], scores[b]));
        long pos = 0;
        double rankSum = 0;
        for (int i = 0; i < size; ) {
            int j = i;
            while (j < size && scores[order[j]] == scores[order[i]]) j++;
            double avgRank = (i + 1 + j) / 2.0; // ranks i+1..j share their mean
            for (int k = i; k < j; k++) {
                if (labels[order[k]]) {
                    rankSum += avgRank;
                    pos++;
                }
            }
            i = j;
        }
        long neg = size - pos;
        if (pos == 0 || neg == 0) return 0;
        return (rankSum - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }

    private void ensure(int capacity) {
        if (capacity <= scores.length) return;
        int n = Math.max(capacity, scores.length * 2);
        scores = Arrays.copyOf(scores, n);
        labels = Arrays.copyOf(labels, n);
    }

    @Override
    public void reset() {
        size = 0;
        if (positives != null) {
            Arrays.fill(positives, 0);
            Arrays.fill(negatives, 0);
        }
    }
}
