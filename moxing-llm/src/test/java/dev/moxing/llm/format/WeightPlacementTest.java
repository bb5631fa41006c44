package dev.moxing.llm.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moxing.gguf.GgmlType;
import dev.moxing.gguf.GgufFile;
import dev.moxing.kernels.quant.QuantMatmul;
import dev.moxing.llm.model.KvCache;
import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.random.Rng;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Storage;
import dev.moxing.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * F32, F16 and quantized matrices (Q8_0, Q4_0, Q4_K, Q6_K) of a loaded GGUF model move to the heap in the background, and decoding
 * gives the same logits, bit for bit, while they move and after, as with every weight left in the
 * mapping ({@code -Dmoxing.weights=mapped}).
 */
class WeightPlacementTest {
    private static final Path STORIES = Path.of("src/test/resources/models/stories260K/stories260K.gguf");

    @TempDir
    static Path tmp;

    @AfterEach
    void clearProperty() {
        System.clearProperty(WeightPlacement.PROPERTY);
    }

    private static Transformer load(Path file, String placement) throws Exception {
        System.setProperty(WeightPlacement.PROPERTY, placement);
        try {
            return GgufModel.load(GgufFile.open(file), 0);
        } finally {
            System.clearProperty(WeightPlacement.PROPERTY);
        }
    }

    /** The logits of 12 greedy decoding steps from BOS, one position at a time through the KV cache. */
    private static List<float[]> decode(Transformer model) {
        model.eval();
        List<float[]> out = new ArrayList<>();
        try (var ignored = Tensor.noGrad()) {
            KvCache cache = model.newCache();
            int id = 1;
            for (int step = 0; step < 12; step++) {
                float[] logits = model.forwardLast(Tensor.ofInts(new int[] {id}, 1, 1), cache).toFloatArray();
                out.add(logits);
                int best = 0;
                for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
                id = best;
            }
        }
        return out;
    }

    /**
     * stories260K in Q8_0 or Q4_0; for q4_k_m (Q4_K and Q6_K, rows of 256-value super-blocks) a
     * random Llama model 256 wide, since stories260K's 64-wide rows fall back to other types.
     */
    private static Path file(String type) throws Exception {
        Path file = tmp.resolve("placement-" + type + ".gguf");
        if (type.equals("q4_k_m")) {
            TransformerConfig c = TransformerConfig.llama(256, 32, 2, 4, 2, 256, 512, 1e-5f, 10000f, false)
                    .withAttention(false, TransformerConfig.RotaryPairs.ADJACENT);
            GgufExport.write(LlamaExport.of(new Transformer(c, new Rng(5)), null, "wide"), QuantRecipe.named(type), file);
        } else {
            GgufConvert.convert(STORIES.toString(), file, GgufConvert.Options.of(GgmlType.valueOf(type)));
        }
        return file;
    }

    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q4_0", "F16", "F32", "q4_k_m"})
    void heapWeightsDecodeToTheSameBits(String type) throws Exception {
        Path file = file(type);
        Transformer heap = load(file, "heap"), mapped = load(file, "mapped");
        List<float[]> expected = decode(mapped);
        // While the copy runs, each forward pass swaps in what is ready: any mix decodes the same.
        List<float[]> during = decode(heap);
        heap.settleWeights();

        int moved = 0;
        boolean untied = heap.stateDict().containsKey("head.weight");
        for (Map.Entry<String, Tensor> e : heap.stateDict().entrySet()) {
            Tensor t = e.getValue();
            if (!(t.storage() instanceof Storage.Segment s) || t.dim() != 2) continue;
            // an untied embedding table is only looked up a row at a time: it stays mapped
            boolean block = QuantMatmul.decodesFasterOnHeap(s.dtype()) && !(untied && e.getKey().equals("tokens.weight"));
            assertThat(s.segment().heapBase().isPresent()).as(e.getKey() + " (" + s.dtype() + ") on the heap").isEqualTo(block);
            if (block) moved++;
        }
        assertThat(moved).as("matrices moved to the heap").isGreaterThan(5);
        if (type.equals("q4_k_m") && QuantMatmul.decodesFasterOnHeap(DType.Q4_K)) {
            assertThat(heap.stateDict().get("block0.mlp.up.weight").dtype()).isEqualTo(DType.Q4_K);
        }
        for (Tensor t : mapped.stateDict().values()) {
            if (t.storage() instanceof Storage.Segment s) assertThat(s.segment().heapBase()).isEmpty();
        }

        List<float[]> after = decode(heap);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(during.get(i)).as("step %d during the copy", i).containsExactly(expected.get(i));
            assertThat(after.get(i)).as("step %d after it", i).containsExactly(expected.get(i));
        }
    }

    @Test
    void anUnknownPlacementIsAnError() {
        assertThatThrownBy(() -> load(STORIES, "disk"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-Dmoxing.weights").hasMessageContaining("heap or mapped").hasMessageContaining("'disk'");
    }
}
