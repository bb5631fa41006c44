package dev.moxing.nn.keras;

import dev.moxing.data.Dataset;
import dev.moxing.nn.callbacks.Callback;
import dev.moxing.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * The arguments of {@link Model#fit}, Keras's names and defaults, set by withers:
 * {@code FitOptions.defaults().epochs(10).batchSize(128).validationSplit(0.1)}.
 *
 * @param validationSplit fraction of the training data held out from its end (before shuffling,
 *                        as in Keras); ignored when validationData is given
 * @param validationData  data evaluated after each epoch, or null
 * @param shuffle         reshuffle the training rows every epoch, from a generator seeded by seed
 * @param classWeight     loss weight per class index (missing classes weigh 1), or empty
 * @param verbose         0 silent, 1 progress bar, 2 one line per epoch
 * @param clipNorm        rescale gradients whose global L2 norm exceeds this (0: off)
 * @param clipValue       clamp every gradient element to ±this (0: off)
 * @param initialEpoch    Keras's initial_epoch: the epoch to start at (from 0), for resuming a run;
 *                        fit trains epochs initialEpoch … epochs − 1, so {@code epochs} is the
 *                        final epoch count, not the number of epochs this call trains
 */
public record FitOptions(int epochs, int batchSize, double validationSplit, Dataset validationData, boolean shuffle,
                         long seed, List<Callback> callbacks, Map<Integer, Double> classWeight, int verbose,
                         double clipNorm, double clipValue, int initialEpoch) {

    public FitOptions {
        if (epochs < 1) throw new IllegalArgumentException("fit: epochs must be at least 1, got " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("fit: batchSize must be at least 1, got " + batchSize);
        if (!(validationSplit >= 0 && validationSplit < 1)) {
            throw new IllegalArgumentException("fit: validationSplit must be in [0, 1), got " + validationSplit);
        }
        // initialEpoch < epochs is checked by fit: withers may set initialEpoch before epochs.
        if (initialEpoch < 0) throw new IllegalArgumentException("fit: initialEpoch must be ≥ 0, got " + initialEpoch);
        if (verbose < 0 || verbose > 2) throw new IllegalArgumentException("fit: verbose must be 0, 1 or 2, got " + verbose);
        if (!(clipNorm >= 0) || !(clipValue >= 0)) {
            throw new IllegalArgumentException("fit: clipNorm and clipValue must be ≥ 0 (0 is off), got " + clipNorm + ", " + clipValue);
        }
        callbacks = List.copyOf(callbacks);
        classWeight = Map.copyOf(classWeight);
        for (var e : classWeight.entrySet()) {
            if (e.getKey() < 0 || !(e.getValue() >= 0) || e.getValue().isInfinite()) {
                throw new IllegalArgumentException("fit: class weight " + e.getKey() + " → " + e.getValue()
                        + " is invalid (need class ≥ 0 and a finite weight ≥ 0)");
            }
        }
    }

    /** Keras's defaults: 1 epoch, batch 32, no validation, shuffled (seed 0), verbose 1. */
    public static FitOptions defaults() {
        return new FitOptions(1, 32, 0, null, true, 0, List.of(), Map.of(), 1, 0, 0, 0);
    }

    public FitOptions epochs(int v) {
        return new FitOptions(v, batchSize, validationSplit, validationData, shuffle, seed, callbacks, classWeight, verbose, clipNorm, clipValue, initialEpoch);
    }

    public FitOptions batchSize(int v) {
        return new FitOptions(epochs, v, validationSplit, validationData, shuffle, seed, callbacks, classWeight, verbose, clipNorm, clipValue, initialEpoch);
    }

    public FitOptions validationSplit(double v) {
        return new FitOptions(epochs, batchSize, v, validationData, shuffle, seed, callbacks, classWeight, verbose, clipNorm, clipValue, initialEpoch);
    }

    public FitOptions validationData(Dataset v) {
        return new FitOptions(epochs, batchSize, validationSplit, v, shuffle, seed, callbacks, classWeight, verbose, clipNorm, clipValue, initialEpoch);
    }

    public FitOptions validationData(Tensor x, Tensor y) {
        return validationData(Dataset.of(x, y));
    }

    public FitOptions shuffle(boolean v) {
        return new FitOptions(epochs, batchSize, validationSplit, validationData, v, seed, callbacks, classWeight, verbose, clipNorm, clipValue, initialEpoch);
    }

    public FitOptions seed(long v) {
        return new FitOptions(epochs, batchSize, validationSplit, validationData, shuffle, v, callbacks, classWeight, verbose, clipNorm, clipValue, initialEpoch);
    }

    public FitOptions callbacks(Callback... v) {
        return callbacks(List.of(v));
    }

    public FitOptions callbacks(List<Callback> v) {
        return new FitOptions(epochs, batchSize, validationSplit, validationData, shuffle, seed, v, classWeight, verbose, clipNorm, clipValue, initialEpoch);
    }

    public FitOptions classWeight(Map<Integer, Double> v) {
        return new FitOptions(epochs, batchSize, validationSplit, validationData, shuffle, seed, callbacks, v, verbose, clipNorm, clipValue, initialEpoch);
    }

    public FitOptions verbose(int v) {
        return new FitOptions(epochs, batchSize, validationSplit, validationData, shuffle, seed, callbacks, classWeight, v, clipNorm, clipValue, initialEpoch);
    }

    public FitOptions clipNorm(double v) {
        return new FitOptions(epochs, batchSize, validationSplit, validationData, shuffle, seed, callbacks, classWeight, verbose, v, clipValue, initialEpoch);
    }

    public FitOptions clipValue(double v) {
        return new FitOptions(epochs, batchSize, validationSplit, validationData, shuffle, seed, callbacks, classWeight, verbose, clipNorm, v, initialEpoch);
    }

    public FitOptions initialEpoch(int v) {
        return new FitOptions(epochs, batchSize, validationSplit, validationData, shuffle, seed, callbacks, classWeight, verbose, clipNorm, clipValue, v);
    }
}
