package dev.moxing.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.moxing.optim.Optimizer.ParamGroup;
import dev.moxing.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Construction styles, defaults, validation, param groups and behaviours the fixtures do not pin. */
class OptimizerApiTest {

    private static Tensor param(float... v) {
        return Tensor.of(v, v.length).setRequiresGrad(true);
    }

    @Test
    void defaultsArePyTorchs() {
        assertEquals(1e-3, new Adam().learningRate());
        assertEquals(1e-3, new AdamW().learningRate());
        assertEquals(0.01, new Adagrad().learningRate());
        assertEquals(0.01, new RMSprop().learningRate());
        assertEquals(0.01, new SGD().learningRate());
        // AdamW decays by default (0.01), Adam does not.
        Tensor p = param(1f);
        Optimizer w = new AdamW(List.of(p), 0.1);
        assertEquals(0.01, w.paramGroups().get(0).weightDecay);
        assertEquals(0.0, new Adam(List.of(param(1f)), 0.1).paramGroups().get(0).weightDecay);
    }

    @Test
    void kerasStyleIsUnboundUntilBind() {
        Optimizer opt = new Adam(1e-3);
        assertThat(opt.isBound()).isFalse();
        assertThatThrownBy(opt::step).isInstanceOf(IllegalStateException.class).hasMessageContaining("bind");
        Tensor p = param(1f, 2f);
        assertSame(opt, opt.bind(List.of(p)));
        opt.bind(List.of(param(3f))); // already bound: ignored, as Model.compile may call it again
        assertEquals(1, opt.paramGroups().size());
        assertThat(opt.paramGroups().get(0).params).containsExactly(p);
    }

    @Test
    void pytorchStyleBindsAtConstruction() {
        Tensor p = param(1f);
        for (Optimizer o : List.of(new SGD(List.of(p), 0.1), new SGD(List.of(p), 0.1, 0.9), new Adagrad(List.of(p), 0.1),
                new RMSprop(List.of(p), 0.1), new Adam(List.of(p), 0.1), new AdamW(List.of(p), 0.1),
                new AdamW(List.of(p), 0.1, 0.05))) {
            assertThat(o.isBound()).as(o.getClass().getSimpleName()).isTrue();
            assertEquals(0.1, o.learningRate());
        }
    }

    @Test
    void invalidHyperParametersFailClearly() {
        assertThatThrownBy(() -> new SGD(-1)).hasMessageContaining("learning rate");
        assertThatThrownBy(() -> new SGD(0.1, -0.5)).hasMessageContaining("momentum");
        assertThatThrownBy(() -> new SGD(0.1, 0, 0, true, 0)).hasMessageContaining("Nesterov");
        assertThatThrownBy(() -> new SGD(0.1, 0.9, 0.1, true, 0)).hasMessageContaining("Nesterov");
        assertThatThrownBy(() -> new Adam(0.1, 1.0, 0.999, 1e-8, 0, false)).hasMessageContaining("beta1");
        assertThatThrownBy(() -> new AdamW(0.1, 0.9, -0.1, 1e-8, 0, false)).hasMessageContaining("AdamW: invalid beta2");
        assertThatThrownBy(() -> new Adam(0.1, 0.9, 0.999, -1, 0, false)).hasMessageContaining("epsilon");
        assertThatThrownBy(() -> new Adam(0.1, 0.9, 0.999, 1e-8, -1, false)).hasMessageContaining("weight decay");
        assertThatThrownBy(() -> new Adagrad(0.1, -1, 0, 0, 1e-10)).hasMessageContaining("lr decay");
        assertThatThrownBy(() -> new Adagrad(0.1, 0, 0, -1, 1e-10)).hasMessageContaining("initial accumulator");
        assertThatThrownBy(() -> new RMSprop(0.1, -0.1, 1e-8, 0, 0, false)).hasMessageContaining("alpha");
        assertThatThrownBy(() -> new Adam(List.of(Tensor.zeros(2)), 0.1)).hasMessageContaining("does not require grad");
    }

