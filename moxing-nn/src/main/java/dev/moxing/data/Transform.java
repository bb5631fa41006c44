package dev.moxing.data;

/**
 * A per-batch preprocessing step, run by a {@link DataLoader} on its prefetch thread in batch
 * order. Built-in steps are in {@link Transforms}. A transform that draws random numbers should
 * own its {@link dev.moxing.random.Rng}: the loader calls it from one thread at a time and in a
 * fixed order, which is what makes augmented epochs repeat exactly for a given seed.
 */
@FunctionalInterface
public interface Transform {
    Batch apply(Batch batch);

    /**
     * Restarts this step's random generator from {@code seed}. A loader built with
     * {@link DataLoader.Builder#seed} calls it at the start of every epoch, so that the draws of
     * epoch e depend on (seed, e) alone and a resumed run augments exactly as an uninterrupted one.
     * Deterministic steps ignore it.
     */
    default void reseed(long seed) {
    }

    /** This step, then {@code next}. */
    default Transform andThen(Transform next) {
        return b -> next.apply(apply(b));
    }
}
