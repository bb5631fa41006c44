package dev.moxing.llm.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The copy's start gate: a producer waits for the model's first forward pass, for settleWeights, or for its bound. */
class WeightHandoverTest {
    private static Transformer model() {
        TransformerConfig c = TransformerConfig.llama(32, 16, 2, 2, 2, 32, 64, 1e-5f, 10000f, false);
        return new Transformer(c, new Rng(3));
    }

    private static Thread producer(WeightHandover h, boolean finish) {
        return Thread.ofPlatform().start(() -> {
            h.awaitStart(Duration.ofMinutes(5));
            if (finish) h.finish();
        });
    }

    @Test
    void theProducerStartsAfterTheFirstForwardPass() throws Exception {
        Transformer m = model();
        WeightHandover h = new WeightHandover();
        m.handOver(h);
        Thread p = producer(h, false);
        p.join(200);
        assertThat(p.isAlive()).as("waiting for the first pass").isTrue();
        try (var ignored = Tensor.noGrad()) {
            m.forward(Tensor.ofInts(new int[] {1, 2, 3}, 1, 3));
        }
        p.join(Duration.ofSeconds(30));
        assertThat(p.isAlive()).as("started after the first pass").isFalse();
        h.finish();
    }

    @Test
    void settlingWeightsLetsTheProducerStart() {
        Transformer m = model();
        WeightHandover h = new WeightHandover();
        m.handOver(h);
        producer(h, true);
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThat(m.settleWeights()).isTrue());
    }

    @Test
    void anIdleModelsCopyStartsAfterTheBound() {
        WeightHandover h = new WeightHandover();
        long t0 = System.nanoTime();
        h.awaitStart(Duration.ofMillis(50));
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(50_000_000L);
    }
}
