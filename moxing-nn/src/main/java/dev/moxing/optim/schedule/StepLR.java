package dev.moxing.optim.schedule;

/** Multiplies the rate by {@code gamma} every {@code stepSize} steps: base * gamma^floor(t / stepSize). */
public record StepLR(long stepSize, double gamma) implements LrSchedule {

    public StepLR {
        if (stepSize <= 0) throw new IllegalArgumentException("StepLR: step size must be positive, got " + stepSize);
        if (!(gamma >= 0)) throw new IllegalArgumentException("StepLR: invalid gamma " + gamma);
    }

    @Override
    public double lrAt(long step, double baseLr) {
        return baseLr * Math.pow(gamma, step / stepSize);
    }
}
