package dev.moxing.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moxing.tensor.Tensor;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** stateDict / loadStateDict: a run resumed from a checkpoint continues bit for bit. */
class OptimizerStateTest {

    /** For every fixture case: 5 steps straight vs 3 steps, checkpoint, fresh optimizer + params, load, 2 steps. */
    @TestFactory
    Stream<DynamicTest> resumeIsBitIdentical() {
        return Fixtures.cases(OptimizersAgainstTorchTest.FILE).stream()
                .map(c -> DynamicTest.dynamicTest(c.get("name").asText(), () -> {
                    List<Tensor> straight = OptimizersAgainstTorchTest.params(c);
                    Optimizer a = OptimizersAgainstTorchTest.bound(c, straight);
                    for (int k = 0; k < 5; k++) step(c, k, straight, a);

                    List<Tensor> first = OptimizersAgainstTorchTest.params(c);
                    Optimizer b = OptimizersAgainstTorchTest.bound(c, first);
                    for (int k = 0; k < 3; k++) step(c, k, first, b);
                    OptimizerState saved = b.stateDict();
                    for (int k = 3; k < 5; k++) step(c, k, first, b); // keeps going: the snapshot must not change

                    List<Tensor> resumed = OptimizersAgainstTorchTest.params(c);
                    Optimizer r = OptimizersAgainstTorchTest.bound(c, resumed);
                    replay(c, 3, resumed);
                    r.loadStateDict(saved);
                    assertEquals(3, r.steps());
                    for (int k = 3; k < 5; k++) step(c, k, resumed, r);
                    for (int i = 0; i < straight.size(); i++) {
                        assertArrayEquals(straight.get(i).toFloatArray(), resumed.get(i).toFloatArray(), "param " + i);
                        assertArrayEquals(straight.get(i).toFloatArray(), first.get(i).toFloatArray(), "param " + i);
                    }
                    assertThat(r.stateDict().buffers().keySet()).isEqualTo(a.stateDict().buffers().keySet());
                }));
    }

    private static void step(JsonNode c, int k, List<Tensor> ps, Optimizer opt) {
        OptimizersAgainstTorchTest.feed(c, k, ps);
        opt.step();
    }

    /** Puts the parameters where the first k steps left them (as a checkpoint's weights would). */
    private static void replay(JsonNode c, int k, List<Tensor> ps) {
        List<Tensor> run = OptimizersAgainstTorchTest.params(c);
        Optimizer o = OptimizersAgainstTorchTest.bound(c, run);
        for (int s = 0; s < k; s++) step(c, s, run, o);
        for (int i = 0; i < ps.size(); i++) ps.get(i).copyFrom(run.get(i));
    }

    @Test
    void stateNamesFollowPyTorch() {
        Tensor w = Tensor.zeros(2, 2).setRequiresGrad(true), b = Tensor.zeros(2).setRequiresGrad(true);
        Optimizer adam = new Adam(List.of(w, b), 0.1);
        w.setGrad(Tensor.ones(2, 2));
        adam.step();
        OptimizerState s = adam.stateDict();
        assertEquals("Adam", s.optimizer());
        assertThat(s.buffers().keySet()).containsExactly("0.exp_avg", "0.exp_avg_sq");
        assertThat(s.scalars()).containsEntry("0.step", 1.0).containsEntry("lr", 0.1).containsEntry("steps", 1.0)
                .doesNotContainKey("1.step");
        assertThat(new AdamW(List.of(w), 0.1, 0.0).stateDict().optimizer()).isEqualTo("AdamW");
    }

    @Test
    void loadRejectsMismatches() {
        Tensor w = Tensor.zeros(2, 2).setRequiresGrad(true);
        Optimizer adam = new Adam(List.of(w), 0.1);
        w.setGrad(Tensor.ones(2, 2));
        adam.step();
        OptimizerState s = adam.stateDict();

        assertThatThrownBy(() -> new SGD(List.of(w), 0.1).loadStateDict(s))
                .hasMessageContaining("SGD").hasMessageContaining("Adam");
        Tensor other = Tensor.zeros(3).setRequiresGrad(true);
        assertThatThrownBy(() -> new Adam(List.of(other), 0.1).loadStateDict(s))
                .hasMessageContaining("0.exp_avg").hasMessageContaining("4 values").hasMessageContaining("3");
        assertThatThrownBy(() -> new Adam(List.of(w, other), 0.1).loadStateDict(s))
                .hasMessageContaining("group 0 has 2 parameters, the state 1");
        assertThatThrownBy(() -> new Adam(0.1).loadStateDict(s)).hasMessageContaining("bind");
        assertThatThrownBy(() -> new Adam(0.1, 0.9, 0.999, 1e-8, 0, true).bind(List.of(w)).loadStateDict(s))
                .hasMessageContaining("missing buffer '0.max_exp_avg_sq'");
    }

    @Test
    void loadRestoresLearningRateAndGroups() {
        Tensor w = Tensor.zeros(2).setRequiresGrad(true);
        Optimizer sgd = new SGD(List.of(w), 0.1, 0.9);
        sgd.setLearningRate(0.025);
        sgd.paramGroups().get(0).weightDecay = 0.5;
        Optimizer fresh = new SGD(List.of(w), 0.1, 0.9);
        fresh.loadStateDict(sgd.stateDict());
        assertEquals(0.025, fresh.learningRate());
        assertEquals(0.5, fresh.paramGroups().get(0).weightDecay);
    }
}
