package dev.moxing.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moxing.nn.Module;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays {@code fixtures/layers/layers.json} (made by {@code tools/reference/make_layer_fixtures.py},
 * whose docstring documents the schema): for each case it builds the Moxing layer from the
 * config, loads the PyTorch state dict into it, runs the forward pass in the case's mode, compares
 * the output, runs {@code backward(grad_output)} and compares the gradients of the input and of
 * every parameter, and the buffers after the pass (BatchNorm's running statistics).
 *
 * <p>Expected values are PyTorch float64 results on the exact float32 inputs, rounded to float32.
 * Every layer here accumulates (convolutions sum up to ~50 products, norms reduce rows of up to
 * 100 values and their backward passes subtract nearly equal means), so an element passes when
 * {@code |actual − expected| ≤ 1e-5 + 1e-4·|expected|}.
 */
class LayersAgainstTorchTest {
    static final double RTOL = 1e-4;
    static final double ATOL = 1e-5;

    static JsonNode fixtures() throws IOException {
        try (InputStream in = LayersAgainstTorchTest.class.getResourceAsStream("/fixtures/layers/layers.json")) {
            assertNotNull(in, "fixtures/layers/layers.json is missing (run tools/reference/make_layer_fixtures.py)");
            return new ObjectMapper().readTree(in);
        }
    }

    @TestFactory
    Stream<DynamicTest> layersMatchPyTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : fixtures().get("cases")) {
            tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> replay(c)));
        }
        return tests.stream();
    }

    @Test
    void fixtureCoversEveryLayerKind() throws IOException {
        List<String> kinds = new ArrayList<>();
        for (JsonNode c : fixtures().get("cases")) kinds.add(c.get("layer").asText());
        assertThat(kinds).contains("Conv2d", "Conv1d", "MaxPool2d", "AvgPool2d", "BatchNorm2d", "BatchNorm1d",
                "LayerNorm", "RMSNorm", "Linear", "Embedding");
    }

    /** Fixture layer name + config → the Moxing layer (mirrors build() in the generator). */
    static Module build(String layer, JsonNode cfg) {
        Rng rng = new Rng(0); // weights are overwritten by the fixture's state
        return switch (layer) {
            case "Conv2d" -> new Conv2d(cfg.get("in").asInt(), cfg.get("out").asInt(), ints(cfg.get("kernel")),
                    ints(cfg.get("stride")), ints(cfg.get("padding")), ints(cfg.get("dilation")),
                    cfg.get("groups").asInt(), cfg.get("bias").asBoolean(), rng);
            case "Conv1d" -> new Conv1d(cfg.get("in").asInt(), cfg.get("out").asInt(), cfg.get("kernel").asInt(),
                    cfg.get("stride").asInt(), cfg.get("padding").asInt(), cfg.get("dilation").asInt(),
                    cfg.get("groups").asInt(), cfg.get("bias").asBoolean(), rng);
            case "MaxPool2d" -> new MaxPool2d(ints(cfg.get("kernel")), ints(cfg.get("stride")), ints(cfg.get("padding")));
            case "AvgPool2d" -> new AvgPool2d(ints(cfg.get("kernel")), ints(cfg.get("stride")), ints(cfg.get("padding")),
                    cfg.get("count_include_pad").asBoolean());
            case "BatchNorm2d" -> new BatchNorm2d(cfg.get("features").asInt(), cfg.get("eps").asDouble(),
                    cfg.get("momentum").asDouble(), cfg.get("affine").asBoolean());
            case "BatchNorm1d" -> new BatchNorm1d(cfg.get("features").asInt(), cfg.get("eps").asDouble(),
                    cfg.get("momentum").asDouble(), cfg.get("affine").asBoolean());
            case "LayerNorm" -> new LayerNorm(ints(cfg.get("shape")), cfg.get("eps").asDouble(),
                    cfg.get("affine").asBoolean());
            case "RMSNorm" -> new RMSNorm(cfg.get("dim").asInt(), cfg.get("eps").asDouble());
            case "Linear" -> new Linear(cfg.get("in").asInt(), cfg.get("out").asInt(), cfg.get("bias").asBoolean(), rng);
            case "Embedding" -> new Embedding(cfg.get("vocab").asInt(), cfg.get("dim").asInt(), rng);
            default -> throw new IllegalArgumentException("no Moxing layer for fixture layer " + layer);
        };
    }

    static void replay(JsonNode c) {
        Module m = build(c.get("layer").asText(), c.get("config"));
        Map<String, Tensor> state = new LinkedHashMap<>();
        c.get("state").properties().forEach(e -> state.put(e.getKey(), tensor(e.getValue())));
        m.loadStateDict(state);
        m.train(c.get("mode").asText().equals("train"));

        Tensor x = tensor(c.get("input"));
        boolean floatInput = c.get("input").get("dtype").asText().equals("f32");
        if (floatInput) x.setRequiresGrad(true);
        Tensor y = m.forward(x);
        assertClose("output", y, c.get("output"));

        y.backward(tensor(c.get("grad_output")));
        Map<String, Tensor> params = m.namedParameters();
        for (var e : c.get("grads").properties()) {
            String k = e.getKey();
            if (e.getValue().isNull()) continue;
            Tensor actual = k.equals("input") ? x.grad() : params.get(k).grad();
            assertNotNull(actual, "no gradient for " + k);
            assertClose("grad of " + k, actual, e.getValue());
        }
        assertThat(new ArrayList<>(params.keySet())).as("parameters").isEqualTo(withoutInput(c.get("grads")));
        if (c.has("state_after")) {
            Map<String, Tensor> after = m.stateDict();
            c.get("state_after").properties().forEach(e -> assertClose(e.getKey() + " after the pass",
                    after.get(e.getKey()), e.getValue()));
        }
    }

    private static List<String> withoutInput(JsonNode grads) {
        List<String> names = new ArrayList<>();
        grads.fieldNames().forEachRemaining(n -> {
            if (!n.equals("input")) names.add(n);
        });
        return names;
    }

    static int[] ints(JsonNode n) {
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) out[i] = n.get(i).asInt();
        return out;
    }

    static Tensor tensor(JsonNode t) {
        int[] shape = ints(t.get("shape"));
        JsonNode data = t.get("data");
        if (t.get("dtype").asText().equals("i32")) {
            int[] v = new int[data.size()];
            for (int i = 0; i < v.length; i++) v[i] = data.get(i).asInt();
            return Tensor.ofInts(v, shape);
        }
        float[] v = new float[data.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) data.get(i).asDouble();
        return Tensor.of(v, shape);
    }

    static void assertClose(String what, Tensor actual, JsonNode expected) {
        Tensor e = tensor(expected);
        assertArrayEquals(e.shape(), actual.shape(), what + ": shape " + Shape.str(actual.shape()) + " vs expected "
                + Shape.str(e.shape()));
        float[] a = actual.toFloatArray(), x = e.toFloatArray();
        double worst = 0;
        int at = -1;
        for (int i = 0; i < a.length; i++) {
            double err = Math.abs(a[i] - x[i]) - (ATOL + RTOL * Math.abs(x[i]));
            if (!(err <= worst)) { // also catches NaN
                worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
                at = i;
            }
        }
        if (at >= 0) {
            fail(what + ": element " + at + " is " + a[at] + ", expected " + x[at] + " (tolerance "
                    + (ATOL + RTOL * Math.abs(x[at])) + ")");
        }
    }
}
