package dev.moxing.nn.layers;

import dev.moxing.nn.Module;
import dev.moxing.nn.init.Init;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;

/**
 * Inverted dropout: in training, zeroes each element with probability p and scales the survivors
 * by 1/(1−p), so evaluation (where the layer is the identity) needs no rescaling. The mask comes
 * from the layer's own seeded generator, so a run is reproducible.
 */
public final class Dropout extends Module {
    private final float p;
    private final Rng rng;

    public Dropout(double p) {
        this(p, Init.defaultRng());
    }

    public Dropout(double p, Rng rng) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("Dropout: p must be in [0, 1], got " + p);
        this.p = (float) p;
        this.rng = rng;
    }

    public float p() {
        return p;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.dropout(p, isTraining(), rng);
    }

    @Override
    public String describe() {
        return "Dropout(" + p + ")";
    }
}
