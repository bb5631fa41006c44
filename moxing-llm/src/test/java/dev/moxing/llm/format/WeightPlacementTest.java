package dev.moxing.llm.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.moxing.gguf.GgmlType;
import dev.moxing.gguf.GgufFile;
import dev.moxing.kernels.quant.QuantMatmul;
import dev.moxing.kernels.quant.RowInterleave;
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
 * gives the same logits while they move and after as with every weight left in the mapping
 * ({@code -Dmoxing.weights=mapped}): bit for bit in the block layout, to float rounding where Q8_0 /
 * Q4_0 rows are interleaved (their sums run in another order).
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

    /**
     * The logits of 12 decoding steps from BOS, one position at a time through the KV cache: greedy,
     * the ids chosen appended to {@code ids} when it is empty, else those ids fed in (so that two
     * models compare on the same path even if a near tie would choose differently).
     */
    private static List<float[]> decode(Transformer model, List<Integer> ids) {
        model.eval();
        boolean greedy = ids.isEmpty();
        List<float[]> out = new ArrayList<>();
        try (var ignored = Tensor.noGrad()) {
            KvCache cache = model.newCache();
            int id = 1;
            for (int step = 0; step < 12; step++) {
                float[] logits = model.forwardLast(Tensor.ofInts(new int[] {id}, 1, 1), cache).toFloatArray();
                out.add(logits);
                int best = 0;
                for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
                if (greedy) ids.add(best);
                id = ids.get(step);
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
    void heapWeightsDecodeAsTheMappedOnes(String type) throws Exception {
        Path file = file(type);
        Transformer heap = load(file, "heap"), mapped = load(file, "mapped");
        List<Integer> ids = new ArrayList<>();
        List<float[]> expected = decode(mapped, ids);
        // While the copy runs, each forward pass swaps in what is ready: any mix decodes the same.
        List<float[]> during = decode(heap, ids);
        heap.settleWeights();

        int moved = 0, interleaved = 0;
        boolean untied = heap.stateDict().containsKey("head.weight");
        for (Map.Entry<String, Tensor> e : heap.stateDict().entrySet()) {
            Tensor t = e.getValue();
            if (!(t.storage() instanceof Storage.Segment s) || t.dim() != 2) continue;
            DType stored = s.dtype().interleavedFrom() != null ? s.dtype().interleavedFrom() : s.dtype();
            // an untied embedding table is only looked up a row at a time: it stays mapped
            boolean block = QuantMatmul.decodesFasterOnHeap(stored) && !(untied && e.getKey().equals("tokens.weight"));
            assertThat(s.segment().heapBase().isPresent()).as(e.getKey() + " (" + s.dtype() + ") on the heap").isEqualTo(block);
            if (block) moved++;
            // Q8_0 / Q4_0 matrices of whole 16-row groups go interleaved, except the token table
            boolean rows16 = block && RowInterleave.suits(stored, t.size(0), t.size(1)) && !e.getKey().equals("tokens.weight")
                    && !(e.getKey().equals("head.weight") && !untied);
            assertThat(s.dtype().interleavedFrom() != null).as(e.getKey() + " (" + s.dtype() + ") interleaved").isEqualTo(rows16);
            if (rows16) interleaved++;
        }
        assertThat(moved).as("matrices moved to the heap").isGreaterThan(5);
        if ((type.equals("Q8_0") || type.equals("Q4_0") || type.equals("q4_k_m")) && RowInterleave.suits(DType.Q8_0, 16, 32)) {
            assertThat(interleaved).as("matrices interleaved").isGreaterThan(5);
        }
        if (type.equals("q4_k_m") && QuantMatmul.decodesFasterOnHeap(DType.Q4_K)) {
            assertThat(heap.stateDict().get("block0.mlp.up.weight").dtype())
                    .isEqualTo(RowInterleave.suits(DType.Q4_K, 512, 256) ? DType.Q4_K_R16 : DType.Q4_K);
        }
        for (Tensor t : mapped.stateDict().values()) {
            if (t.storage() instanceof Storage.Segment s) assertThat(s.segment().heapBase()).isEmpty();
        }

        List<float[]> after = decode(heap, ids);
        for (int i = 0; i < expected.size(); i++) {
            if (interleaved == 0) { // the block-layout kernels over arrays: the same bits
                assertThat(during.get(i)).as("step %d during the copy", i).containsExactly(expected.get(i));
                assertThat(after.get(i)).as("step %d after it", i).containsExactly(expected.get(i));
            } else { // rows summed in another order: float rounding apart
                assertClose(during.get(i), expected.get(i), "step " + i + " during the copy");
                assertClose(after.get(i), expected.get(i), "step " + i + " after it");
            }
        }
    }

    private static void assertClose(float[] actual, float[] expected, String what) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int j = 0; j < expected.length; j++) {
            assertThat(actual[j]).as("%s, logit %d", what, j).isCloseTo(expected[j], within(1e-4f * (1 + Math.abs(expected[j]))));
        }
    }

    @Test
    void anUnknownPlacementIsAnError() {
        assertThatThrownBy(() -> load(STORIES, "disk"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-Dmoxing.weights").hasMessageContaining("heap or mapped").hasMessageContaining("'disk'");
    }
}
