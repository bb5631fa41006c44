package dev.moxing.optim.schedule;

/**
 * Half a cosine from the base rate down to {@code etaMin} over {@code tMax} steps:
 * etaMin + (base - etaMin) * (1 + cos(pi * t / tMax)) / 2. Past tMax it rises again (the cosine
 * continues), exactly as torch's CosineAnnealingLR without restarts; use {@link WarmupCosine} for
 * a rate that stays at its minimum.
 */
public record CosineAnnealingLR(long tMax, double etaMin) implements LrSchedule {

    public CosineAnnealingLR {
        if (tMax <= 0) throw new IllegalArgumentException("CosineAnnealingLR: tMax must be positive, got " + tMax);
        if (!(etaMin >= 0)) throw new IllegalArgumentException("CosineAnnealingLR: invalid etaMin " + etaMin);
    }

    public CosineAnnealingLR(long tMax) {
        this(tMax, 0);
    }

    @Override
    public double lrAt(long step, double baseLr) {
        return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * step / tMax)) / 2;
    }
}
