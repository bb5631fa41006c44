package dev.moxing.llm.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.moxing.gguf.GgmlType;
import dev.moxing.llm.LanguageModel;
import dev.moxing.llm.generate.GenerateOptions;
import dev.moxing.llm.generate.Generator;
import dev.moxing.llm.model.Transformer;
import dev.moxing.tensor.Tensor;
import dev.moxing.tokenizer.CharTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gpt2 GGUF export against an independent numpy reader and forward
 * (tools/reference/gpt2_gguf_reference.py): the committed moxing-gpt2-tiny.gguf is what the
 * exporter writes today for a seeded tiny GPT (random biases and norms, untied head, a character
 * vocabulary with Chinese), byte for byte; the script checked its names, ggml shapes, types and
 * keys against llama.cpp's gpt2 loader, encoded the prompt with llama.cpp's BPE procedure from the
 * file's metadata, and ran llama.cpp's gpt2 graph in float64. Moxing, reading the file, must agree:
 * the same prompt ids, every logit within {@link #TOL}·(M + |logit|), the same greedy tokens.
 *
 * <p>To regenerate after a deliberate format change: run this test with
 * {@code -Dmoxing.writeFixtures=true}, then {@code tools/reference/gpt2_gguf_reference.py --write}.
 */
class Gpt2ExportReferenceTest {
    static final Path REF = Path.of("src/test/resources/reference/gguf");
    static final double TOL = 1e-5;

    @TempDir
    Path tmp;

    @Test
    void exportMatchesTheNumpyReference() throws Exception {
        CharTokenizer t = CharTokenizer.fromCorpus(TinyGpt.CORPUS);
        Transformer m = TinyGpt.model(TinyGpt.config(t.vocabSize(), true, false), 11);
        Path out = tmp.resolve("moxing-gpt2-tiny.gguf"), committed = REF.resolve("moxing-gpt2-tiny.gguf");
        GgufExport.write(Gpt2Export.of(m, t, "moxing-gpt2-tiny"), GgmlType.F32, out);
        if (Boolean.getBoolean("moxing.writeFixtures")) Files.copy(out, committed, StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.readAllBytes(out)).as("the export of the seeded model changed; see the class comment to regenerate")
                .isEqualTo(Files.readAllBytes(committed));

        JsonNode ref = new JsonMapper().readTree(REF.resolve("moxing-gpt2-tiny.json").toFile());
        assertThat(ref.get("sha256").asText()).isEqualTo(GgufReferenceTest.sha256(committed));
        LanguageModel lm = LanguageModel.load(committed);
        int[] ids = lm.tokenizer().encode(ref.get("prompt").asText());
        assertThat(ids).containsExactly(ints(ref.get("ids")));
        float[] logits;
        try (var ignored = Tensor.noGrad()) {
            logits = lm.model().forward(Tensor.ofInts(ids, 1, ids.length)).toFloatArray();
        }
        JsonNode want = ref.get("logits");
        int v = t.vocabSize();
        double scale = 0, worst = 0;
        for (JsonNode row : want) for (JsonNode x : row) scale = Math.max(scale, Math.abs(x.asDouble()));
        for (int i = 0; i < logits.length; i++) {
            double w = want.get(i / v).get(i % v).asDouble();
            worst = Math.max(worst, Math.abs(logits[i] - w) / (scale + Math.abs(w)));
        }
        System.out.printf("gpt2 export vs numpy float64: max |logit - ref| / (M + |ref|) = %.3g (numpy float32 error %s)%n",
                worst, ref.get("float32_error").asText());
        assertThat(worst).isLessThan(TOL);
        int[] greedy = new Generator(lm.model()).generate(ids, GenerateOptions.greedy(ref.get("greedy").size()), -1, null, null);
        assertThat(greedy).containsExactly(ints(ref.get("greedy")));
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }
}
