package dev.moxing.llm.generate;

import dev.moxing.random.Rng;

import java.util.Arrays;

/** Picks the next token from a row of logits: penalties, temperature, top-k, top-p, then a seeded draw. */
public final class Sampler {
    private final GenerateOptions o;
    private final Rng rng;

    public Sampler(GenerateOptions options) {
        this.o = options;
        this.rng = new Rng(options.seed());
    }

    /** logits are modified in place; history holds the token ids seen so far (prompt included). */
    public int next(float[] logits, int[] history, int historyLength) {
        if (o.repetitionPenalty() != 1f) {
            boolean[] seen = new boolean[logits.length];
            for (int i = 0; i < historyLength; i++) {
                int t = history[i];
                if (t >= 0 && t < logits.length && !seen[t]) {
                    seen[t] = true;
                    logits[t] = logits[t] > 0 ? logits[t] / o.repetitionPenalty() : logits[t] * o.repetitionPenalty();
                }
            }
        }
        if (o.temperature() == 0f) return argmax(logits);
        int n = logits.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        int keep = o.topK() > 0 ? Math.min(o.topK(), n) : n;
        double max = logits[order[0]];
        double[] p = new double[keep];
        double total = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp((logits[order[i]] - max) / o.temperature());
            total += p[i];
        }
        if (o.topP() < 1f) { // smallest prefix whose mass reaches topP
            double cum = 0;
            int cut = keep;
            for (int i = 0; i < keep; i++) {
                cum += p[i] / total;
                if (cum >= o.topP()) {
                    cut = i + 1;
                    break;
                }
            }
            keep = cut;
            total = 0;
            for (int i = 0; i < keep; i++) total += p[i];
        }
        double r = rng.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            r -= p[i];
            if (r < 0) return order[i];
        }
        return order[keep - 1];
    }

    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}
