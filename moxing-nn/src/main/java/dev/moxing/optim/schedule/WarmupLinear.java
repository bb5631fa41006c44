package dev.moxing.optim.schedule;

/**
 * Linear warmup then linear decay to {@code minLr} (BERT's schedule, and Hugging Face's
 * get_linear_schedule_with_warmup for minLr 0, except that warmup starts at base / (warmup + 1)
 * rather than 0):
 *
 * <pre>
 * t &lt; warmup:           base * (t + 1) / (warmup + 1)
 * warmup &lt;= t &lt; total:  minLr + (base - minLr) * (1 - (t - warmup) / (total - warmup))
 * t &gt;= total:           minLr
 * </pre>
 */
public record WarmupLinear(long warmupSteps, long totalSteps, double minLr) implements LrSchedule {

    public WarmupLinear {
        Warmup.check("WarmupLinear", warmupSteps, totalSteps, minLr);
    }

    public WarmupLinear(long warmupSteps, long totalSteps) {
        this(warmupSteps, totalSteps, 0);
    }

    @Override
    public double lrAt(long step, double baseLr) {
        if (step < warmupSteps) return Warmup.ramp(step, warmupSteps, baseLr);
        if (step >= totalSteps) return minLr;
        double progress = (double) (step - warmupSteps) / (totalSteps - warmupSteps);
        return minLr + (baseLr - minLr) * (1 - progress);
    }
}
