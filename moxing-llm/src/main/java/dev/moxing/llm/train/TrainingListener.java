package dev.moxing.llm.train;

import java.nio.file.Path;
import java.util.Locale;

/** What a training run reports as it goes; the command line prints these as lines. */
public interface TrainingListener {

    default void onStep(StepReport report) {
    }

    /** After an evaluation; {@code savedTo} is the checkpoint directory, or null when nothing was saved. */
    default void onEval(TrainingState.EvalPoint point, Path savedTo) {
    }

    /** Progress after a step: mean loss over the steps since the last report, learning rate, speed and ETA. */
    record StepReport(int step, int totalSteps, double loss, double lr, double gradNorm, double tokensPerSecond,
                      double etaSeconds) {

        /** {@code step  120/2000 | loss 2.3456 | lr 1.00e-03 | norm 0.84 | 9,876 tok/s | ETA 12m05s}. */
        public String line() {
            int w = String.valueOf(totalSteps).length();
            return String.format(Locale.ROOT, "step %" + w + "d/%d | loss %.4f | lr %.2e | %s%,.0f tok/s | ETA %s",
                    step, totalSteps, loss, lr, Double.isNaN(gradNorm) ? "" : String.format(Locale.ROOT, "norm %.2f | ", gradNorm),
                    tokensPerSecond, duration(etaSeconds));
        }
    }

    /** {@code eval step 500: val loss 1.9123 (perplexity 6.77), train loss 1.9512, 3m12s}. */
    static String evalLine(TrainingState.EvalPoint p) {
        return String.format(Locale.ROOT, "eval step %d: val loss %.4f (perplexity %.2f), train loss %.4f, %s elapsed",
                p.step(), p.valLoss(), p.valPerplexity(), p.trainLoss(), duration(p.seconds()));
    }

    /** 75 → "1m15s", 3725 → "1h02m05s". */
    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) return "?";
        long s = Math.round(seconds);
        if (s >= 3600) return String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, s % 3600 / 60, s % 60);
        if (s >= 60) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        return s + "s";
    }
}
