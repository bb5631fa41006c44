package dev.moxing.optim.schedule;

import dev.moxing.optim.Optimizer;

/**
 * A learning rate as a pure function of the scheduler step count, so a resumed run gets the same
 * values by construction. {@code lrAt(0, base)} is the rate at the start, {@code lrAt(t, base)} the
 * rate after t calls of {@link LrScheduler#step()}, the same indexing as torch.optim.lr_scheduler
 * (whose schedulers also set the step-0 rate when constructed). Whether a step is a batch or an
 * epoch is the caller's choice.
 */
@FunctionalInterface
public interface LrSchedule {

    /** The learning rate after {@code step} scheduler steps, for a base (initial) rate {@code baseLr}. */
    double lrAt(long step, double baseLr);

    /** A scheduler driving {@code optimizer} from its current rate as the base; sets the step-0 rate now. */
    default LrScheduler on(Optimizer optimizer) {
        return new LrScheduler(optimizer, this);
    }
}
