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

    /** This step, then {@code next}. */
    default Transform andThen(Transform next) {
        return b -> next.apply(apply(b));
    }
}
