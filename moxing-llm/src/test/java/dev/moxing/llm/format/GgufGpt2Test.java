package dev.moxing.llm.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.moxing.gguf.GgmlType;
import dev.moxing.gguf.GgufFile;
import dev.moxing.gguf.GgufValue;
import dev.moxing.gguf.GgufWriter;
import dev.moxing.kernels.quant.Quantize;
import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.nn.io.SafeTensors;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * GGUF files in llama.cpp's gpt2 layout, written here from the Hugging Face gpt2-tiny fixture as
 * llama.cpp's convert_hf_to_gguf.py (GPT2Model) does: Conv1D weights transposed to (out, in),
 * c_attn kept fused as attn_qkv (rows q | k | v), the rest renamed. Their logits must equal
 * {@link HfModel}'s on the same weights (which HfModelTest checks against PyTorch). F16 and Q8_0
 * matrices stay within looser bounds (Q8_0 also rounds the activations in its dot products, as
 * llama.cpp does); the q, k, v thirds of a quantized attn_qkv are row views of the stored matrix.
 */
class GgufGpt2Test {
    static final Path HF = Path.of("src/test/resources/hf/gpt2-tiny");

    @TempDir
    Path tmp;

    /** Writes gpt2-tiny as a gpt2 GGUF with matrices of {@code type}; {@code untied}: with output.weight. */
    Path write(GgmlType type, boolean untied) throws Exception {
        Map<String, Tensor> hf = SafeTensors.read(HF.resolve("model.safetensors"));
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", GgufValue.of("gpt2"));
        w.put("general.name", GgufValue.of("gpt2-tiny"));
        w.put("gpt2.context_length", GgufValue.ofUint32(64));
        w.put("gpt2.embedding_length", GgufValue.ofUint32(32));
        w.put("gpt2.feed_forward_length", GgufValue.ofUint32(128));
        w.put("gpt2.block_count", GgufValue.ofUint32(2));
        w.put("gpt2.attention.head_count", GgufValue.ofUint32(4));
        w.put("gpt2.attention.layer_norm_epsilon", GgufValue.ofFloat32(1e-5f));
        add(w, "token_embd.weight", hf.get("wte.weight"), type, false);
        add(w, "position_embd.weight", hf.get("wpe.weight"), type, false);
        for (int i = 0; i < 2; i++) {
            String h = "h." + i + ".", b = "blk." + i + ".";
            add(w, b + "attn_norm.weight", hf.get(h + "ln_1.weight"), type, false);
            add(w, b + "attn_norm.bias", hf.get(h + "ln_1.bias"), type, false);
            add(w, b + "attn_qkv.weight", hf.get(h + "attn.c_attn.weight"), type, true);
            add(w, b + "attn_qkv.bias", hf.get(h + "attn.c_attn.bias"), type, false);
            add(w, b + "attn_output.weight", hf.get(h + "attn.c_proj.weight"), type, true);
            add(w, b + "attn_output.bias", hf.get(h + "attn.c_proj.bias"), type, false);
            add(w, b + "ffn_norm.weight", hf.get(h + "ln_2.weight"), type, false);
            add(w, b + "ffn_norm.bias", hf.get(h + "ln_2.bias"), type, false);
            add(w, b + "ffn_up.weight", hf.get(h + "mlp.c_fc.weight"), type, true);
            add(w, b + "ffn_up.bias", hf.get(h + "mlp.c_fc.bias"), type, false);
            add(w, b + "ffn_down.weight", hf.get(h + "mlp.c_proj.weight"), type, true);
            add(w, b + "ffn_down.bias", hf.get(h + "mlp.c_proj.bias"), type, false);
        }
        add(w, "output_norm.weight", hf.get("ln_f.weight"), type, false);
        add(w, "output_norm.bias", hf.get("ln_f.bias"), type, false);
        if (untied) add(w, "output.weight", hf.get("wte.weight"), type, false); // as the converter writes it
        Path out = tmp.resolve("gpt2-" + type + (untied ? "-untied" : "") + ".gguf");
        w.write(out);
        return out;
    }

    /** Vectors F32; matrices in {@code type} (transposed first when {@code conv1d}). */
    private static void add(GgufWriter w, String name, Tensor t, GgmlType type, boolean conv1d) {
        int[] shape = t.shape();
        float[] v = t.toFloatArray();
        if (conv1d) {
            v = t.t().toFloatArray();
            shape = new int[] {shape[1], shape[0]};
        }
        GgmlType tt = shape.length == 1 ? GgmlType.F32 : type;
        long n = v.length;
        MemorySegment seg = Arena.ofAuto().allocate(n / tt.dtype().blockSize() * tt.dtype().blockBytes());
        Quantize.row(tt.dtype(), v, 0, v.length, seg, 0);
        w.addTensor(name, tt, shape, seg);
    }

