package dev.moxing.llm.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moxing.nn.lora.Lora;
import dev.moxing.nn.lora.LoraConfig;
import dev.moxing.nn.lora.LoraLinear;
import dev.moxing.nn.loss.SparseCategoricalCrossEntropy;
import dev.moxing.optim.AdamW;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA on the tiny GPT and Llama: identity at init, frozen base, merge, save/load, optimizer memory. */
class LoraTransformerTest {
    static final Set<String> ALL = Set.of("attn.q", "attn.k", "attn.v", "attn.o", "mlp.up", "mlp.gate", "mlp.down");
    static final Tensor X = Tensor.ofInts(new int[] {3, 7, 1, 12, 5, 9, 2, 0}, 1, 8);

    static float[] logits(Transformer m) {
        try (var ignored = Tensor.noGrad()) {
            return m.forward(X).toFloatArray();
        }
    }

    static double maxDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
        return d;
    }

    static Map<String, float[]> snapshot(Map<String, Tensor> state) {
        Map<String, float[]> out = new HashMap<>();
        state.forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    /** A few AdamW steps on a repeating sequence; the optimizer gets the parameters that require grad. */
    static AdamW train(Transformer m, int steps) {
        var loss = SparseCategoricalCrossEntropy.fromLogits();
        var opt = new AdamW(Lora.trainableParameters(m), 1e-2);
        int[] seq = new int[17];
        for (int i = 0; i < seq.length; i++) seq[i] = (i * 5) % 23;
        Tensor x = Tensor.ofInts(Arrays.copyOfRange(seq, 0, 16), 1, 16);
        Tensor y = Tensor.ofInts(Arrays.copyOfRange(seq, 1, 17), 16);
        m.train(true);
        for (int s = 0; s < steps; s++) {
            Tensor l = loss.apply(m.forward(x).reshape(16, 23), y);
            opt.zeroGrad();
            l.backward();
            opt.step();
        }
        m.eval();
        return opt;
    }

    @Test
    void freshAdaptersLeaveTheLogitsBitIdentical() {
        for (TransformerConfig c : new TransformerConfig[] {TransformerTest.tinyGpt(), TransformerTest.tinyLlama()}) {
            Transformer m = new Transformer(c, new Rng(1));
            m.eval();
            float[] base = logits(m);
            List<String> wrapped = Lora.apply(m, new LoraConfig(4, 8, 0.1f, ALL, 7));
            m.eval();
            int perBlock = c.mlp() == TransformerConfig.Mlp.SWIGLU ? 7 : 6;
            assertThat(wrapped).hasSize(2 * perBlock).contains("block0.attn.q", "block1.mlp.down");
            assertThat(logits(m)).as(c.mlp().toString()).containsExactly(base);
        }
    }

    @Test
    void trainingMovesOnlyTheAdaptersAndMergingAgrees() {
        for (TransformerConfig c : new TransformerConfig[] {TransformerTest.tinyGpt(), TransformerTest.tinyLlama()}) {
            Transformer m = new Transformer(c, new Rng(2));
            Lora.apply(m, new LoraConfig(4, 8, 0.05f, Set.of("attn.q", "attn.v", "mlp.down"), 3));
            Map<String, float[]> before = snapshot(m.stateDict());
            train(m, 5);
            for (var e : m.stateDict().entrySet()) {
                boolean adapter = e.getKey().contains(".lora_");
                if (adapter && e.getKey().endsWith("lora_B")) {
                    assertThat(e.getValue().toFloatArray()).as(e.getKey()).isNotEqualTo(before.get(e.getKey()));
                } else if (!adapter) {
                    assertThat(e.getValue().toFloatArray()).as(e.getKey()).containsExactly(before.get(e.getKey()));
                }
            }
            float[] unmerged = logits(m);
            Transformer base = new Transformer(c, new Rng(2));
            base.eval();
            assertThat(maxDiff(unmerged, logits(base)))
                    .as("the adapters changed the model").isGreaterThan(1e-3);
            Lora.mergeAll(m);
            double merge = maxDiff(logits(m), unmerged);
            Lora.unmergeAll(m);
            double restore = 0;
            for (var e : m.stateDict().entrySet()) {
                if (!e.getKey().contains(".lora_")) restore = Math.max(restore, maxDiff(e.getValue().toFloatArray(), before.get(e.getKey())));
            }
            System.out.printf("LoRA %s: merged vs unmerged logits max |Δ| = %.2e, unmerged W vs original max |Δ| = %.2e%n",
                    c.mlp(), merge, restore);
            assertThat(merge).isLessThan(1e-5);
            assertThat(restore).isLessThan(1e-6);
            assertThat(maxDiff(logits(m), unmerged)).isLessThan(1e-5);
        }
    }

    @Test
    void adaptersSaveAndLoadSeparatelyFromTheBase(@TempDir Path dir) throws Exception {
        TransformerConfig c = TransformerTest.tinyLlama();
        LoraConfig lc = new LoraConfig(8, 16, 0f, Set.of("attn.q", "attn.v"), 4);
        Transformer tuned = new Transformer(c, new Rng(5));
        Lora.apply(tuned, lc);
        train(tuned, 3);
        Path file = dir.resolve("adapter.safetensors");
        Lora.save(tuned, file);
        assertThat(Lora.adapterState(tuned).keySet()).hasSize(8).contains("block0.attn.q.lora_A", "block1.attn.v.lora_B");

        Transformer fresh = new Transformer(c, new Rng(5)); // same base weights
        Lora.apply(fresh, new LoraConfig(8, 16, 0f, Set.of("attn.q", "attn.v"), 99)); // different A init
        fresh.eval();
        assertThat(logits(fresh)).isNotEqualTo(logits(tuned));
        Lora.load(fresh, file);
        assertThat(logits(fresh)).containsExactly(logits(tuned));

        Transformer wrongRank = new Transformer(c, new Rng(5));
        Lora.apply(wrongRank, new LoraConfig(4, 8, 0f, Set.of("attn.q", "attn.v"), 4));
        assertThatThrownBy(() -> Lora.load(wrongRank, file)).hasMessageContaining("different rank");
        assertThatThrownBy(() -> Lora.apply(new Transformer(c, new Rng(5)), LoraConfig.of(8, "attn.qq")))
                .hasMessageContaining("no Linear module matches").hasMessageContaining("block0.attn.q");
    }

    /**
     * AdamW keeps two floats (exp_avg, exp_avg_sq) per parameter that has a gradient. Tiny GPT
     * (width 32, 2 blocks, 27,232 parameters), r = 8 on q and v: 2 blocks × 2 layers × (8·32 + 32·8)
     * = 2,048 trainable parameters, so 4,096 state floats against 54,464 for full fine-tuning: 7.5%.
     */
    @Test
    void optimizerStateIsTheAdapterFractionOfFullFineTuning() {
        TransformerConfig c = TransformerTest.tinyGpt();
        Transformer full = new Transformer(c, new Rng(6));
        long fullFloats = stateFloats(train(full, 1));
        Transformer lora = new Transformer(c, new Rng(6));
        Lora.apply(lora, new LoraConfig(8, 16, 0f, Set.of("attn.q", "attn.v"), 1));
        long loraFloats = stateFloats(train(lora, 1));
        long adapterParams = Lora.trainableParameters(lora).stream().mapToLong(Tensor::numel).sum();
        System.out.printf("AdamW state floats: full %d, LoRA r=8 q,v %d (%.2f%%)%n", fullFloats, loraFloats,
                100.0 * loraFloats / fullFloats);
        assertThat(adapterParams).isEqualTo(2L * 2 * (8 * 32 + 32 * 8));
        assertThat(fullFloats).isEqualTo(2 * full.parameterCount()).isEqualTo(2 * 27_232L);
        assertThat(loraFloats).isEqualTo(2 * adapterParams).isEqualTo(4_096L);
    }

    static long stateFloats(AdamW opt) {
        return opt.stateDict().buffers().values().stream().mapToLong(b -> b.length).sum();
    }

    @Test
    void onlyLinearProjectionsAreWrapped() {
        Transformer m = new Transformer(TransformerTest.tinyGpt(), new Rng(8));
        Lora.apply(m, LoraConfig.of(2, "q"));
        assertThat(Lora.adapters(m).values()).allMatch(l -> l instanceof LoraLinear).hasSize(2);
        assertThat(Lora.trainableParameters(m)).hasSize(4);
    }
}
