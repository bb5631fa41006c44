package dev.moxing.llm.eval;

import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.nn.loss.Reduction;
import dev.moxing.nn.loss.SparseCategoricalCrossEntropy;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PerplexityTest {
    static final int V = 11, CONTEXT = 12;

    static Transformer model() {
        Transformer m = new Transformer(TransformerConfig.gpt(V, CONTEXT, 2, 2, 16, 0f, true), new Rng(11));
        // Sharper than at initialisation, so that context matters and windowing mistakes show.
        try (var ignored = Tensor.noGrad()) {
            for (Tensor p : m.parameters()) if (p.dim() == 2) p.copyFrom(p.mul(6f));
        }
        m.eval();
        return m;
    }

    static int[] ids(int n, long seed) {
        Rng r = new Rng(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = r.nextInt(V);
        return ids;
    }

    /** Summed NLL of ids[1..] given a single forward pass over ids[0..n-1), by the library's cross-entropy. */
    static double fullSequenceNll(Transformer m, int[] ids) {
        int t = ids.length - 1;
        try (var ignored = Tensor.noGrad()) {
            Tensor logits = m.forward(Tensor.ofInts(Arrays.copyOf(ids, t), 1, t)).reshape(t, V);
            Tensor targets = Tensor.ofInts(Arrays.copyOfRange(ids, 1, ids.length), t);
            return SparseCategoricalCrossEntropy.fromLogits().withReduction(Reduction.SUM).apply(logits, targets).item();
        }
    }

    @Test
    void aTextThatFitsOneWindowGivesTheFullSequenceLoss() {
        Transformer m = model();
        int[] ids = ids(CONTEXT + 1, 1); // 12 inputs predict 12 targets: exactly one window
        Perplexity.Result r = Perplexity.of(m, ids);
        double expected = fullSequenceNll(m, ids);
        assertThat(r.tokens()).isEqualTo(CONTEXT);
        assertThat(r.totalNll()).isCloseTo(expected, within(1e-4 * Math.abs(expected)));
        assertThat(r.perplexity()).isCloseTo(Math.exp(expected / CONTEXT), within(1e-3));
        // Any stride: one window still scores everything.
        assertThat(Perplexity.of(m, ids, CONTEXT, 1).totalNll()).isCloseTo(r.totalNll(), within(1e-9));
    }

    @Test
    void strideOneGivesEveryTokenTheFullWindow() {
        Transformer m = model();
        int[] ids = ids(40, 2);
        double expected = 0;
        for (int target = 1; target < ids.length; target++) {
            int begin = Math.max(0, target - CONTEXT);
            // The last position of the window ending just before the target, scored by hand.
            int[] window = Arrays.copyOfRange(ids, begin, target + 1);
            double all = fullSequenceNll(m, window);
            double allButLast = window.length > 2 ? fullSequenceNll(m, Arrays.copyOf(window, window.length - 1)) : 0;
            expected += all - allButLast;
        }
        Perplexity.Result r = Perplexity.of(m, ids, CONTEXT, 1);
        assertThat(r.tokens()).isEqualTo(39);
        assertThat(r.totalNll()).isCloseTo(expected, within(1e-3));
    }

    @Test
    void slidingWindowsScoreEachTokenOnceWithTheDocumentedContext() {
        Transformer m = model();
        int[] ids = ids(50, 3);
        for (int stride : new int[] {1, 4, 5, 12}) {
            // Per target: the window that scores it, per the class comment, run on its own.
            int last = ids.length - 1, first = Math.min(CONTEXT, last);
            double expected = 0;
            for (int target = 1; target <= last; target++) {
                int end = target <= first ? first : Math.min(last, first + ((target - first + stride - 1) / stride) * stride);
                int begin = Math.max(0, end - CONTEXT);
                assertThat(target - begin).as("left context of %d, stride %d", target, stride)
                        .isGreaterThanOrEqualTo(Math.min(target, CONTEXT - stride + 1));
                int[] window = Arrays.copyOfRange(ids, begin, target + 1); // causal: later inputs do not matter
                double all = fullSequenceNll(m, window);
                double allButLast = window.length > 2 ? fullSequenceNll(m, Arrays.copyOf(window, window.length - 1)) : 0;
                expected += all - allButLast;
            }
            Perplexity.Result r = Perplexity.of(m, ids, CONTEXT, stride);
            assertThat(r.tokens()).isEqualTo(49);
            assertThat(r.totalNll()).as("stride %d", stride).isCloseTo(expected, within(2e-3));
        }
    }

    @Test
    void badArgumentsAreNamed() {
        Transformer m = model();
        assertThatThrownBy(() -> Perplexity.of(m, new int[] {3})).hasMessageContaining("at least 2 tokens");
        assertThatThrownBy(() -> Perplexity.of(m, ids(20, 4), CONTEXT + 1, 4)).hasMessageContaining("context must be in [1, 12]");
        assertThatThrownBy(() -> Perplexity.of(m, ids(20, 4), 8, 9)).hasMessageContaining("stride must be in [1, context=8]");
        assertThatThrownBy(() -> Perplexity.of(m, new int[] {1, 2, V})).hasMessageContaining("outside the vocabulary");
    }
}
