package dev.moxing.examples;

import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LogisticRegressionTest {

    @Test
    void reachesTheTargetAccuracyOnHeldOutData() {
        var r = LogisticRegression.train(LogisticRegression.Config.defaults(), null);
        assertThat(r.testAccuracy()).isGreaterThanOrEqualTo(0.95);
        assertThat(r.losses()[r.losses().length - 1]).isLessThan(r.losses()[0]);
    }

    @Test
    void lossDecreasesMonotonicallyForASmallStep() {
        var c = new LogisticRegression.Config(8, 400, 100, 1.5, 0.05f, 150, 1000, 7);
        float[] l = LogisticRegression.train(c, null).losses();
        for (int i = 1; i < l.length; i++) assertThat(l[i]).as("epoch %d", i + 1).isLessThan(l[i - 1]);
    }

    @Test
    void analyticGradientEqualsAutograd() {
        Rng rng = new Rng(5);
        Tensor dir = LogisticRegression.randomDirection(rng, 6);
        var data = LogisticRegression.synthetic(rng, dir, 1.0, 50);
        Tensor w = Tensor.randn(rng, 6).mul(0.3f).detach().setRequiresGrad(true);
        Tensor b = Tensor.of(new float[] {0.2f}, 1).setRequiresGrad(true);
        LogisticRegression.loss(LogisticRegression.logits(data.x(), w, b), data.y()).backward();
        Tensor[] g;
        try (var ignored = Tensor.noGrad()) {
            g = LogisticRegression.gradient(data.x(), data.y(), w, b);
        }
        float[] auto = w.grad().toFloatArray(), manual = g[0].toFloatArray();
        for (int i = 0; i < auto.length; i++) assertThat(auto[i]).isCloseTo(manual[i], within(1e-6f));
        assertThat(b.grad().item()).isCloseTo(g[1].item(), within(1e-6f));
    }
}
