package dev.moxing.nn.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moxing.nn.layers.Linear;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** One LoRA layer: PyTorch gradients, the zero-B identity, merge/unmerge. */
class LoraLinearTest {

    static Tensor t(JsonNode n) {
        JsonNode s = n.get("shape"), d = n.get("data");
        int[] shape = new int[s.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = s.get(i).asInt();
        float[] data = new float[d.size()];
        for (int i = 0; i < data.length; i++) data[i] = (float) d.get(i).asDouble();
        return Tensor.fromArray(data, shape);
    }

    static void close(Tensor actual, Tensor expected, double atol, double rtol) {
        assertThat(actual.shape()).containsExactly(expected.shape());
        float[] a = actual.toFloatArray(), e = expected.toFloatArray();
        for (int i = 0; i < a.length; i++) {
            assertThat((double) a[i]).as("element %d", i).isCloseTo(e[i], org.assertj.core.data.Offset.offset(atol + rtol * Math.abs(e[i])));
        }
    }

    @Test
    void forwardAndGradientsMatchPyTorch() throws Exception {
        JsonNode f;
        try (InputStream in = getClass().getResourceAsStream("/fixtures/lora/lora_linear.json")) {
            assertNotNull(in, "run tools/reference/make_lora_fixtures.py");
            f = new ObjectMapper().readTree(in);
        }
        int r = f.get("rank").asInt();
        LoraLinear l = new LoraLinear(new Linear(t(f.get("W")), t(f.get("b"))), r, (float) f.get("alpha").asDouble(), 0f, new Rng(0));
        try (var ignored = Tensor.noGrad()) {
            l.loraA().copyFrom(t(f.get("A")));
            l.loraB().copyFrom(t(f.get("B")));
        }
        Tensor x = t(f.get("x")).setRequiresGrad(true);
        Tensor y = l.forward(x);
        y.backward(t(f.get("grad_y")));
        close(y, t(f.get("y")), 1e-5, 1e-5);
        close(l.loraA().grad(), t(f.get("dA")), 1e-5, 1e-5);
        close(l.loraB().grad(), t(f.get("dB")), 1e-5, 1e-5);
        close(x.grad(), t(f.get("dx")), 1e-5, 1e-5);
        assertThat(l.weight().grad()).as("W is frozen").isNull();
        assertThat(l.bias().grad()).as("b is frozen").isNull();
    }

    @Test
    void freshAdapterChangesNothingAndOnlyAdaptersTrain() {
        Linear base = new Linear(8, 6, true, new Rng(1));
        Tensor x = Tensor.randn(new Rng(2), 3, 8);
        float[] before = base.forward(x).toFloatArray();
        LoraLinear l = new LoraLinear(base, 4, 8f, 0.1f, new Rng(3));
        l.eval();
        assertThat(l.forward(x).toFloatArray()).containsExactly(before);
        assertThat(l.loraB().toFloatArray()).containsOnly(0f);
        double bound = 1 / Math.sqrt(8); // kaiming_uniform(a=√5) on fan_in 8
        float max = 0;
        for (float v : l.loraA().toFloatArray()) max = Math.max(max, Math.abs(v));
        assertThat((double) max).isLessThanOrEqualTo(bound).isGreaterThan(0);
        assertThat(l.namedParameters().entrySet()).filteredOn(e -> e.getValue().requiresGrad())
                .extracting(java.util.Map.Entry::getKey).containsExactly("lora_A", "lora_B");
    }

    @Test
    void mergeFoldsTheAdapterAndUnmergeRestoresW() {
        LoraLinear l = new LoraLinear(new Linear(8, 6, true, new Rng(4)), 2, 4f, 0f, new Rng(5));
        try (var ignored = Tensor.noGrad()) {
            l.loraB().copyFrom(Tensor.randn(new Rng(6), 6, 2));
        }
        float[] w0 = l.weight().toFloatArray();
        Tensor x = Tensor.randn(new Rng(7), 3, 8);
        Tensor unmerged = l.forward(x);
        l.merge();
        assertThat(l.merged()).isTrue();
        close(l.forward(x), unmerged, 1e-5, 1e-5);
        assertThatThrownBy(l::merge).hasMessageContaining("already merged");
        l.unmerge();
        close(l.weight(), Tensor.fromArray(w0, 6, 8), 1e-6, 0);
        close(l.forward(x), unmerged, 1e-5, 1e-5);
    }
}
