package dev.moxing.nn.loss;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moxing.optim.Fixtures;
import dev.moxing.tensor.Tensor;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays {@code fixtures/loss/losses.json}: every loss, each reduction, probabilities and logits,
 * with and without label smoothing (and ignore index): the forward value and, after
 * {@code out.backward(grad_output)}, the gradient with respect to the predictions.
 *
 * <p>Tolerance {@code rtol 1e-5, atol 1e-6}, with no slack: the reference is float64 on the
 * float32 inputs. Moxing computes the pointwise losses and the fused cross-entropies' per-row
 * terms in double and rounds once; the softmax itself is float32 (a few ulps). The
 * probability-input categorical losses are one fused op (sums and logs in double, the normalised,
 * clipped probabilities in float32, as Keras computes them); their gradients are about 1/p (up to ~1e3 here) and land within ~1e-7 relative. Measured worst
 * cases are of the order of PyTorch's own float32 error on the same inputs (the fixture's torch_f32_err).
 */
class LossesAgainstTorchTest {
    static final double RTOL = 1e-5;
    static final double ATOL = 1e-6;

    static Loss make(String kind, JsonNode a) {
        Reduction r = Reduction.of(a.get("reduction").asText());
        boolean logits = a.get("from_logits").asBoolean();
        double ls = a.get("label_smoothing").asDouble();
        return switch (kind) {
            case "mse" -> new MeanSquaredError(r);
            case "mae" -> new MeanAbsoluteError(r);
            case "huber" -> new Huber(a.get("delta").asDouble(), r);
            case "bce" -> new BinaryCrossEntropy(logits, ls, r);
            case "cce" -> new CategoricalCrossEntropy(logits, ls, r);
            case "scce" -> new SparseCategoricalCrossEntropy(logits, ls, r,
                    a.hasNonNull("ignore_index") ? a.get("ignore_index").asInt() : null);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    @TestFactory
    Stream<DynamicTest> matchesPyTorch() {
        return Fixtures.cases("/fixtures/loss/losses.json").stream().map(c -> DynamicTest.dynamicTest(c.get("name").asText(), () -> {
            Loss loss = make(c.get("loss").asText(), c.get("args"));
            Tensor p = Fixtures.tensor(c.get("predictions")).setRequiresGrad(true);
            Tensor t = Fixtures.tensor(c.get("targets"));
            Tensor out = loss.apply(p, t);
            Fixtures.assertClose("output", c.get("output"), out, RTOL, ATOL);
            out.backward(Fixtures.tensor(c.get("grad_output")));
            assertNotNull(p.grad(), "no gradient reached the predictions");
            Fixtures.assertClose("grad", c.get("grad"), p.grad(), RTOL, ATOL);
        }));
    }

    @Test
    void everyLossReductionAndOptionIsCovered() {
        Set<String> seen = new TreeSet<>();
        for (JsonNode c : Fixtures.cases("/fixtures/loss/losses.json")) {
            JsonNode a = c.get("args");
            String k = c.get("loss").asText() + (a.get("from_logits").asBoolean() ? ".logits" : "");
            seen.add(k + "." + a.get("reduction").asText());
            if (a.get("label_smoothing").asDouble() > 0) seen.add(k + ".smooth");
        }
        for (String k : new String[] {"mse", "mae", "huber", "bce", "bce.logits", "cce", "cce.logits", "scce", "scce.logits"}) {
            for (String r : new String[] {"mean", "sum", "none"}) assertTrue(seen.contains(k + "." + r), k + "." + r);
        }
        for (String k : new String[] {"bce", "bce.logits", "cce", "cce.logits", "scce", "scce.logits"}) {
            assertTrue(seen.contains(k + ".smooth"), k + ".smooth");
        }
    }
}
