package dev.moxing.nn.keras;

import dev.moxing.nn.loss.Loss;
import dev.moxing.nn.loss.Losses;
import dev.moxing.optim.Adagrad;
import dev.moxing.optim.Adam;
import dev.moxing.optim.AdamW;
import dev.moxing.optim.Optimizer;
import dev.moxing.optim.RMSprop;
import dev.moxing.optim.SGD;

import java.util.Locale;

/** The string forms of {@code compile("adam", "sparse_categorical_crossentropy", …)}. */
final class Factories {
    private Factories() {
    }

    /** An unbound optimizer by Keras name, with Keras's default learning rate for that name. */
    static Optimizer optimizer(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "adam" -> new Adam(1e-3);
            case "adamw" -> new AdamW(1e-3);
            case "sgd" -> new SGD(1e-2);
            case "rmsprop" -> new RMSprop(1e-3);
            case "adagrad" -> new Adagrad(1e-3);
            default -> throw new IllegalArgumentException("unknown optimizer '" + name + "' (adam, adamw, sgd, rmsprop, adagrad)");
        };
    }

    /** A loss by Keras name. */
    static Loss loss(String name) {
        return Losses.byName(name);
    }
}
