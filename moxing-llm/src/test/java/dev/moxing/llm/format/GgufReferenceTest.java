package dev.moxing.llm.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.moxing.data.NpyReader;
import dev.moxing.gguf.GgufFile;
import dev.moxing.gguf.GgufTensorInfo;
import dev.moxing.gguf.GgufWriter;
import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * GGUF Llama models against an independent numpy reference (tools/reference/gguf_reference.py:
 * its own GGUF reader, ggml's dequantizers, llama.cpp's forward for LLAMA_ROPE_TYPE_NORM, all in
 * float64 on the dequantized weights). The fixtures under reference/gguf/ hold, for an 8-token
 * prompt, the logits of every position (vocab 512) or of the last one (vocab 32000), plus for every
 * position the top-20 ids and logits, the top-1/top-2 margin and the sum, sum of squares and sum
 * of |logit|. Moxing runs in float32 and reads the same quantized bytes, so the only difference is
 * float32 rounding: every logit must be within {@link #TOL}·(M + |logit|), M the largest |logit|
 * of the model's reference (float32 error grows with the size of the activations). The script
 * asserts that this tolerance is over 10× numpy's own float32 forward error and under 1/10 of what
 * pairing RoPE lanes (i, i + D/2) instead of (2i, 2i + 1) does, on every model.
 *
 * <p>The stories15M files are not in the repository (../shared/data/random-llama; skipped when absent).
 */
class GgufReferenceTest {
    static final Path REF = Path.of("src/test/resources/reference/gguf");
    /** Per-logit tolerance, relative to M + |logit|: float32 accumulation against a float64 reference. */
    static final double TOL = 1e-5;
    /** Below this top-1/top-2 margin, the reference's runner-up is also accepted as top-1. */
    static final double TIE_MARGIN = 1e-4;

    static Path modelFile(String file) {
        if (file.startsWith("moxing-llm/")) return Path.of(file.substring("moxing-llm/".length()));
        String prefix = "../shared/data/";
        assertThat(file).startsWith(prefix);
        String rel = file.substring(prefix.length());
        Path p = Path.of("..", "..", "shared", "data", rel);
        if (!Files.exists(p)) p = Path.of("..", "shared", "data", rel);
        assumeTrue(Files.exists(p), file + " is absent");
        return p;
    }

    static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static float[] logits(Transformer model, int[] ids) {
        model.eval();
        try (var ignored = Tensor.noGrad()) {
            return model.forward(Tensor.ofInts(ids, 1, ids.length)).toFloatArray(); // (1, T, V)
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "llama-2-tiny-random", "stories15M-Q8_0", "stories15M-Q4_0"})
    void logitsMatchNumpyReference(String name) throws Exception {
        JsonNode ref = new JsonMapper().readTree(REF.resolve(name + ".json").toFile());
        Path file = modelFile(ref.get("file").asText());
        assertThat(sha256(file)).as("sha256 of " + file).isEqualTo(ref.get("sha256").asText());
        Transformer model = GgufModel.load(GgufFile.open(file), 0);
        checkConfig(model.config(), ref.get("config"));
        check(name, model, ref);
    }

    /**
     * stories260K.gguf stores output.weight equal to token_embd.weight (the script asserts it bit for
     * bit), so without output.weight the tied head must give the same logits.
     */
    @Test
    void tiedHeadMatchesTheSameReference(@TempDir Path tmp) throws Exception {
        JsonNode ref = new JsonMapper().readTree(REF.resolve("stories260K.json").toFile());
        GgufFile f = GgufFile.open(modelFile(ref.get("file").asText()));
        GgufWriter w = new GgufWriter();
        f.metadata().forEach(w::put);
        for (GgufTensorInfo t : f.tensors().values()) {
            if (!t.name().equals("output.weight")) w.addTensor(t.name(), t.type(), t.shape(), f.data(t));
        }
        Path tied = tmp.resolve("tied.gguf");
        w.write(tied);
        Transformer model = GgufModel.load(GgufFile.open(tied), 0);
        assertThat(model.config().tiedHead()).isTrue();
        check("stories260K (tied head)", model, ref);
    }

    static void checkConfig(TransformerConfig c, JsonNode want) {
        assertThat(c.vocabSize()).isEqualTo(want.get("vocab").asInt());
        assertThat(c.width()).isEqualTo(want.get("width").asInt());
        assertThat(c.layers()).isEqualTo(want.get("layers").asInt());
        assertThat(c.heads()).isEqualTo(want.get("heads").asInt());
        assertThat(c.kvHeads()).isEqualTo(want.get("kv_heads").asInt());
        assertThat(c.hidden()).isEqualTo(want.get("hidden").asInt());
        assertThat(c.normEps()).isEqualTo((float) want.get("eps").asDouble());
        assertThat(c.ropeTheta()).isEqualTo((float) want.get("freq_base").asDouble());
        assertThat(c.tiedHead()).isEqualTo(want.get("tied").asBoolean());
        assertThat(c.rotaryPairs()).isEqualTo(TransformerConfig.RotaryPairs.ADJACENT);
    }

    static void check(String name, Transformer model, JsonNode ref) throws Exception {
        int[] ids = ints(ref.get("ids"));
        int t = ids.length;
        float[] got = logits(model, ids);
        int v = got.length / t;
        assertThat(v).isEqualTo(ref.get("config").get("vocab").asInt());
        float[] npy = NpyReader.read(REF.resolve(name.split(" ")[0] + ".npy")).toFloatArray();
        boolean full = ref.get("full").asBoolean();
        double m = ref.get("max_abs").asDouble();
        assertThat(npy).hasSize(full ? t * v : v);

        // every stored logit: all positions (full) or the last one
        double maxErr = 0, maxRel = 0;
        int worst = -1;
        for (int i = 0; i < npy.length; i++) {
            int at = full ? i : (t - 1) * v + i;
            double e = Math.abs(got[at] - (double) npy[i]), rel = e / (m + Math.abs(npy[i]));
            maxErr = Math.max(maxErr, e);
            if (rel > maxRel) {
                maxRel = rel;
                worst = at;
            }
        }
        // every position: the top-20 logits, the checksums and the top-1 id
        double maxTopErr = 0, maxSumErr = 0, maxSumSqErr = 0, minMargin = Double.MAX_VALUE;
        for (int p = 0; p < t; p++) {
            JsonNode topIds = ref.get("top_ids").get(p), topLogits = ref.get("top_logits").get(p);
            for (int k = 0; k < topIds.size(); k++) {
                int at = p * v + topIds.get(k).asInt();
                double want = topLogits.get(k).asDouble(), e = Math.abs(got[at] - want);
                maxTopErr = Math.max(maxTopErr, e);
                if (e / (m + Math.abs(want)) > maxRel) {
                    maxRel = e / (m + Math.abs(want));
                    worst = at;
                }
            }
            double sum = 0, sumSq = 0;
            int top1 = 0;
            for (int k = 0; k < v; k++) {
                float x = got[p * v + k];
                sum += x;
                sumSq += (double) x * x;
                if (x > got[p * v + top1]) top1 = k;
            }
            // bounds implied by |e| <= TOL (M + |x|) <= 2 TOL M for each logit
            double sumAbs = ref.get("sumabs").get(p).asDouble(), wantSumSq = ref.get("sumsq").get(p).asDouble();
            double sumErr = Math.abs(sum - ref.get("sum").get(p).asDouble()), sumSqErr = Math.abs(sumSq - wantSumSq);
            assertThat(sumErr).as("%s position %d: |sum - reference|", name, p).isLessThanOrEqualTo(TOL * (v * m + sumAbs));
            assertThat(sumSqErr).as("%s position %d: |sum of squares - reference|", name, p)
                    .isLessThanOrEqualTo(2 * TOL * (m * sumAbs + wantSumSq) + v * 4 * TOL * TOL * m * m);
            maxSumErr = Math.max(maxSumErr, sumErr);
            maxSumSqErr = Math.max(maxSumSqErr, sumSqErr);
            double margin = ref.get("margin").get(p).asDouble();
            minMargin = Math.min(minMargin, margin);
            if (margin >= TIE_MARGIN) {
                assertThat(top1).as("%s position %d: top-1 id (reference margin %.3g)", name, p, margin).isEqualTo(topIds.get(0).asInt());
            } else {
                assertThat(top1).as("%s position %d: top-1 id (reference margin %.3g: a near tie)", name, p, margin)
                        .isIn(topIds.get(0).asInt(), topIds.get(1).asInt());
            }
        }
        System.out.printf("GgufReferenceTest %-24s max|err| %.3g (stored logits), %.3g (top-20), max err/(M+|x|) %.3g at position %d id %d"
                        + " (numpy float32 %.3g, halves RoPE %.3g); max|sum err| %.3g, max|sumsq err| %.3g; min top-1 margin %.3g%n",
                name, maxErr, maxTopErr, maxRel, worst / v, worst % v, ref.get("f32_err").asDouble(),
                ref.get("halves_rope_err").asDouble(), maxSumErr, maxSumSqErr, minMargin);
        assertThat(maxRel).as("%s: max |logit - reference| / (M + |reference|), worst at position %d id %d",
                name, worst / v, worst % v).isLessThanOrEqualTo(TOL);
    }

    static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }
}
