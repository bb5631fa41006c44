package dev.moxing.nn.metrics;

import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

/**
 * Reads model outputs and targets as class indices, the common ground of the classification
 * metrics (and of class weighting in training). Outputs are rows of scores whose last dim is the
 * class count; a last dim of 1, or rank 1, means one binary probability per row. Targets may be
 * class indices (any dtype holding whole numbers), one-hot rows, or binary 0/1 values.
 */
public final class ClassLabels {
    private ClassLabels() {
    }

    /** Number of classes the outputs score: the last dim, or 2 for one binary probability per row. */
    public static int classCount(Tensor predictions) {
        int[] s = predictions.shape();
        if (s.length == 0) throw new IllegalArgumentException("metrics: predictions must have a batch dim, got a scalar");
        int last = s[s.length - 1];
        return s.length == 1 || last == 1 ? 2 : last;
    }

    /** Rows of the outputs: every dim but the class dim (all dims for binary outputs). */
    public static int rowCount(Tensor predictions) {
        int[] s = predictions.shape();
        int last = s[s.length - 1];
        return s.length == 1 || last == 1 ? predictions.numel() : predictions.numel() / Math.max(1, last);
    }

    /** The predicted class per row: argmax of the scores, or probability &gt; threshold for binary outputs. */
    public static int[] predicted(Tensor predictions, double threshold) {
        int classes = classCount(predictions);
        float[] p = predictions.toFloatArray();
        int rows = rowCount(predictions);
        int[] out = new int[rows];
        if (isBinary(predictions)) {
            for (int i = 0; i < rows; i++) out[i] = p[i] > threshold ? 1 : 0;
            return out;
        }
        for (int i = 0; i < rows; i++) out[i] = argmax(p, i * classes, classes);
        return out;
    }

    /**
     * The true class per row. One-hot targets (same shape as multi-class outputs) give their argmax;
     * binary targets are thresholded at 0.5; otherwise each target must be a whole number in
     * [0, classes), and the message names the row and the value when one is not.
     */
    public static int[] actual(Tensor targets, Tensor predictions, String who) {
        int rows = rowCount(predictions);
        int classes = classCount(predictions);
        float[] t = targets.toFloatArray();
        int[] out = new int[rows];
        if (!isBinary(predictions) && Shape.same(targets.shape(), predictions.shape())) {
            for (int i = 0; i < rows; i++) out[i] = argmax(t, i * classes, classes);
            return out;
        }
        if (t.length != rows) {
            throw new IllegalArgumentException(who + ": targets of shape " + Shape.str(targets.shape())
                    + " do not match predictions of shape " + Shape.str(predictions.shape())
                    + " (expected " + rows + " class indices or one-hot rows of " + classes + ")");
        }
        if (isBinary(predictions)) {
            for (int i = 0; i < rows; i++) {
                checkFinite(who, t[i], i);
                out[i] = t[i] > 0.5f ? 1 : 0;
            }
            return out;
        }
        for (int i = 0; i < rows; i++) out[i] = checkedLabel(who, t[i], i, classes);
        return out;
    }

    /** A class index read from a float, or a message naming the row and why it is not one. */
    public static int checkedLabel(String who, float v, int row, int classes) {
        checkFinite(who, v, row);
        if (v != Math.rint(v) || v < 0 || v >= classes) {
            throw new IllegalArgumentException(who + ": label " + format(v) + " at row " + row
                    + " is out of range: the model outputs " + classes + " classes, so labels must be whole numbers 0.."
                    + (classes - 1));
        }
        return (int) v;
    }

    private static void checkFinite(String who, float v, int row) {
        if (!Float.isFinite(v)) throw new IllegalArgumentException(who + ": target at row " + row + " is " + v);
    }

    private static String format(float v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : Float.toString(v);
    }

    static boolean isBinary(Tensor predictions) {
        int[] s = predictions.shape();
        return s.length == 1 || s[s.length - 1] == 1;
    }

    static int argmax(float[] a, int from, int n) {
        int best = 0;
        for (int j = 1; j < n; j++) if (a[from + j] > a[from + best]) best = j;
        return best;
    }
}
