package dev.moxing.llm.generate;

import dev.moxing.random.Rng;

import java.util.Arrays;

/**
 * Picks the next token from a row of logits, in llama.cpp's default order: penalties (repetition,
 * frequency, presence) → top-k → top-p → min-p → temperature → a seeded draw. Temperature 0 takes
 * the most likely token after the penalties.
 *
 * <p>Top-p and min-p therefore see the distribution at temperature 1: temperature only reshapes
 * the tokens that survive them, so a high temperature cannot let the long tail back in. (Before
 * min-p existed this class applied temperature first; only top-p with temperature ≠ 1 changes.)
 *
 * <p>{@link #lastLogprob()} is the chosen token's log-probability as OpenAI reports it: the
 * log-softmax of the logits after penalties and temperature (temperature 1 when greedy), over
 * the whole vocabulary, before top-k/top-p/min-p truncate it.
 */
public final class Sampler {
    private final GenerateOptions o;
    private final Rng rng;
    private double lastLogprob = Double.NaN;

    public Sampler(GenerateOptions options) {
        this.o = options;
        this.rng = new Rng(options.seed());
    }

    /** As {@link #next(float[], int[], int, int)} with every history token counted as generated. */
    public int next(float[] logits, int[] history, int historyLength) {
        return next(logits, history, 0, historyLength);
    }

    /**
     * Chooses a token. logits are modified in place (penalties); {@code history[0, length)} holds
     * the ids seen so far, of which the first {@code promptLength} are the prompt: the repetition
     * penalty counts them, the frequency and presence penalties do not.
     */
    public int next(float[] logits, int[] history, int promptLength, int length) {
        applyPenalties(logits, history, promptLength, length);
        int chosen;
        if (o.temperature() == 0f) {
            chosen = argmax(logits);
        } else {
            Candidates c = candidates(logits);
            double r = rng.nextDouble() * c.total;
            chosen = c.ids[c.count - 1];
            for (int i = 0; i < c.count; i++) {
                r -= c.weights[i];
                if (r < 0) {
                    chosen = c.ids[i];
                    break;
                }
            }
        }
        lastLogprob = logSoftmax(logits, chosen, o.temperature() == 0f ? 1f : o.temperature());
        return chosen;
    }

    /** The log-probability of the token the last {@link #next} call chose (see the class comment). */
    public double lastLogprob() {
        return lastLogprob;
    }

    /**
     * The distribution {@link #next} draws from, over the whole vocabulary (zero for filtered
     * tokens; one-hot when greedy). Applies the penalties to {@code logits} in place, as next does.
     */
    public double[] distribution(float[] logits, int[] history, int promptLength, int length) {
        applyPenalties(logits, history, promptLength, length);
        double[] p = new double[logits.length];
        if (o.temperature() == 0f) {
            p[argmax(logits)] = 1;
            return p;
        }
        Candidates c = candidates(logits);
        for (int i = 0; i < c.count; i++) p[c.ids[i]] = c.weights[i] / c.total;
        return p;
    }

    private void applyPenalties(float[] logits, int[] history, int promptLength, int length) {
        if (o.repetitionPenalty() != 1f) {
            boolean[] seen = new boolean[logits.length];
            for (int i = 0; i < length; i++) {
                int t = history[i];
                if (t >= 0 && t < logits.length && !seen[t]) {
                    seen[t] = true;
                    logits[t] = logits[t] > 0 ? logits[t] / o.repetitionPenalty() : logits[t] * o.repetitionPenalty();
                }
            }
        }
        if (o.frequencyPenalty() != 0f || o.presencePenalty() != 0f) {
            int[] count = new int[logits.length];
            for (int i = promptLength; i < length; i++) {
                int t = history[i];
                if (t >= 0 && t < logits.length) count[t]++;
            }
            for (int t = 0; t < logits.length; t++) {
                if (count[t] > 0) logits[t] -= count[t] * o.frequencyPenalty() + o.presencePenalty();
            }
        }
    }

    /** The tokens that survive top-k, top-p and min-p, most likely first, with their weights at the temperature. */
    private record Candidates(int[] ids, double[] weights, int count, double total) { }

    private Candidates candidates(float[] logits) {
        int[] order = descending(logits);
        int keep = o.topK() > 0 ? Math.min(o.topK(), order.length) : order.length;
        double max = logits[order[0]];
        if (o.topP() < 1f) { // smallest prefix whose probability (at temperature 1, over the kept) reaches topP
            double total = 0;
            for (int i = 0; i < keep; i++) total += Math.exp(logits[order[i]] - max);
            double cum = 0;
            for (int i = 0; i < keep; i++) {
                cum += Math.exp(logits[order[i]] - max) / total;
                if (cum >= o.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        if (o.minP() > 0f) { // p ≥ minP · p_max  ⇔  logit ≥ max + ln minP; the top token always stays
            double floor = max + Math.log(o.minP());
            int k = 1;
            while (k < keep && logits[order[k]] >= floor) k++;
            keep = k;
        }
        double[] w = new double[keep];
        double total = 0;
        for (int i = 0; i < keep; i++) {
            w[i] = Math.exp((logits[order[i]] - max) / o.temperature());
            total += w[i];
        }
        return new Candidates(order, w, keep, total);
    }

    /** Token ids by logit, highest first; ties keep id order. */
    private static int[] descending(float[] logits) {
        // Sort primitive longs, not boxed indices: (order-preserving key of −logit) << 32 | id.
        long[] keys = new long[logits.length];
        for (int i = 0; i < logits.length; i++) {
            int bits = Float.floatToIntBits(logits[i]);
            int key = bits ^ ((bits >> 31) & 0x7fffffff); // ints now compare as the floats do
            keys[i] = ((long) ~key << 32) | i;            // ~ reverses the order: highest logit first
        }
        Arrays.sort(keys);
        int[] order = new int[keys.length];
        for (int i = 0; i < keys.length; i++) order[i] = (int) keys[i];
        return order;
    }

    private static double logSoftmax(float[] logits, int id, float temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double sum = 0;
        for (float l : logits) sum += Math.exp((l - max) / temperature);
        return (logits[id] - max) / temperature - Math.log(sum);
    }

    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}
