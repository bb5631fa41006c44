package dev.moxing.optim.schedule;

/** The linear warmup shared by the warmup schedules. */
final class Warmup {
    private Warmup() {
    }

    static void check(String who, long warmupSteps, long totalSteps, double minLr) {
        if (warmupSteps < 0) throw new IllegalArgumentException(who + ": negative warmup steps " + warmupSteps);
        if (totalSteps <= warmupSteps) {
            throw new IllegalArgumentException(who + ": total steps (" + totalSteps + ") must exceed warmup steps ("
                    + warmupSteps + ")");
        }
        if (!(minLr >= 0)) throw new IllegalArgumentException(who + ": invalid minLr " + minLr);
    }

    /** base * (t + 1) / (warmup + 1): rises to just under base, which the decay phase starts from. */
    static double ramp(long step, long warmupSteps, double baseLr) {
        return baseLr * (step + 1) / (warmupSteps + 1);
    }
}
