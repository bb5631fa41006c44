package dev.moxing.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moxing.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the PyTorch reference fixtures under {@code fixtures/optim/} (made by
 * {@code tools/reference/make_optim_loss_fixtures.py}, whose docstring documents the schemas) and
 * compares values with {@code |actual - expected| <= atol + rtol * |expected|}.
 */
public final class Fixtures {
    private Fixtures() {
    }

    public static List<JsonNode> cases(String resource) {
        try (InputStream in = Fixtures.class.getResourceAsStream(resource)) {
            if (in == null) fail("missing fixture " + resource + " (run tools/reference/make_optim_loss_fixtures.py)");
            JsonNode root = new ObjectMapper().readTree(in);
            assertEquals(1, root.get("format").asInt(), "fixture format");
            List<JsonNode> out = new ArrayList<>();
            root.get("cases").forEach(out::add);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A TENSOR node as a Tensor (F32 or I32), a fresh leaf. */
    public static Tensor tensor(JsonNode t) {
        int[] shape = ints(t.get("shape"));
        JsonNode data = t.get("data");
        if (t.get("dtype").asText().equals("i32")) {
            int[] v = new int[data.size()];
            for (int i = 0; i < v.length; i++) v[i] = data.get(i).asInt();
            return Tensor.ofInts(v, shape);
        }
        return Tensor.of(floats(data), shape);
    }

    public static float[] floats(JsonNode data) {
        float[] v = new float[data.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) data.get(i).asDouble();
        return v;
    }

    public static int[] ints(JsonNode data) {
        int[] v = new int[data.size()];
        for (int i = 0; i < v.length; i++) v[i] = data.get(i).asInt();
        return v;
    }

    /** Asserts shape and every element within tolerance; returns the largest |error| seen. */
    public static double assertClose(String what, JsonNode expected, Tensor actual, double rtol, double atol) {
        int[] shape = ints(expected.get("shape"));
        if (!Arrays.equals(shape, actual.shape())) {
            fail(what + ": shape " + Arrays.toString(actual.shape()) + ", expected " + Arrays.toString(shape));
        }
        return assertClose(what, floats(expected.get("data")), actual.toFloatArray(), rtol, atol);
    }

    public static double assertClose(String what, float[] expected, float[] actual, double rtol, double atol) {
        assertEquals(expected.length, actual.length, what + ": length");
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i], err = Math.abs(a - e);
            if (!(err <= atol + rtol * Math.abs(e)) && !(Double.isNaN(e) && Double.isNaN(a))
                    && !(Double.isInfinite(e) && e == a)) {
                fail(what + ": element " + i + " is " + a + ", expected " + e + " (|err| " + err + " > "
                        + (atol + rtol * Math.abs(e)) + ")");
            }
            if (!Double.isNaN(err)) worst = Math.max(worst, err);
        }
        return worst;
    }
}
