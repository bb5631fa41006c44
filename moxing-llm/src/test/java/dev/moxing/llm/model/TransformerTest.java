package dev.moxing.llm.model;

import dev.moxing.llm.generate.GenerateOptions;
import dev.moxing.llm.generate.Generator;
import dev.moxing.nn.loss.SparseCategoricalCrossEntropy;
import dev.moxing.optim.AdamW;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TransformerTest {

    static TransformerConfig tinyGpt() {
        return TransformerConfig.gpt(23, 32, 2, 4, 32, 0f, true);
    }

    static TransformerConfig tinyLlama() {
        return TransformerConfig.llama(23, 32, 2, 4, 2, 32, 48, 1e-5f, 10000f, false);
    }

    @Test
    void greedyDecodingIsTheSameWithAndWithoutTheKvCache() {
        for (TransformerConfig c : new TransformerConfig[] {tinyGpt(), tinyLlama()}) {
            Transformer m = new Transformer(c, new Rng(1));
            // Sharpen the random model so that greedy picks are far from ties.
            try (var ignored = Tensor.noGrad()) {
                for (Tensor p : m.parameters()) if (p.dim() == 2) p.copyFrom(p.mul(8f));
            }
            Generator g = new Generator(m);
            int[] prompt = {3, 7, 1, 12};
            int[] cached = g.generate(prompt, GenerateOptions.greedy(20), -1, null, null);
            int[] uncached = g.greedyWithoutCache(prompt, 20);
            assertThat(cached).as(c.positions().toString()).hasSize(20).containsExactly(uncached);
        }
    }

    @Test
    void logitsAtAPositionIgnoreLaterTokens() {
        Transformer m = new Transformer(tinyLlama(), new Rng(2));
        m.eval();
        try (var ignored = Tensor.noGrad()) {
            Tensor a = m.forward(Tensor.ofInts(new int[] {1, 2, 3, 4, 5, 6}, 1, 6));
            Tensor b = m.forward(Tensor.ofInts(new int[] {1, 2, 3, 9, 9, 9}, 1, 6));
            assertThat(a.narrow(1, 0, 3).toFloatArray()).containsExactly(b.narrow(1, 0, 3).toFloatArray());
            assertThat(a.narrow(1, 3, 1).toFloatArray()).isNotEqualTo(b.narrow(1, 3, 1).toFloatArray());
        }
    }

    @Test
    void learnsARepeatingSequence() {
        Transformer m = new Transformer(tinyGpt(), new Rng(3));
        var loss = SparseCategoricalCrossEntropy.fromLogits();
        var opt = new AdamW(m.parameters(), 3e-3);
        int[] seq = new int[33];
        for (int i = 0; i < seq.length; i++) seq[i] = (i * 5) % 23;
        Tensor x = Tensor.ofInts(java.util.Arrays.copyOfRange(seq, 0, 32), 1, 32);
        Tensor y = Tensor.ofInts(java.util.Arrays.copyOfRange(seq, 1, 33), 32);
        float first = 0, last = 0;
        for (int step = 0; step < 60; step++) {
            Tensor l = loss.apply(m.forward(x).reshape(32, 23), y);
            if (step == 0) first = l.item();
            last = l.item();
            opt.zeroGrad();
            l.backward();
            opt.step();
        }
        assertThat(first).isGreaterThan(2.5f);
        assertThat(last).isLessThan(0.2f);
    }

    @Test
    void rejectsSequencesLongerThanTheContext() {
        Transformer m = new Transformer(tinyGpt(), new Rng(4));
        assertThatThrownBy(() -> m.forward(Tensor.ofInts(new int[40], 1, 40)))
                .hasMessageContaining("40 positions exceed the context length 32");
    }

    @Test
    void parameterCountMatchesTheFormula() {
        TransformerConfig c = tinyGpt();
        Transformer m = new Transformer(c, new Rng(5));
        long w = c.width(), v = c.vocabSize(), t = c.contextLength(), h = c.hidden();
        long perBlock = 2 * 2 * w + 4 * (w * w + w) + (w * h + h) + (h * w + w);
        assertThat(m.parameterCount()).isEqualTo(v * w + t * w + c.layers() * perBlock + 2 * w);
    }
}
