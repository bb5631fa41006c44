package dev.moxing.llm.model;

import dev.moxing.llm.LanguageModel;
import dev.moxing.llm.format.Llama2cCheckpoint;
import dev.moxing.llm.generate.GenerateOptions;
import dev.moxing.llm.generate.Generator;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** F16 and Q8_0 KV caches against the F32 one: logits, greedy ids, memory, truncate/clear. */
class KvCacheTypeTest {
    static final Path STORIES = Path.of("src/test/resources/models/stories260K");
    static final int[] PROMPT = {1, 403, 407, 261, 378, 429, 16, 394, 285, 261, 378};

    /** A random Llama with head dim 64 and grouped-query attention, sharpened so greedy picks are far from ties. */
    static Transformer randomLlama() {
        Transformer m = new Transformer(TransformerConfig.llama(96, 128, 2, 4, 2, 256, 512, 1e-5f, 10000f, false), new Rng(11));
        try (var ignored = Tensor.noGrad()) {
            for (Tensor p : m.parameters()) if (p.dim() == 2) p.copyFrom(p.mul(8f));
        }
        m.eval();
        return m;
    }

    /**
     * The logits (steps, V) of the prompt's last position and of 32 decoding steps through a cache
     * of {@code type}, each step fed the token that {@code path} says (so every type sees the same inputs).
     */
    static float[][] decodeLogits(Transformer m, KvCacheType type, int[] prompt, int[] path) {
        float[][] out = new float[path.length + 1][];
        try (var ignored = Tensor.noGrad()) {
            KvCache cache = m.newCache(type);
            out[0] = m.forwardLast(Tensor.ofInts(prompt, 1, prompt.length), cache).toFloatArray();
            for (int i = 0; i < path.length; i++) {
                out[i + 1] = m.forwardLast(Tensor.ofInts(new int[] {path[i]}, 1, 1), cache).toFloatArray();
            }
        }
        return out;
    }

    /** The greedy path of 32 tokens under an F32 cache. */
    static int[] greedyPath(Transformer m, int[] prompt) {
        return new Generator(m).generate(prompt, GenerateOptions.greedy(32), -1, null, null);
    }

    static float maxAbs(float[][] a) {
        float m = 0;
        for (float[] row : a) for (float x : row) m = Math.max(m, Math.abs(x));
        return m;
    }

