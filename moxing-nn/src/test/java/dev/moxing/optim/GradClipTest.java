package dev.moxing.optim;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * {@code fixtures/optim/clip.json}: torch.nn.utils.clip_grad_norm_ / clip_grad_value_. The norm is
 * a sum of ~30 squares (float32 partial sums in Moxing) then a square root: rtol 1e-6; clipped
 * gradients are one float32 multiply (or clamp) per element: rtol 1e-6, atol 1e-7.
 */
class GradClipTest {

    @TestFactory
    Stream<DynamicTest> matchesPyTorch() {
        return Fixtures.cases("/fixtures/optim/clip.json").stream().map(c -> DynamicTest.dynamicTest(c.get("name").asText(), () -> {
            List<Tensor> ps = new ArrayList<>();
            for (JsonNode g : c.get("grads")) {
                if (g.isNull()) {
                    ps.add(Tensor.zeros(2).setRequiresGrad(true));
                } else {
                    Tensor p = Tensor.zeros(Fixtures.ints(g.get("shape"))).setRequiresGrad(true);
                    p.setGrad(Fixtures.tensor(g));
                    ps.add(p);
                }
            }
            JsonNode a = c.get("args");
            if (c.get("kind").asText().equals("norm")) {
                JsonNode nt = a.get("norm_type");
                double normType = nt.isTextual() ? Double.POSITIVE_INFINITY : nt.asDouble();
                double total = GradClip.byNorm(ps, a.get("max_norm").asDouble(), normType);
                double expected = c.get("total_norm").asDouble();
                assertEquals(expected, total, 1e-6 * expected, "total norm");
            } else {
                GradClip.byValue(ps, a.get("clip_value").asDouble());
            }
            for (int i = 0; i < ps.size(); i++) {
                JsonNode e = c.get("expected").get(i);
                if (e.isNull()) assertNull(ps.get(i).grad());
                else Fixtures.assertClose("grad " + i, e, ps.get(i).grad(), 1e-6, 1e-7);
            }
        }));
    }

    @Test
    void noGradientsGiveZeroNorm() {
        assertEquals(0.0, GradClip.byNorm(List.of(Tensor.zeros(3).setRequiresGrad(true)), 1.0));
    }

    @Test
    void largeGradientsSplitOverThePoolAreClippedExactly() {
        Rng rng = new Rng(3);
        int n = 4 * ParamSlots.GRAIN + 17;
        float[] g = new float[n];
        double sq = 0;
        for (int i = 0; i < n; i++) {
            g[i] = (float) rng.nextGaussian();
            sq += (double) g[i] * g[i];
        }
        Tensor p = Tensor.zeros(n).setRequiresGrad(true);
        p.setGrad(Tensor.of(g, n));
        double total = GradClip.byNorm(List.of(p), 1.0);
        assertEquals(Math.sqrt(sq), total, 1e-6 * total);
        float coef = (float) (1.0 / (total + 1e-6));
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) expected[i] = g[i] * coef;
        assertArrayEquals(expected, p.grad().toFloatArray());
    }

    @Test
    void nonContiguousGradientsAreWrittenBack() {
        Tensor p = Tensor.zeros(2, 2).setRequiresGrad(true);
        p.setGrad(Tensor.of(new float[] {3, -1, 2, 5}, 2, 2).t());
        GradClip.byValue(List.of(p), 2);
        assertArrayEquals(new float[] {2, 2, -1, 2}, p.grad().toFloatArray());
        p.setGrad(Tensor.of(new float[] {3, 0, 4, 0}, 2, 2).t());
        assertEquals(5.0, GradClip.byNorm(List.of(p), 1.0), 1e-6);
        assertArrayEquals(new float[] {0.6f, 0.8f, 0, 0}, p.grad().toFloatArray(), 1e-6f);
    }

    @Test
    void nonFiniteNormsPropagateLikeTorch() {
        Tensor p = Tensor.zeros(2).setRequiresGrad(true);
        p.setGrad(Tensor.of(new float[] {Float.NaN, 1}, 2));
        assertTrue(Double.isNaN(GradClip.byNorm(List.of(p), 1.0)));
        assertTrue(Float.isNaN(p.grad().toFloatArray()[1]));
        p.setGrad(Tensor.of(new float[] {Float.POSITIVE_INFINITY, 1}, 2));
        assertEquals(Double.POSITIVE_INFINITY, GradClip.byNorm(List.of(p), 1.0));
        assertEquals(0f, p.grad().toFloatArray()[1]);
    }

    @Test
    void invalidArguments() {
        assertThatThrownBy(() -> GradClip.byNorm(List.of(), -1)).hasMessageContaining("max norm");
        assertThatThrownBy(() -> GradClip.byNorm(List.of(), 1, 0)).hasMessageContaining("norm type");
        assertThatThrownBy(() -> GradClip.byValue(List.of(), -1)).hasMessageContaining("clip value");
    }
}
