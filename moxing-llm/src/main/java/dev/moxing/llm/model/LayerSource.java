package dev.moxing.llm.model;

import dev.moxing.nn.Module;
import dev.moxing.nn.layers.Embedding;
import dev.moxing.nn.layers.LayerNorm;
import dev.moxing.nn.layers.Linear;
import dev.moxing.nn.layers.RMSNorm;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a {@link Transformer}'s layers get their weights: fresh random ones (for training from
 * scratch), or existing tensors by state-dict name (for a pretrained model: the layers wrap the
 * given tensors — memory-mapped, F16 or quantized ones included — instead of allocating and
 * initialising weights that would be overwritten at once).
 */
abstract sealed class LayerSource {

    abstract Linear linear(String name, int in, int out, boolean bias);

    abstract Embedding embedding(String name, int count, int dim);

    Module norm(String name, TransformerConfig c) {
        return c.norm() == TransformerConfig.Norm.LAYER_NORM
                ? new LayerNorm(c.width(), c.normEps()) : new RMSNorm(c.width(), c.normEps());
    }

    /**
     * The rotary frequency factors ("rotary.freq_factors", {@code half} floats), or null: only
     * given weights can carry them (fresh models rotate at the plain frequencies).
     */
    float[] freqFactors(int half) {
        return null;
    }

    /** Randomness for dropout (and initialisation, for fresh layers). */
    abstract Rng rng();

    /** Checks that every given weight found its layer. */
    void finish() {
    }

    static final class Fresh extends LayerSource {
        private final Rng rng;
        private final float[] freqFactors;

        Fresh(Rng rng, float[] freqFactors) {
            this.rng = rng;
            this.freqFactors = freqFactors;
        }

        @Override
        float[] freqFactors(int half) {
            return freqFactors;
        }

        @Override
        Linear linear(String name, int in, int out, boolean bias) {
            return new Linear(in, out, bias, rng);
        }

        @Override
        Embedding embedding(String name, int count, int dim) {
            return new Embedding(count, dim, rng);
        }

        @Override
        Rng rng() {
            return rng;
        }
    }

    static final class Given extends LayerSource {
        private final Map<String, Tensor> remaining;
        private final Rng rng = new Rng(42);

        Given(Map<String, Tensor> weights) {
            this.remaining = new LinkedHashMap<>(weights);
        }

        private Tensor take(String name, int... shape) {
            Tensor t = remaining.remove(name);
            if (t == null) throw new IllegalArgumentException("missing weight '" + name + "' " + Shape.str(shape));
            if (!Shape.same(t.shape(), shape)) {
                throw new IllegalArgumentException("weight '" + name + "' has shape " + Shape.str(t.shape())
                        + ", the model needs " + Shape.str(shape));
            }
            return t;
        }

        @Override
        Linear linear(String name, int in, int out, boolean bias) {
            return new Linear(take(name + ".weight", out, in), bias ? take(name + ".bias", out) : null);
        }

        @Override
        Embedding embedding(String name, int count, int dim) {
            return new Embedding(take(name + ".weight", count, dim));
        }

        @Override
        Module norm(String name, TransformerConfig c) {
            Module m = super.norm(name, c);
            try (var ignored = Tensor.noGrad()) {
                for (var e : m.namedParameters().entrySet()) e.getValue().copyFrom(take(name + "." + e.getKey(), c.width()));
            }
            return m;
        }

        @Override
        float[] freqFactors(int half) {
            if (!remaining.containsKey(Transformer.FREQ_FACTORS)) return null;
            return take(Transformer.FREQ_FACTORS, half).toFloatArray();
        }

        @Override
        Rng rng() {
            return rng;
        }

        @Override
        void finish() {
            if (!remaining.isEmpty()) {
                throw new IllegalArgumentException("unexpected weights: " + String.join(", ", remaining.keySet()));
            }
        }
    }
}
