package dev.moxing.nn.init;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.moxing.nn.layers.Linear;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Initialisers: fans as PyTorch computes them, and the empirical bounds, mean and standard
 * deviation of large draws against the closed forms (tolerances are a few standard errors: with
 * n = 10⁵ draws the std of a sample std is about std/√(2n) ≈ 0.2%).
 */
class InitTest {

    private record Stats(double mean, double std, double min, double max) {
        static Stats of(Tensor t) {
            double s = 0, sq = 0, lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
            float[] v = t.toFloatArray();
            for (float x : v) {
                s += x;
                lo = Math.min(lo, x);
                hi = Math.max(hi, x);
            }
            double m = s / v.length;
            for (float x : v) sq += (x - m) * (x - m);
            return new Stats(m, Math.sqrt(sq / (v.length - 1)), lo, hi);
        }
    }

    @Test
    void fansFollowPyTorch() {
        assertThat(Fans.of(new int[] {5, 3})).isEqualTo(new Fans(3, 5));                 // Linear(3 → 5)
        assertThat(Fans.of(new int[] {16, 8, 3, 3})).isEqualTo(new Fans(72, 144));       // Conv2d(8 → 16, 3×3)
        assertThat(Fans.of(new int[] {6, 2, 5})).isEqualTo(new Fans(10, 30));            // Conv1d
        assertThat(new Fans(10, 30).get(FanMode.FAN_OUT)).isEqualTo(30);
        assertThatThrownBy(() -> Fans.of(new int[] {7}))
                .hasMessageContaining("fewer than 2 dimensions").hasMessageContaining("(7,)");
    }

    @Test
    void gainsFollowPyTorch() {
        assertThat(Init.gain("linear")).isEqualTo(1.0);
        assertThat(Init.gain("sigmoid")).isEqualTo(1.0);
        assertThat(Init.gain("tanh")).isEqualTo(5.0 / 3);
        assertThat(Init.gain("relu")).isEqualTo(Math.sqrt(2));
        assertThat(Init.gain("leaky_relu", Math.sqrt(5))).isCloseTo(Math.sqrt(1.0 / 3), within(1e-12));
        assertThat(Init.gain("selu")).isEqualTo(0.75);
        assertThatThrownBy(() -> Init.gain("swishy")).hasMessageContaining("unknown nonlinearity 'swishy'");
    }

    @Test
    void glorotUniformAndNormal() {
        Tensor w = Init.glorotUniform(Tensor.zeros(300, 400), new Rng(1));
        double bound = Math.sqrt(6.0 / 700);
        Stats s = Stats.of(w);
        assertThat(s.max()).isLessThanOrEqualTo(bound).isGreaterThan(0.999 * bound);
        assertThat(s.min()).isGreaterThanOrEqualTo(-bound).isLessThan(-0.999 * bound);
        assertThat(s.std()).isCloseTo(bound / Math.sqrt(3), within(0.01 * bound));
        assertThat(s.mean()).isCloseTo(0, within(0.01 * bound));

        Stats n = Stats.of(Init.glorotNormal(Tensor.zeros(300, 400), 2.0, new Rng(2)));
        assertThat(n.std()).isCloseTo(2 * Math.sqrt(2.0 / 700), within(0.01 * 2 * Math.sqrt(2.0 / 700)));
    }

    @Test
    void heUniformAndNormalUseTheChosenFanAndGain() {
        // Conv weight (64, 32, 3, 3): fanIn 288, fanOut 576.
        double stdIn = Math.sqrt(2.0 / 288);
        Stats u = Stats.of(Init.heUniform(Tensor.zeros(64, 32, 3, 3), new Rng(3)));
        assertThat(u.max()).isLessThanOrEqualTo(Math.sqrt(3) * stdIn);
        assertThat(u.std()).isCloseTo(stdIn, within(0.01 * stdIn));

        double stdOut = (5.0 / 3) / Math.sqrt(576);
        Stats n = Stats.of(Init.heNormal(Tensor.zeros(64, 32, 3, 3), 0, FanMode.FAN_OUT, "tanh", new Rng(4)));
        assertThat(n.std()).isCloseTo(stdOut, within(0.015 * stdOut));
        assertThat(n.mean()).isCloseTo(0, within(0.02 * stdOut));

        // PyTorch's Linear/Conv default: kaiming_uniform(a = √5) = U(±1/√fanIn).
        Stats d = Stats.of(Init.heUniform(Tensor.zeros(100, 400), Math.sqrt(5), FanMode.FAN_IN, "leaky_relu", new Rng(5)));
        assertThat(d.max()).isLessThanOrEqualTo(1 / 20.0).isGreaterThan(0.999 / 20);
    }

    @Test
    void lecun() {
        Stats u = Stats.of(Init.lecunUniform(Tensor.zeros(200, 500), new Rng(6)));
        assertThat(u.max()).isLessThanOrEqualTo(Math.sqrt(3.0 / 500));
        assertThat(u.std()).isCloseTo(1 / Math.sqrt(500), within(0.01 / Math.sqrt(500)));
        Stats n = Stats.of(Init.lecunNormal(Tensor.zeros(200, 500), new Rng(7)));
        assertThat(n.std()).isCloseTo(1 / Math.sqrt(500), within(0.01 / Math.sqrt(500)));
    }

