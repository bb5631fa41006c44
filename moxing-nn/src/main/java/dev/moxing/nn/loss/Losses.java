package dev.moxing.nn.loss;

import java.util.Locale;

/** Losses by their Keras names, for {@code model.compile(optimizer, "sparse_categorical_crossentropy")}. */
public final class Losses {
    private Losses() {
    }

    /**
     * "mse" / "mean_squared_error", "mae" / "mean_absolute_error", "huber" / "huber_loss",
     * "binary_crossentropy" / "bce", "categorical_crossentropy", "sparse_categorical_crossentropy",
     * with Keras's defaults: mean reduction, probability inputs for the cross-entropies (use the
     * classes' {@code fromLogits()} for raw scores), Huber delta 1.
     */
    public static Loss byName(String name) {
        return switch (name.toLowerCase(Locale.ROOT).trim()) {
            case "mse", "mean_squared_error" -> new MeanSquaredError();
            case "mae", "mean_absolute_error" -> new MeanAbsoluteError();
            case "huber", "huber_loss" -> new Huber();
            case "binary_crossentropy", "bce" -> new BinaryCrossEntropy();
            case "categorical_crossentropy" -> new CategoricalCrossEntropy();
            case "sparse_categorical_crossentropy" -> new SparseCategoricalCrossEntropy();
            default -> throw new IllegalArgumentException("unknown loss '" + name + "'; known: mse, mae, huber, "
                    + "binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy");
        };
    }
}
