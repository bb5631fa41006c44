package dev.moxing.optim.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moxing.optim.Fixtures;
import dev.moxing.optim.Optimizer;
import dev.moxing.optim.SGD;
import dev.moxing.tensor.Tensor;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * {@code fixtures/optim/schedules.json}: every schedule's LR sequence from torch.optim.lr_scheduler
 * (the warmup schedules through LambdaLR with the same formula), driven through an optimizer as
 * in training. Tolerance rtol 1e-12: both sides are float64; Moxing uses closed forms where torch
 * multiplies step by step (StepLR, ExponentialLR, CosineAnnealingLR's recursive form), which
 * differ by a few ulps.
 */
class SchedulesAgainstTorchTest {
    static final double RTOL = 1e-12;

    static LrSchedule schedule(String kind, JsonNode a) {
        return switch (kind) {
            case "StepLR" -> new StepLR(a.get("step_size").asLong(), a.get("gamma").asDouble());
            case "ExponentialLR" -> new ExponentialLR(a.get("gamma").asDouble());
            case "CosineAnnealingLR" -> new CosineAnnealingLR(a.get("t_max").asLong(), a.get("eta_min").asDouble());
            case "WarmupCosine" -> new WarmupCosine(a.get("warmup_steps").asLong(), a.get("total_steps").asLong(),
                    a.get("min_lr").asDouble());
            case "WarmupLinear" -> new WarmupLinear(a.get("warmup_steps").asLong(), a.get("total_steps").asLong(),
                    a.get("min_lr").asDouble());
            default -> throw new IllegalArgumentException(kind);
        };
    }

    @TestFactory
    Stream<DynamicTest> matchesPyTorch() {
        return Fixtures.cases("/fixtures/optim/schedules.json").stream().map(c -> DynamicTest.dynamicTest(c.get("name").asText(), () -> {
            String kind = c.get("schedule").asText();
            JsonNode a = c.get("args"), lrs = c.get("lrs");
            Optimizer opt = new SGD(List.of(Tensor.zeros(1).setRequiresGrad(true)), c.get("base_lr").asDouble());
            if (kind.equals("ReduceLROnPlateau")) {
                var p = new ReduceLROnPlateau(opt,
                        ReduceLROnPlateau.Mode.valueOf(a.get("mode").asText().toUpperCase()), a.get("factor").asDouble(),
                        a.get("patience").asInt(), a.get("threshold").asDouble(),
                        ReduceLROnPlateau.ThresholdMode.valueOf(a.get("threshold_mode").asText().toUpperCase()),
                        a.get("cooldown").asInt(), a.get("min_lr").asDouble(), a.get("eps").asDouble());
                check(lrs, 0, opt.learningRate());
                for (int k = 0; k < c.get("metrics").size(); k++) {
                    boolean cut = p.step(c.get("metrics").get(k).asDouble());
                    check(lrs, k + 1, opt.learningRate());
                    assertEquals(lrs.get(k + 1).asDouble() < lrs.get(k).asDouble(), cut, "reduced at check " + (k + 1));
                }
                return;
            }
            LrSchedule s = schedule(kind, a);
            LrScheduler sched = s.on(opt);
            check(lrs, 0, opt.learningRate());
            for (int k = 1; k < lrs.size(); k++) {
                assertEquals(opt.learningRate(), s.lrAt(k - 1, c.get("base_lr").asDouble()));
                double lr = sched.step();
                check(lrs, k, lr);
                check(lrs, k, opt.learningRate());
            }
        }));
    }

    private static void check(JsonNode lrs, int k, double actual) {
        double e = lrs.get(k).asDouble();
        assertEquals(e, actual, 1e-15 + RTOL * Math.abs(e), "lr at step " + k);
    }

    @Test
    void schedulerResumesAtAStep() {
        Optimizer opt = new SGD(List.of(Tensor.zeros(1).setRequiresGrad(true)), 0.5);
        LrScheduler s = new LrScheduler(opt, new StepLR(2, 0.1));
        assertEquals(0.5, opt.learningRate());
        s.setStep(5);
        assertEquals(5, s.stepCount());
        assertEquals(0.5 * 0.01, opt.learningRate(), 1e-15);
        assertEquals(0.5, s.baseLr());
    }

    @Test
    void warmupEndsAtThePeakAndDecayEndsAtTheMinimum() {
        var wc = new WarmupCosine(10, 110, 0.1);
        assertThat(wc.lrAt(0, 1.0)).isCloseTo(1.0 / 11, org.assertj.core.data.Offset.offset(1e-15));
        assertEquals(1.0, wc.lrAt(10, 1.0));
        assertEquals(0.55, wc.lrAt(60, 1.0), 1e-12);
        assertEquals(0.1, wc.lrAt(110, 1.0));
        assertEquals(0.1, wc.lrAt(1_000_000, 1.0));
        var wl = new WarmupLinear(0, 100);
        assertEquals(1.0, wl.lrAt(0, 1.0));
        assertEquals(0.25, wl.lrAt(75, 1.0), 1e-12);
        assertEquals(0.0, wl.lrAt(100, 1.0));
    }

    @Test
    void plateauStateRoundTrips() {
        Optimizer opt = new SGD(List.of(Tensor.zeros(1).setRequiresGrad(true)), 1.0);
        var p = new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN, 0.5, 1, 0, 0, 0);
        p.step(1.0);
        p.step(2.0);
        var saved = p.state();
        var q = new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN, 0.5, 1, 0, 0, 0);
        q.restore(saved);
        assertThat(q.step(3.0)).isTrue(); // second bad check in a row with patience 1
        assertEquals(0.5, opt.learningRate());
        assertEquals(1.0, q.best());
    }

    @Test
    void invalidArguments() {
        assertThatThrownBy(() -> new StepLR(0, 0.1)).hasMessageContaining("step size");
        assertThatThrownBy(() -> new CosineAnnealingLR(0, 0)).hasMessageContaining("tMax");
        assertThatThrownBy(() -> new WarmupCosine(10, 10, 0)).hasMessageContaining("must exceed warmup");
        assertThatThrownBy(() -> new WarmupLinear(-1, 10)).hasMessageContaining("negative warmup");
        Optimizer opt = new SGD(0.1);
        assertThatThrownBy(() -> new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN, 1.0, 1, 0, 0, 0))
                .hasMessageContaining("factor");
    }
}