    @Test
    void paramsWithoutGradientAreSkippedAndKeepTheirOwnStepCount() {
        Tensor a = param(1f), b = param(1f);
        Optimizer adam = new Adam(List.of(a, b), 0.1);
        a.setGrad(Tensor.of(new float[] {1f}, 1));
        adam.step();
        adam.step();
        b.setGrad(Tensor.of(new float[] {1f}, 1));
        a.setGrad(null);
        float before = a.item();
        adam.step();
        assertEquals(before, a.item());
        // b's first Adam step moves it by lr * sign(g) (bias correction of step 1), not by a step-3 amount.
        assertEquals(1f - 0.1f, b.item(), 1e-6f);
        assertEquals(2.0, adam.stateDict().scalar("0.step"));
        assertEquals(1.0, adam.stateDict().scalar("1.step"));
    }

    @Test
    void zeroGradClearsEveryGroup() {
        Tensor a = param(1f), b = param(2f);
        Optimizer sgd = new SGD(0.1).addParamGroup(List.of(a), 1, 0).addParamGroup(List.of(b), 0.5, 0);
        a.setGrad(Tensor.ones(1));
        b.setGrad(Tensor.ones(1));
        sgd.step();
        assertEquals(0.9f, a.item(), 1e-7f);
        assertEquals(1.95f, b.item(), 1e-7f); // lrScale 0.5
        sgd.zeroGrad();
        assertThat(a.grad()).isNull();
        assertThat(b.grad()).isNull();
    }

    @Test
    void nonContiguousGradientsAreRead() {
        Tensor p = Tensor.zeros(2, 3).setRequiresGrad(true);
        Tensor g = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2).t(); // (2, 3) transposed view
        p.setGrad(g);
        new SGD(List.of(p), 1.0).step();
        assertArrayEquals(new float[] {-1, -3, -5, -2, -4, -6}, p.toFloatArray());
    }

    @Test
    void decayOnlyMatricesSplitsByRank() {
        Map<String, Tensor> named = new LinkedHashMap<>();
        Tensor w1 = Tensor.zeros(3, 2).setRequiresGrad(true), b1 = Tensor.zeros(2).setRequiresGrad(true);
        Tensor gain = Tensor.ones(2).setRequiresGrad(true), w2 = Tensor.zeros(2, 2, 2).setRequiresGrad(true);
        named.put("fc1.weight", w1);
        named.put("fc1.bias", b1);
        named.put("norm.weight", gain);
        named.put("conv.weight", w2);
        List<ParamGroup> groups = ParamGroups.decayOnlyMatrices(named, 0.1);
        assertEquals(2, groups.size());
        assertThat(groups.get(0).params).containsExactly(w1, w2);
        assertEquals(0.1, groups.get(0).weightDecay);
        assertThat(groups.get(1).params).containsExactly(b1, gain);
        assertEquals(0.0, groups.get(1).weightDecay);

        AdamW opt = ParamGroups.bind(new AdamW(0.1), groups);
        for (Tensor t : named.values()) t.setGrad(Tensor.zerosLike(t));
        opt.step();
        // Zero gradients: only decoupled decay moves anything, and only the matrices (which are 0 here) and not the gain.
        assertArrayEquals(new float[] {1, 1}, gain.toFloatArray());
        assertThatThrownBy(() -> ParamGroups.bind(opt, groups)).hasMessageContaining("already bound");
        assertThat(ParamGroups.decayOnlyMatrices(Map.of("b", b1), 0.1)).hasSize(1);
    }

    @Test
    void adamWDecaysWeightsEvenWithoutGradientSignal() {
        Tensor w = Tensor.ones(2, 2).setRequiresGrad(true);
        Optimizer opt = new AdamW(List.of(w), 0.1, 0.5);
        w.setGrad(Tensor.zeros(2, 2));
        opt.step();
        assertEquals(1f - 0.1f * 0.5f, w.get(0, 0), 1e-7f);
    }
}
