package dev.moxing.optim.schedule;

/** Multiplies the rate by {@code gamma} every step: base * gamma^t. */
public record ExponentialLR(double gamma) implements LrSchedule {

    public ExponentialLR {
        if (!(gamma >= 0)) throw new IllegalArgumentException("ExponentialLR: invalid gamma " + gamma);
    }

    @Override
    public double lrAt(long step, double baseLr) {
        return baseLr * Math.pow(gamma, step);
    }
}
