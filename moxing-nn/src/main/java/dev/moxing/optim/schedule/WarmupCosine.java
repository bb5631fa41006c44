package dev.moxing.optim.schedule;

/**
 * Linear warmup then cosine decay to {@code minLr}, the usual Transformer schedule (nanoGPT's):
 *
 * <pre>
 * t &lt; warmup:           base * (t + 1) / (warmup + 1)      (never 0, so the first step learns)
 * warmup &lt;= t &lt; total:  minLr + (base - minLr) * (1 + cos(pi * (t - warmup) / (total - warmup))) / 2
 * t &gt;= total:           minLr
 * </pre>
 */
public record WarmupCosine(long warmupSteps, long totalSteps, double minLr) implements LrSchedule {

    public WarmupCosine {
        Warmup.check("WarmupCosine", warmupSteps, totalSteps, minLr);
    }

    @Override
    public double lrAt(long step, double baseLr) {
        if (step < warmupSteps) return Warmup.ramp(step, warmupSteps, baseLr);
        if (step >= totalSteps) return minLr;
        double progress = (double) (step - warmupSteps) / (totalSteps - warmupSteps);
        return minLr + (baseLr - minLr) * (1 + Math.cos(Math.PI * progress)) / 2;
    }
}