    static float maxDiff(float[][] a, float[][] b) {
        float d = 0;
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[i].length; j++) d = Math.max(d, Math.abs(a[i][j] - b[i][j]));
        return d;
    }

    @Test
    void stories260kLogitsWithAnF16CacheStayWithin0_03OfF32() throws Exception {
        Transformer m = Llama2cCheckpoint.load(STORIES.resolve("stories260K.bin"));
        int[] path = greedyPath(m, PROMPT);
        float[][] f32 = decodeLogits(m, KvCacheType.F32, PROMPT, path);
        float[][] f16 = decodeLogits(m, KvCacheType.F16, PROMPT, path);
        float diff = maxDiff(f16, f32), range = maxAbs(f32);
        System.out.printf("stories260K (max |logit| %.3g): max |logit(F16 cache) - logit(F32 cache)| over prompt + 32 steps = %.3g%n",
                range, diff);
        assertThat(diff).isGreaterThan(0f).isLessThan(0.03f);
    }

    /**
     * tools/reference/kv_cache_reference.py: numpy's float64 forward with every key and value
     * rounded to f16. The F16 cache lands on it 5× closer than the F32 cache does: what is left
     * (~3e-3) is elements whose float32 and float64 values round to neighbouring f16 values.
     */
    @Test
    void stories260kF16CacheLogitsMatchTheNumpyReferenceThatRoundsKeysAndValues() throws Exception {
        Path ref = Path.of("src/test/resources/reference/kvcache");
        var json = new com.fasterxml.jackson.databind.json.JsonMapper().readTree(ref.resolve("stories260K-f16.json").toFile());
        int[] prompt = ints(json.get("prompt")), path = ints(json.get("path"));
        float[] want = dev.moxing.data.NpyReader.read(ref.resolve("stories260K-f16.npy")).toFloatArray(); // (33, V)
        Transformer m = Llama2cCheckpoint.load(STORIES.resolve("stories260K.bin"));
        assertThat(greedyPath(m, prompt)).containsExactly(path);
        int v = m.config().vocabSize();
        assertThat(want).hasSize((path.length + 1) * v);
        float f16 = maxDiff(decodeLogits(m, KvCacheType.F16, prompt, path), want, v);
        float f32 = maxDiff(decodeLogits(m, KvCacheType.F32, prompt, path), want, v);
        System.out.printf("stories260K vs numpy reference with keys, values rounded to f16: max |logit diff| F16 cache %.3g, "
                + "F32 cache %.3g%n", f16, f32);
        assertThat(f16).isLessThan(6e-3f);
        assertThat(f32).isGreaterThan(0.015f); // the reference tells rounded from unrounded keys and values
    }

    private static float maxDiff(float[][] got, float[] want, int v) {
        float d = 0;
        for (int i = 0; i < got.length; i++) for (int j = 0; j < v; j++) d = Math.max(d, Math.abs(got[i][j] - want[i * v + j]));
        return d;
    }

    private static int[] ints(com.fasterxml.jackson.databind.JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    @Test
    void randomLlamaLogitsWithF16AndQ8_0CachesStayCloseToF32() {
        Transformer m = randomLlama();
        int[] prompt = {3, 7, 1, 12, 40, 41, 90, 5};
        int[] path = greedyPath(m, prompt);
        float[][] f32 = decodeLogits(m, KvCacheType.F32, prompt, path);
        float f16 = maxDiff(decodeLogits(m, KvCacheType.F16, prompt, path), f32);
        float q8 = maxDiff(decodeLogits(m, KvCacheType.Q8_0, prompt, path), f32);
        float range = maxAbs(f32);
        System.out.printf("random llama (max |logit| %.3g): max |logit diff| F16 %.3g, Q8_0 %.3g%n", range, f16, q8);
        assertThat(f16).isGreaterThan(0f).isLessThan(4e-3f * range);
        assertThat(q8).isGreaterThan(f16).isLessThan(0.08f * range);
    }

    @Test
    void stories260kGreedyIdsWithAnF16CacheMatchTheReference() throws Exception {
        int[] expected = Arrays.stream(Files.readString(STORIES.resolve("greedy_t0_n256_ids.txt")).trim().split("\\s+"))
                .mapToInt(Integer::parseInt).toArray(); // BOS, then 256 greedy ids from llama2.c's run.c
        Transformer m = Llama2cCheckpoint.load(STORIES.resolve("stories260K.bin"));
        int[] got = new Generator(m, KvCacheType.F16).generate(new int[] {expected[0]}, GenerateOptions.greedy(256), -1, null, null);
        assertThat(got).containsExactly(Arrays.copyOfRange(expected, 1, expected.length));
    }

    @Test
    void randomLlamaGreedyIdsWithF16AndQ8_0Caches() {
        Transformer m = randomLlama();
        int[] prompt = {3, 7, 1, 12};
        int[] f32 = new Generator(m).generate(prompt, GenerateOptions.greedy(100), -1, null, null);
        int[] f16 = new Generator(m, KvCacheType.F16).generate(prompt, GenerateOptions.greedy(100), -1, null, null);
        int[] q8 = new Generator(m, KvCacheType.Q8_0).generate(prompt, GenerateOptions.greedy(100), -1, null, null);
        System.out.printf("random llama greedy, 100 tokens: F16 agrees on the first %d, Q8_0 on the first %d%n",
                agree(f16, f32), agree(q8, f32));
        assertThat(f16).containsExactly(f32);
        // Q8_0 rounds keys and values to 1/254 of each 32-value block's largest: this sharpened
        // random model (weights × 8) amplifies that until a pick flips after 38 tokens.
        assertThat(agree(q8, f32)).isGreaterThanOrEqualTo(32);
    }

    private static int agree(int[] a, int[] b) {
        int n = 0;
        while (n < a.length && n < b.length && a[n] == b[n]) n++;
        return n;
    }

    @Test
    void f16HalvesTheCacheAndQ8_0StoresThirtyFourBytesPerThirtyTwoValues() {
        Transformer m = randomLlama();
        TransformerConfig c = m.config();
        long[] bytes = new long[3];
        for (KvCacheType type : KvCacheType.values()) {
            KvCache cache = m.newCache(type);
            try (var ignored = Tensor.noGrad()) {
                m.forward(Tensor.ofInts(new int[] {1, 2, 3}, 1, 3), cache);
            }
            // the buffers start at 64 rows (KvCacheGrowthTest) and hold the whole context once it is used
            assertThat(cache.allocatedBytes()).isEqualTo(type.bytes(c, 1) / 2);
            try (var ignored = Tensor.noGrad()) {
                m.forward(Tensor.ofInts(new int[125], 1, 125), cache);
            }
            bytes[type.ordinal()] = cache.allocatedBytes();
            assertThat(cache.allocatedBytes()).isEqualTo(type.bytes(c, 1));
        }
        // 2 (k, v) · 2 layers · 2 kv heads · 128 positions · 64 dims · 4 bytes
        assertThat(bytes[0]).isEqualTo(2L * 2 * 2 * 128 * 64 * 4);
        assertThat(bytes[1] * 2).isEqualTo(bytes[0]);
        assertThat(bytes[2] * 128).isEqualTo(bytes[0] * 34); // 3.76× smaller
    }

    @Test
    void truncateAndClearGiveWhatAFreshCacheGives() {
        Transformer m = randomLlama();
        int[] ids = {5, 9, 2, 77, 31, 8, 60, 4, 13, 21};
        for (KvCacheType type : KvCacheType.values()) {
            try (var ignored = Tensor.noGrad()) {
                KvCache fresh = m.newCache(type);
                m.forward(Tensor.ofInts(Arrays.copyOf(ids, 5), 1, 5), fresh);
                float[] expected = m.forward(Tensor.ofInts(Arrays.copyOfRange(ids, 5, 10), 1, 5), fresh).toFloatArray();

                KvCache reused = m.newCache(type);
                m.forward(Tensor.ofInts(new int[] {50, 51, 52, 53, 54, 55, 56}, 1, 7), reused);
                reused.clear();
                m.forward(Tensor.ofInts(ids, 1, 10), reused);
                reused.truncate(5);
                assertThat(reused.length()).isEqualTo(5);
                float[] got = m.forward(Tensor.ofInts(Arrays.copyOfRange(ids, 5, 10), 1, 5), reused).toFloatArray();
                assertThat(got).as(type.name()).containsExactly(expected);
            }
        }
    }

    @Test
    void q8_0RefusesAHeadDimThatIsNotAMultipleOf32() throws Exception {
        Transformer m = Llama2cCheckpoint.load(STORIES.resolve("stories260K.bin")); // width 64, 8 heads: head dim 8
        assertThatThrownBy(() -> m.newCache(KvCacheType.Q8_0))
                .hasMessageContaining("Q8_0 KV cache").hasMessageContaining("multiple of 32").hasMessageContaining("head dim is 8");
        assertThatThrownBy(() -> LanguageModel.load(STORIES.resolve("stories260K.bin"), 0, KvCacheType.Q8_0))
                .hasMessageContaining("stories260K.bin").hasMessageContaining("head dim is 8");
        assertThatThrownBy(() -> KvCacheType.parse("q4_0")).hasMessage("KV cache type must be one of f32, f16, q8_0; got 'q4_0'");
        assertThat(KvCacheType.parse("Q8_0")).isEqualTo(KvCacheType.Q8_0);
    }

    @Test
    void perplexityOfStories260kWithEachCacheType() throws Exception {
        LanguageModel lm = LanguageModel.load(STORIES.resolve("stories260K.bin"));
        String text = Files.readString(Path.of("src/test/resources/text/little-story.txt"));
        double f32 = lm.perplexity(text).perplexity();
        double f16 = lm.withKvCache(KvCacheType.F16).perplexity(text).perplexity();
        System.out.printf("stories260K perplexity: F32 cache %.6f, F16 cache %.6f (Q8_0: head dim 8 not allowed)%n", f32, f16);
        assertThat(f16).isNotEqualTo(f32).isCloseTo(f32, org.assertj.core.data.Percentage.withPercentage(0.1));
        Transformer r = randomLlama();
        int[] ids = new int[100];
        for (int i = 0; i < ids.length; i++) ids[i] = (i * 37 + 11) % 96;
        double rf32 = dev.moxing.llm.eval.Perplexity.of(r, ids, 128, 64, KvCacheType.F32).perplexity();
        double rf16 = dev.moxing.llm.eval.Perplexity.of(r, ids, 128, 64, KvCacheType.F16).perplexity();
        double rq8 = dev.moxing.llm.eval.Perplexity.of(r, ids, 128, 64, KvCacheType.Q8_0).perplexity();
        System.out.printf("random llama perplexity: F32 %.5f, F16 %.5f, Q8_0 %.5f%n", rf32, rf16, rq8);
        assertThat(rf16).isCloseTo(rf32, org.assertj.core.data.Percentage.withPercentage(0.1));
        assertThat(rq8).isCloseTo(rf32, org.assertj.core.data.Percentage.withPercentage(1));
    }
}