    @ParameterizedTest
    @CsvSource({"F32, false, 2e-6", "F32, true, 2e-6", "F16, false, 5e-3", "Q8_0, false, 0.15"})
    void logitsEqualHuggingFaces(GgmlType type, boolean untied, double tolerance) throws Exception {
        GgufFile f = GgufFile.open(write(type, untied));
        assertThat(ModelFiles.kind(f.path())).isEqualTo(ModelFiles.Kind.GGUF);
        Transformer gguf = GgufModel.load(f, 0), hf = HfModel.load(HF, 0);
        TransformerConfig c = gguf.config();
        assertThat(c.positions()).isEqualTo(TransformerConfig.Positions.LEARNED);
        assertThat(c.norm()).isEqualTo(TransformerConfig.Norm.LAYER_NORM);
        assertThat(c.mlp()).isEqualTo(TransformerConfig.Mlp.GELU);
        assertThat(c.tiedHead()).isEqualTo(!untied);
        assertThat(c.hidden()).isEqualTo(128);
        // the q, k, v thirds of the fused matrix stay stored in the file's type (row views, not copies)
        assertThat(gguf.stateDict().get("block0.attn.k.weight").dtype()).isEqualTo(type.dtype());
        JsonNode expected = new JsonMapper().readTree(HF.resolve("expected.json").toFile());
        JsonNode ids = expected.get("input_ids");
        int b = ids.size(), t = ids.get(0).size();
        int[] flat = new int[b * t];
        for (int i = 0; i < b; i++) for (int j = 0; j < t; j++) flat[i * t + j] = ids.get(i).get(j).asInt();
        gguf.eval();
        hf.eval();
        float[] got, want;
        try (var ignored = Tensor.noGrad()) {
            got = gguf.forward(Tensor.ofInts(flat, b, t)).toFloatArray();
            want = hf.forward(Tensor.ofInts(flat, b, t)).toFloatArray();
        }
        double maxHf = 0, maxTorch = 0;
        JsonNode logits = expected.get("logits");
        int v = 64;
        for (int i = 0; i < got.length; i++) {
            maxHf = Math.max(maxHf, Math.abs(got[i] - want[i]));
            maxTorch = Math.max(maxTorch, Math.abs(got[i] - logits.get(i / (t * v)).get(i / v % t).get(i % v).asDouble()));
        }
        System.out.printf("gpt2 GGUF %s%s: max |logit - HfModel| %.3g, max |logit - torch| %.3g%n",
                type, untied ? " (output.weight)" : "", maxHf, maxTorch);
        assertThat(maxHf).as("max |logit - HfModel|").isLessThan(tolerance);
        assertThat(maxTorch).as("max |logit - torch|").isLessThan(Math.max(tolerance, 1e-4));
        if (type == GgmlType.F32) {
            // generation through the KV cache gives PyTorch's greedy tokens
            int[] prompt = new int[expected.get("greedy_prompt").size()];
            for (int i = 0; i < prompt.length; i++) prompt[i] = expected.get("greedy_prompt").get(i).asInt();
            int[] greedy = new dev.moxing.llm.generate.Generator(gguf).generate(prompt,
                    dev.moxing.llm.generate.GenerateOptions.greedy(10), -1, null, null);
            int[] wantGreedy = new int[expected.get("greedy").size()];
            for (int i = 0; i < wantGreedy.length; i++) wantGreedy[i] = expected.get("greedy").get(i).asInt();
            assertThat(greedy).containsExactly(wantGreedy);
        }
    }

    @Test
    void shorterContextKeepsTheFirstPositionsAndLongerIsRefused() throws Exception {
        GgufFile f = GgufFile.open(write(GgmlType.F32, false));
        Transformer full = GgufModel.load(f, 0), short16 = GgufModel.load(f, 16);
        assertThat(short16.config().contextLength()).isEqualTo(16);
        full.eval();
        short16.eval();
        int[] ids = {1, 5, 9, 13, 17, 21, 25, 29};
        float[] a, c;
        try (var ignored = Tensor.noGrad()) {
            a = full.forward(Tensor.ofInts(ids, 1, ids.length)).toFloatArray();
            c = short16.forward(Tensor.ofInts(ids, 1, ids.length)).toFloatArray();
        }
        assertThat(c).containsExactly(a);
        assertThatThrownBy(() -> GgufModel.load(f, 128)).hasMessageContaining("gpt2.context_length").hasMessageContaining("128");
    }
}
