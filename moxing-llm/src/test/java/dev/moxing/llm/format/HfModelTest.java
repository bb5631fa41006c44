package dev.moxing.llm.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.moxing.llm.generate.Generator;
import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tiny random models in Hugging Face layout (tools/reference/make_hf_fixtures.py) against logits
 * from an independent PyTorch forward written to match transformers' modeling code.
 */
class HfModelTest {
    static final Path HF = Path.of("src/test/resources/hf");

    @ParameterizedTest
    @CsvSource({"llama-tiny, llama-tiny", "llama-tiny-sharded, llama-tiny", "qwen2-tiny, qwen2-tiny", "gpt2-tiny, gpt2-tiny",
            "llama3-tiny, llama3-tiny"})
    void logitsAndGreedyMatchPyTorch(String dir, String expectedDir) throws Exception {
        JsonNode expected = new JsonMapper().readTree(HF.resolve(expectedDir).resolve("expected.json").toFile());
        assertThat(ModelFiles.kind(HF.resolve(dir))).isEqualTo(ModelFiles.Kind.HUGGING_FACE);
        Transformer model = HfModel.load(HF.resolve(dir), 0);
        model.eval();
        JsonNode ids = expected.get("input_ids");
        int b = ids.size(), t = ids.get(0).size();
        int[] flat = new int[b * t];
        for (int i = 0; i < b; i++) for (int j = 0; j < t; j++) flat[i * t + j] = ids.get(i).get(j).asInt();
        float[] logits;
        try (var ignored = Tensor.noGrad()) {
            logits = model.forward(Tensor.ofInts(flat, b, t)).toFloatArray(); // (B, T, V)
        }
        JsonNode want = expected.get("logits");
        int v = want.get(0).get(0).size();
        double maxErr = 0;
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                for (int k = 0; k < v; k++) {
                    maxErr = Math.max(maxErr, Math.abs(logits[(i * t + j) * v + k] - want.get(i).get(j).get(k).asDouble()));
                }
            }
        }
        assertThat(maxErr).as("max |logit - torch|").isLessThan(1e-4);
        int[] prompt = new int[expected.get("greedy_prompt").size()];
        for (int i = 0; i < prompt.length; i++) prompt[i] = expected.get("greedy_prompt").get(i).asInt();
        int[] greedy = new Generator(model).generate(prompt, dev.moxing.llm.generate.GenerateOptions.greedy(10), -1, null, null);
        int[] wantGreedy = new int[expected.get("greedy").size()];
        for (int i = 0; i < wantGreedy.length; i++) wantGreedy[i] = expected.get("greedy").get(i).asInt();
        assertThat(greedy).containsExactly(wantGreedy);
    }

    @Test
    void qwen2HasBiasesAndTiedHead() throws Exception {
        TransformerConfig c = HfModel.config(HF.resolve("qwen2-tiny"), 0);
        assertThat(c.qkvBias()).isTrue();
        assertThat(c.tiedHead()).isTrue();
        assertThat(c.rotaryPairs()).isEqualTo(TransformerConfig.RotaryPairs.HALVES);
        assertThat(c.ropeTheta()).isEqualTo(1_000_000f);
    }

    /** Llama 3.1's "llama3" rope_scaling: divisors per pair, all three bands in the fixture, and they matter. */
    @Test
    void llama3RopeScaling(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Transformer scaled = HfModel.load(HF.resolve("llama3-tiny"), 0);
        float[] f = scaled.freqFactors();
        assertThat(f).hasSize(4);
        assertThat(f[0]).isEqualTo(1f);
        assertThat(f[1]).isBetween(3.3f, 3.32f); // smooth = (32/62.83 − 0.25)/3.75, 1/((1 − s)/4 + s)
        assertThat(f[2]).isEqualTo(4f);
        assertThat(f[3]).isEqualTo(4f);
        assertThat(HfModel.load(HF.resolve("llama-tiny"), 0).freqFactors()).isNull();
        // the same weights without the scaling give other logits (positions 0..23)
        Path dir = tmp.resolve("m");
        Files.createDirectories(dir);
        Files.copy(HF.resolve("llama3-tiny/model.safetensors"), dir.resolve("model.safetensors"));
        String config = Files.readString(HF.resolve("llama3-tiny/config.json"));
        Files.writeString(dir.resolve("config.json"), config.replaceFirst("(?s)\"rope_scaling\": \\{.*?\\}", "\"rope_scaling\": null"));
        Transformer plain = HfModel.load(dir, 0);
        assertThatThrownBy(() -> GgufConvertTest.assertSameLogits(scaled, plain, 64)).isInstanceOf(AssertionError.class);
        // the older key "type", and linear scaling (every frequency divided by factor)
        Files.writeString(dir.resolve("config.json"), config.replace("\"rope_type\"", "\"type\""));
        assertThat(HfModel.load(dir, 0).freqFactors()).containsExactly(f);
        Files.writeString(dir.resolve("config.json"), config.replace("\"llama3\"", "\"linear\""));
        assertThat(HfModel.load(dir, 0).freqFactors()).containsExactly(4f, 4f, 4f, 4f);
        Files.writeString(dir.resolve("config.json"), config.replace("\"llama3\"", "\"yarn\""));
        assertThatThrownBy(() -> HfModel.load(dir, 0)).hasMessageContaining("config.json").hasMessageContaining("'yarn'")
                .hasMessageContaining("not supported");
        Files.writeString(dir.resolve("config.json"), config.replace("\"factor\": 4.0", "\"factor\": \"x\""));
        assertThatThrownBy(() -> HfModel.load(dir, 0)).hasMessageContaining("config.json").hasMessageContaining("factor");
    }

    @Test
    void badConfigsNameTheFileAndKey(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("m");
        Files.createDirectories(dir);
        Files.copy(HF.resolve("llama-tiny/model.safetensors"), dir.resolve("model.safetensors"));
        String config = Files.readString(HF.resolve("llama-tiny/config.json"));
        Files.writeString(dir.resolve("config.json"), config.replace("\"hidden_size\": 32", "\"hidden_size\": -3"));
        assertThatThrownBy(() -> HfModel.load(dir, 0)).hasMessageContaining("config.json").hasMessageContaining("hidden_size");
        Files.writeString(dir.resolve("config.json"), config.replace("\"llama\"", "\"mamba\""));
        assertThatThrownBy(() -> HfModel.load(dir, 0)).hasMessageContaining("model_type 'mamba'");
        Files.writeString(dir.resolve("config.json"), config.replace("\"intermediate_size\": 48", "\"intermediate_size\": 40"));
        assertThatThrownBy(() -> HfModel.load(dir, 0)).hasMessageContaining("mlp").hasMessageContaining("shape");
        Files.writeString(dir.resolve("config.json"), "{not json");
        assertThatThrownBy(() -> HfModel.load(dir, 0)).hasMessageContaining("not valid JSON");
    }
}
