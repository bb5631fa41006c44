package dev.moxing.nn.keras;

import dev.moxing.nn.metrics.ClassLabels;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

import java.util.Locale;

/**
 * Checks all the targets of a dataset against the model's output before training starts: a label
 * out of range or targets of the wrong form for the loss are reported with the row, the value and
 * what was expected, instead of surfacing mid-epoch (or not at all, as a silently wrong loss).
 */
final class TargetCheck {
    private TargetCheck() {
    }

    /** output: the model's output for one row; labels: every target of the dataset. */
    static void check(String op, String lossName, Tensor output, Tensor labels) {
        if (output.dim() == 0) throw new IllegalArgumentException(op + ": the model's output has no batch dim");
        String loss = lossName.toLowerCase(Locale.ROOT);
        int classes = output.size(-1);
        int rows = labels.size(0);
        if (loss.contains("sparse_categorical")) {
            if (labels.numel() != rows * (output.numel() / classes)) {
                throw new IllegalArgumentException(op + ": " + lossName + " needs one class index per row, but the targets"
                        + " have shape " + Shape.str(labels.shape()) + " for outputs of shape " + Model.kerasShape(output.shape())
                        + (labels.dim() == 2 && labels.size(1) == classes
                        ? " (these look one-hot: use categorical_crossentropy, or pass class indices)" : ""));
            }
            checkIndices(op, labels, classes);
        } else if (loss.contains("categorical")) {
            if (classes > 1 && (labels.dim() == 1 || labels.dim() == 2 && labels.size(1) == 1)) {
                throw new IllegalArgumentException(op + ": " + lossName + " needs one-hot targets of shape (N, "
                        + classes + "), but got class indices of shape " + Shape.str(labels.shape())
                        + "; use sparse_categorical_crossentropy or one-hot encode the labels");
            }
        } else if (loss.contains("binary")) {
            float[] t = labels.toFloatArray();
            for (int i = 0; i < t.length; i++) {
                if (!(t[i] >= 0 && t[i] <= 1)) {
                    throw new IllegalArgumentException(op + ": " + lossName + " needs targets in [0, 1], but target "
                            + i + " is " + t[i]);
                }
            }
        }
    }

    private static void checkIndices(String op, Tensor labels, int classes) {
        if (labels.dtype() == DType.I32) {
            int[] t = labels.toIntArray();
            for (int i = 0; i < t.length; i++) {
                if (t[i] < 0 || t[i] >= classes) ClassLabels.checkedLabel(op, t[i], i, classes);
            }
            return;
        }
        float[] t = labels.toFloatArray();
        for (int i = 0; i < t.length; i++) ClassLabels.checkedLabel(op, t[i], i, classes);
    }
}
