package dev.moxing.nn.metrics;

import dev.moxing.tensor.Tensor;

import java.util.Locale;

/** Metrics by their Keras names, for {@code compile(…, "accuracy")} and saved models. */
public final class Metrics {
    private Metrics() {
    }

    /** A metric by name, with "accuracy" chosen from the output shape on the first batch. */
    public static Metric byName(String name) {
        return byName(name, null);
    }

    /**
     * A metric by Keras name. "accuracy" (or "acc") depends on the loss, as in Keras: sparse
     * categorical accuracy for sparse categorical cross-entropy, binary accuracy for binary
     * cross-entropy, categorical accuracy for categorical cross-entropy; for other or unknown losses
     * it is decided from the output shape (one probability per row: binary). It keeps the name
     * "accuracy" in logs either way.
     */
    public static Metric byName(String name, String lossName) {
        String key = name.trim().toLowerCase(Locale.ROOT);
        return switch (key) {
            case "accuracy", "acc" -> accuracyFor(lossName);
            case "binary_accuracy" -> new BinaryAccuracy();
            case "categorical_accuracy" -> new CategoricalAccuracy();
            case "sparse_categorical_accuracy" -> CategoricalAccuracy.sparse();
            case "top_k_categorical_accuracy", "top_5_accuracy" -> new TopKCategoricalAccuracy(key, 5);
            case "sparse_top_k_categorical_accuracy" -> new TopKCategoricalAccuracy(key, 5);
            case "precision" -> new Precision();
            case "recall" -> new Recall();
            case "f1_score", "f1" -> new F1Score();
            case "auc" -> new Auc();
            case "mse", "mean_squared_error" -> new MeanSquaredError();
            case "mae", "mean_absolute_error" -> new MeanAbsoluteError();
            default -> throw new IllegalArgumentException("unknown metric '" + name + "'; known: accuracy, binary_accuracy, "
                    + "categorical_accuracy, sparse_categorical_accuracy, top_k_categorical_accuracy, "
                    + "sparse_top_k_categorical_accuracy, precision, recall, f1_score, auc, mse, mae");
        };
    }

    private static Metric accuracyFor(String lossName) {
        String loss = lossName == null ? "" : lossName.toLowerCase(Locale.ROOT);
        if (loss.contains("sparse_categorical")) return new CategoricalAccuracy("accuracy");
        if (loss.contains("binary")) return new BinaryAccuracy("accuracy", 0.5);
        if (loss.contains("categorical")) return new CategoricalAccuracy("accuracy");
        return new ShapeAccuracy();
    }

    /** "accuracy" for a loss that does not tell: binary or categorical by the first batch's outputs. */
    private static final class ShapeAccuracy implements Metric {
        private Metric chosen;

        @Override
        public String name() {
            return "accuracy";
        }

        @Override
        public void accumulate(Tensor predictions, Tensor targets) {
            if (chosen == null) {
                chosen = ClassLabels.isBinary(predictions) ? new BinaryAccuracy("accuracy", 0.5) : new CategoricalAccuracy("accuracy");
            }
            chosen.accumulate(predictions, targets);
        }

        @Override
        public double result() {
            return chosen == null ? 0 : chosen.result();
        }

        @Override
        public void reset() {
            if (chosen != null) chosen.reset();
        }
    }
}
