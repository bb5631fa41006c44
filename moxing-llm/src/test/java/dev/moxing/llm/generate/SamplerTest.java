package dev.moxing.llm.generate;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SamplerTest {
    static final int[] NO_HISTORY = new int[0];

    /** Logits whose softmax is exactly {@code p}. */
    static float[] logitsOf(double... p) {
        float[] l = new float[p.length];
        for (int i = 0; i < p.length; i++) l[i] = (float) Math.log(p[i]);
        return l;
    }

    static double[] distribution(GenerateOptions o, double... p) {
        return new Sampler(o).distribution(logitsOf(p), NO_HISTORY, 0, 0);
    }

    static GenerateOptions at(float temperature) {
        return GenerateOptions.sampling(10, temperature, 0, 1f, 7);
    }

    @Test
    void noFiltersAtTemperatureOneIsTheSoftmax() {
        assertThat(distribution(at(1f), 0.4, 0.3, 0.2, 0.1)).containsExactly(new double[] {0.4, 0.3, 0.2, 0.1}, within(1e-6));
    }

    @Test
    void minPKeepsTokensWithAtLeastMinPTimesTheTopProbability() {
        // p_max 0.5: min-p 0.25 keeps p ≥ 0.125 (0.5, 0.25, 0.15), renormalised over 0.9
        assertThat(distribution(at(1f).withMinP(0.25f), 0.5, 0.25, 0.15, 0.1))
                .containsExactly(new double[] {5 / 9.0, 2.5 / 9, 1.5 / 9, 0}, within(1e-6));
        // min-p 0.4 keeps p ≥ 0.2
        assertThat(distribution(at(1f).withMinP(0.4f), 0.5, 0.25, 0.15, 0.1))
                .containsExactly(new double[] {2 / 3.0, 1 / 3.0, 0, 0}, within(1e-6));
        // min-p 1 keeps only the top token (and ties with it)
        assertThat(distribution(at(1f).withMinP(1f), 0.5, 0.25, 0.15, 0.1)).containsExactly(new double[] {1, 0, 0, 0}, within(1e-9));
    }

    @Test
    void topPMeasuresTheMassLeftByTopKAndTemperatureComesLast() {
        double[] p = {0.4, 0.3, 0.2, 0.1};
        // top-p 0.75 alone: 0.4 + 0.3 < 0.75, so three tokens stay
        assertThat(distribution(at(1f).withTopP(0.75f), p)).containsExactly(new double[] {4 / 9.0, 3 / 9.0, 2 / 9.0, 0}, within(1e-6));
        // after top-k 3 the kept mass is 0.9: 4/9 + 3/9 = 0.78 ≥ 0.75, so two stay
        assertThat(distribution(at(1f).withTopK(3).withTopP(0.75f), p)).containsExactly(new double[] {4 / 7.0, 3 / 7.0, 0, 0}, within(1e-6));
        // top-p sees temperature-1 probabilities (llama.cpp's order); temperature 0.5 then squares them
        assertThat(distribution(at(0.5f).withTopP(0.75f), p))
                .containsExactly(new double[] {0.16 / 0.29, 0.09 / 0.29, 0.04 / 0.29, 0}, within(1e-6));
        // top-k then min-p: min-p 0.6 of 0.4 is 0.24
        assertThat(distribution(at(2f).withTopK(3).withMinP(0.6f), p))
                .containsExactly(new double[] {Math.sqrt(0.4) / (Math.sqrt(0.4) + Math.sqrt(0.3)), Math.sqrt(0.3) / (Math.sqrt(0.4) + Math.sqrt(0.3)), 0, 0},
                        within(1e-6));
    }

    @Test
    void frequencyAndPresencePenaltiesCountGeneratedTokensOnly() {
        float[] logits = {1, 1, 1, 1};
        int[] history = {0, 1, 1, 2}; // token 0 is the prompt; 1 was generated twice, 2 once
        var o = at(1f).withFrequencyPenalty(0.5f).withPresencePenalty(0.25f);
        double[] p = new Sampler(o).distribution(logits, history, 1, 4);
        assertThat(logits).containsExactly(1f, 1 - (2 * 0.5f + 0.25f), 1 - (0.5f + 0.25f), 1f);
        double z = Math.exp(1) * 2 + Math.exp(-0.25) + Math.exp(0.25);
        assertThat(p).containsExactly(new double[] {Math.E / z, Math.exp(-0.25) / z, Math.exp(0.25) / z, Math.E / z}, within(1e-6));

        // The repetition penalty (CTRL) counts the prompt too, once per token however often seen.
        float[] rep = {1, 1, -1, 1};
        new Sampler(at(1f).withRepetitionPenalty(2f)).distribution(rep, history, 1, 4);
        assertThat(rep).containsExactly(0.5f, 0.5f, -2f, 1f);

        // Penalties apply before greedy choice as well.
        float[] g = {2, 1.9f, 0, 0};
        assertThat(new Sampler(GenerateOptions.greedy(1).withPresencePenalty(0.5f)).next(g, new int[] {0}, 0, 1)).isEqualTo(1);
    }

    @Test
    void logprobIsTheLogSoftmaxAfterTemperatureBeforeTruncation() {
        Sampler greedy = new Sampler(GenerateOptions.greedy(1));
        assertThat(greedy.next(logitsOf(0.5, 0.25, 0.25), NO_HISTORY, 0)).isZero();
        assertThat(greedy.lastLogprob()).isCloseTo(Math.log(0.5), within(1e-6));

        // top-k 1 leaves one candidate, but the logprob is of the full distribution at temperature 2
        Sampler hot = new Sampler(at(2f).withTopK(1));
        assertThat(hot.next(logitsOf(0.5, 0.25, 0.25), NO_HISTORY, 0)).isZero();
        double s = Math.sqrt(0.5) + 2 * Math.sqrt(0.25);
        assertThat(hot.lastLogprob()).isCloseTo(Math.log(Math.sqrt(0.5) / s), within(1e-6));
    }

    @Test
    void seededDrawsAreReproducibleAndFollowTheDistribution() {
        var o = at(0.8f).withTopK(3).withMinP(0.1f);
        double[] p = {0.35, 0.3, 0.2, 0.1, 0.05};
        int[] a = draws(o, p, 20000), b = draws(o, p, 20000);
        assertThat(a).isEqualTo(b);
        assertThat(draws(o.withSeed(8), p, 20000)).isNotEqualTo(a);
        double[] expected = distribution(o, p);
        int[] counts = new int[p.length];
        for (int t : a) counts[t]++;
        for (int i = 0; i < p.length; i++) assertThat(counts[i] / 20000.0).as("token " + i).isCloseTo(expected[i], within(0.015));
    }

    static int[] draws(GenerateOptions o, double[] p, int n) {
        Sampler s = new Sampler(o);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = s.next(logitsOf(p), NO_HISTORY, 0);
        return out;
    }

    @Test
    void optionsStayBackwardCompatibleAndCheckTheNewSettings() {
        var old = new GenerateOptions(5, 0.7f, 40, 0.9f, 1.1f, 3, List.of("x"));
        assertThat(old.minP()).isZero();
        assertThat(old.frequencyPenalty()).isZero();
        assertThat(old.presencePenalty()).isZero();
        assertThat(old.withMinP(0.05f).withSeed(9)).isEqualTo(new GenerateOptions(5, 0.7f, 40, 0.9f, 1.1f, 9, List.of("x"), 0.05f, 0f, 0f));
        assertThatThrownBy(() -> old.withMinP(1.5f)).hasMessageContaining("minP");
        assertThatThrownBy(() -> old.withFrequencyPenalty(Float.NaN)).hasMessageContaining("frequencyPenalty");
    }
}