    @Test
    void truncatedNormalStaysInBoundsWithTheRightMoments() {
        checkTruncated(1, 2, -1, 2, 8);       // an asymmetric cut through the middle
        checkTruncated(0, 0.02, -0.04, 0.04, 9); // ±2σ, the GPT-style init
        checkTruncated(0, 1, 5, 6, 10);        // far in the tail: redrawing would need ~3.5M tries per value
    }

    private static void checkTruncated(double mu, double sigma, double a, double b, long seed) {
        Stats s = Stats.of(Init.truncatedNormal(Tensor.zeros(100_000), mu, sigma, a, b, new Rng(seed)));
        assertThat(s.min()).isGreaterThanOrEqualTo(a);
        assertThat(s.max()).isLessThanOrEqualTo(b);
        // Closed forms of the truncated normal, with Φ by numerical integration (independent of the code under test).
        double al = (a - mu) / sigma, be = (b - mu) / sigma;
        double z = integratePdf(al, be);
        double pa = pdf(al), pb = pdf(be);
        double mean = mu + sigma * (pa - pb) / z;
        double var = sigma * sigma * (1 + (al * pa - be * pb) / z - Math.pow((pa - pb) / z, 2));
        double std = Math.sqrt(var);
        assertThat(s.mean()).isCloseTo(mean, within(0.02 * std));
        assertThat(s.std()).isCloseTo(std, within(0.015 * std));
    }

    private static double pdf(double x) {
        return Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    }

    /** Simpson's rule with 20 000 intervals: far more accurate than the tolerances need. */
    private static double integratePdf(double lo, double hi) {
        int n = 20_000;
        double h = (hi - lo) / n, s = pdf(lo) + pdf(hi);
        for (int i = 1; i < n; i++) s += pdf(lo + i * h) * (i % 2 == 1 ? 4 : 2);
        return s * h / 3;
    }

    @Test
    void normalCdfAndItsInverseAreAccurate() {
        assertThat(NormalDistribution.cdf(1.959963984540054)).isCloseTo(0.975, within(1e-7));
        assertThat(NormalDistribution.cdf(-3)).isCloseTo(0.0013498980316301, within(1e-9));
        for (double x = -6; x <= 6; x += 0.25) {
            assertThat(NormalDistribution.inverseCdf(NormalDistribution.cdf(x))).isCloseTo(x, within(2e-6 + 1e-6 * Math.abs(x)));
        }
        assertThat(NormalDistribution.inverseCdf(0)).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(NormalDistribution.inverseCdf(1)).isEqualTo(Double.POSITIVE_INFINITY);
    }

    @Test
    void constantsAndPlainDistributions() {
        assertThat(Init.ones(Tensor.zeros(3, 2)).toFloatArray()).containsOnly(1f);
        assertThat(Init.zeros(Tensor.ones(4)).toFloatArray()).containsOnly(0f);
        assertThat(Init.constant(Tensor.zeros(2, 2), 0.5).toFloatArray()).containsOnly(0.5f);
        Stats u = Stats.of(Init.uniform(Tensor.zeros(100_000), -2, 6, new Rng(11)));
        assertThat(u.min()).isGreaterThanOrEqualTo(-2);
        assertThat(u.max()).isLessThan(6);
        assertThat(u.mean()).isCloseTo(2, within(0.03));
        Stats n = Stats.of(Init.normal(Tensor.zeros(100_000), 3, 0.5, new Rng(12)));
        assertThat(n.mean()).isCloseTo(3, within(0.01));
        assertThat(n.std()).isCloseTo(0.5, within(0.005));
    }

    @Test
    void sameSeedSameWeights() {
        assertThat(Init.heNormal(Tensor.zeros(8, 8), new Rng(13)).toFloatArray())
                .containsExactly(Init.heNormal(Tensor.zeros(8, 8), new Rng(13)).toFloatArray());
        try {
            Init.manualSeed(99);
            float[] a = new Linear(6, 4).weight().toFloatArray();
            float[] a2 = new Linear(6, 4).weight().toFloatArray();
            Init.manualSeed(99);
            float[] b = new Linear(6, 4).weight().toFloatArray();
            assertThat(b).containsExactly(a);
            assertThat(a2).isNotEqualTo(a); // the default generator moves on between layers
        } finally {
            Init.manualSeed(42); // the default seed, for whatever runs next in this JVM
        }
    }

    @Test
    void initialisersWriteInPlaceWithoutRecordingAGraph() {
        Tensor p = Tensor.zeros(4, 4).setRequiresGrad(true);
        assertThat(Init.glorotUniform(p, new Rng(14))).isSameAs(p);
        assertThat(p.isLeaf()).isTrue();
        assertThat(p.toFloatArray()).isNotEqualTo(new float[16]);
    }
}
