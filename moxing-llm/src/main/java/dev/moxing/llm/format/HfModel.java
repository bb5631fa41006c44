package dev.moxing.llm.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.nn.io.SafeTensors;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face model directory — {@code config.json} and {@code model.safetensors} (or shards
 * listed in {@code model.safetensors.index.json}) — as the shared {@link Transformer}. Supported
 * {@code model_type}s: llama, mistral (Llama layout), qwen2 (q/k/v biases) and gpt2 (Conv1D
 * weights stored transposed, fused c_attn); {@code rope_scaling} of type llama3 (Llama 3.1/3.2)
 * or linear becomes {@link Transformer#FREQ_FACTORS}. Hugging Face rotates dim halves ("rotate_half"),
 * unlike GGUF's Llama files. F32 weights are copied to the heap (trainable); F16/BF16 ones stay
 * memory-mapped.
 */
public final class HfModel {
    private static final JsonMapper JSON = new JsonMapper();
    private static final Set<String> LLAMA_LIKE = Set.of("llama", "mistral", "qwen2");

    private HfModel() {
    }

    /** Whether {@code dir} looks like a Hugging Face model directory. */
    public static boolean isHfDirectory(Path dir) {
        return Files.isRegularFile(dir.resolve("config.json")) && (Files.isRegularFile(dir.resolve("model.safetensors"))
                || Files.isRegularFile(dir.resolve("model.safetensors.index.json")));
    }

    public static TransformerConfig config(Path dir, int context) throws IOException {
        Path file = dir.resolve("config.json");
        JsonNode c = readJson(file);
        String type = c.path("model_type").asText("");
        try {
            if (LLAMA_LIKE.contains(type)) {
                int width = positive(file, c, "hidden_size"), heads = positive(file, c, "num_attention_heads");
                ropeFactors(file, c, width / heads); // refuses rope_scaling types other than llama3 and linear
                if (c.has("head_dim") && c.get("head_dim").asInt() != width / heads) {
                    throw new IOException(file + ": head_dim " + c.get("head_dim") + " differs from hidden_size / num_attention_heads");
                }
                int ctx = context > 0 ? context : positive(file, c, "max_position_embeddings");
                boolean qkvBias = type.equals("qwen2") || c.path("attention_bias").asBoolean(false);
                return TransformerConfig.llama(positive(file, c, "vocab_size"), ctx, positive(file, c, "num_hidden_layers"), heads,
                                c.has("num_key_value_heads") ? positive(file, c, "num_key_value_heads") : heads, width,
                                positive(file, c, "intermediate_size"), (float) c.path("rms_norm_eps").asDouble(1e-6),
                                (float) c.path("rope_theta").asDouble(10000), c.path("tie_word_embeddings").asBoolean(false))
                        .withAttention(qkvBias, TransformerConfig.RotaryPairs.HALVES);
            }
            if (type.equals("gpt2")) {
                int width = positive(file, c, "n_embd");
                if (c.hasNonNull("n_inner") && c.get("n_inner").asInt() != 4 * width) {
                    throw new IOException(file + ": n_inner " + c.get("n_inner") + " (only 4 × n_embd is supported)");
                }
                String act = c.path("activation_function").asText("gelu_new");
                if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh")) {
                    throw new IOException(file + ": activation_function '" + act + "' is not supported (gelu_new)");
                }
                int ctx = context > 0 ? context : positive(file, c, "n_positions");
                return TransformerConfig.gpt(positive(file, c, "vocab_size"), ctx, positive(file, c, "n_layer"),
                        positive(file, c, "n_head"), width, 0f, true);
            }
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        throw new IOException(file + ": model_type '" + type + "' is not supported (supported: gpt2, llama, mistral, qwen2)");
    }

    public static Transformer load(Path dir, int context) throws IOException {
        TransformerConfig c = config(dir, context);
        Map<String, Tensor> raw = readWeights(dir);
        Map<String, Tensor> w = c.positions() == TransformerConfig.Positions.LEARNED ? gpt2Names(c, raw) : llamaNames(c, raw);
        if (c.positions() == TransformerConfig.Positions.ROTARY) {
            float[] factors = ropeFactors(dir.resolve("config.json"), readJson(dir.resolve("config.json")), c.headDim());
            if (factors != null) w.put(Transformer.FREQ_FACTORS, Tensor.fromArray(factors, factors.length));
        }
        Transformer model;
        try {
            model = new Transformer(c, w);
        } catch (IllegalArgumentException e) {
            throw new IOException(dir + ": " + e.getMessage(), e);
        }
        // F16 matrices onto the heap in the background, as for GGUF files (F32 ones are already there).
        WeightPlacement.moveToHeap(model, w);
        return model;
    }

    /**
     * The rotary frequency divisors that config.json's {@code rope_scaling} asks for (D/2 floats),
     * or null without scaling. "llama3" (Llama 3.1/3.2) follows transformers'
     * {@code _compute_llama3_parameters} and llama.cpp's convert_hf_to_gguf.py (which writes the
     * same numbers as {@code rope_freqs.weight}): wavelengths under original/high_freq_factor keep
     * their frequency, those over original/low_freq_factor are divided by factor, and the ones
     * between interpolate with smooth = (original/wavelen − low)/(high − low). "linear" divides
     * positions, that is every frequency, by factor. Other types are refused.
     */
    static float[] ropeFactors(Path file, JsonNode c, int headDim) throws IOException {
        JsonNode sc = c.path("rope_scaling");
        if (sc.isMissingNode() || sc.isNull()) return null;
        if (!sc.isObject()) throw new IOException(file + ": rope_scaling " + sc + " is not an object");
        String type = sc.hasNonNull("rope_type") ? sc.get("rope_type").asText() : sc.path("type").asText("");
        if (type.equals("default")) return null;
        double factor = scalingNumber(file, sc, "factor");
        if (!(factor >= 1)) throw new IOException(file + ": rope_scaling factor " + factor + " (expected ≥ 1)");
        float theta = (float) c.path("rope_theta").asDouble(10000);
        int half = headDim / 2;
        float[] f = new float[half];
        switch (type) {
            case "linear" -> java.util.Arrays.fill(f, (float) factor);
            case "llama3" -> {
                double low = scalingNumber(file, sc, "low_freq_factor"), high = scalingNumber(file, sc, "high_freq_factor");
                double original = scalingNumber(file, sc, "original_max_position_embeddings");
                if (!(high > low)) throw new IOException(file + ": rope_scaling high_freq_factor " + high + " must exceed low_freq_factor " + low);
                for (int i = 0; i < half; i++) {
                    double invFreq = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim)); // float, as Rotary and HF compute it
                    double wavelen = 2 * Math.PI / invFreq;
                    if (wavelen < original / high) f[i] = 1f;
                    else if (wavelen > original / low) f[i] = (float) factor;
                    else {
                        double smooth = (original / wavelen - low) / (high - low);
                        f[i] = (float) (1 / ((1 - smooth) / factor + smooth));
                    }
                }
            }
            default -> throw new IOException(file + ": rope_scaling type '" + type + "' is not supported (supported: llama3, linear)");
        }
        return f;
    }

    private static double scalingNumber(Path file, JsonNode sc, String key) throws IOException {
        JsonNode v = sc.get(key);
        if (v == null || !v.isNumber() || !(v.asDouble() > 0)) {
            throw new IOException(file + ": rope_scaling \"" + key + "\" = " + v + " (expected a positive number)");
        }
        return v.asDouble();
    }

    private static Map<String, Tensor> llamaNames(TransformerConfig c, Map<String, Tensor> raw) {
        Map<String, Tensor> w = new LinkedHashMap<>();
        for (var e : raw.entrySet()) {
            String n = e.getKey();
            if (n.endsWith("rotary_emb.inv_freq")) continue; // a buffer older checkpoints saved
            if (c.tiedHead() && n.equals("lm_head.weight")) continue;
            String m = n.replace("model.embed_tokens.", "tokens.").replace("model.norm.", "norm.").replace("lm_head.", "head.")
                    .replaceFirst("^model\\.layers\\.(\\d+)\\.", "block$1.")
                    .replace(".input_layernorm.", ".norm1.").replace(".post_attention_layernorm.", ".norm2.")
                    .replaceFirst("\\.self_attn\\.([qkvo])_proj\\.", ".attn.$1.")
                    .replaceFirst("\\.mlp\\.(gate|up|down)_proj\\.", ".mlp.$1.");
            w.put(m, heapIfF32(e.getValue()));
        }
        return w;
    }

    private static Map<String, Tensor> gpt2Names(TransformerConfig c, Map<String, Tensor> raw) {
        Map<String, Tensor> w = new LinkedHashMap<>();
        int width = c.width();
        for (var e : raw.entrySet()) {
            String n = e.getKey().startsWith("transformer.") ? e.getKey().substring("transformer.".length()) : e.getKey();
            if (n.endsWith(".attn.bias") || n.endsWith(".attn.masked_bias") || n.equals("lm_head.weight")) continue; // mask buffers; tied head
            Tensor t = e.getValue();
            // Conv1D stores (in, out): transpose to Linear's (out, in).
            boolean conv = n.endsWith(".weight") && (n.contains(".c_attn.") || n.contains(".c_proj.") || n.contains(".c_fc."));
            if (conv) t = Tensor.fromArray(t.t().toFloatArray(), t.size(1), t.size(0));
            else t = heapIfF32(t);
            String m = n.replace("wte.", "tokens.").replace("wpe.", "positions.").replace("ln_f.", "norm.")
                    .replaceFirst("^h\\.(\\d+)\\.", "block$1.")
                    .replace(".ln_1.", ".norm1.").replace(".ln_2.", ".norm2.")
                    .replace(".attn.c_proj.", ".attn.o.").replace(".mlp.c_fc.", ".mlp.up.").replace(".mlp.c_proj.", ".mlp.down.");
            if (m.contains(".attn.c_attn.")) { // fused (3C, C) rows or (3C) bias: q, k, v in that order
                String[] parts = {"q", "k", "v"};
                for (int i = 0; i < 3; i++) {
                    Tensor part = t.narrow(0, i * width, width);
                    w.put(m.replace(".c_attn.", "." + parts[i] + "."), Tensor.fromArray(part.toFloatArray(), part.shape()));
                }
            } else {
                w.put(m, t);
            }
        }
        return w;
    }

    private static Tensor heapIfF32(Tensor t) {
        return t.dtype() == DType.F32 ? Tensor.fromArray(t.toFloatArray(), t.shape()) : t;
    }

    /** All tensors of model.safetensors, or of every shard named by model.safetensors.index.json. */
    static Map<String, Tensor> readWeights(Path dir) throws IOException {
        Path single = dir.resolve("model.safetensors");
        if (Files.isRegularFile(single)) return SafeTensors.read(single);
        Path indexFile = dir.resolve("model.safetensors.index.json");
        if (!Files.isRegularFile(indexFile)) throw new NoSuchFileException(dir + ": neither model.safetensors nor model.safetensors.index.json");
        JsonNode map = readJson(indexFile).path("weight_map");
        if (!map.isObject()) throw new IOException(indexFile + ": no \"weight_map\" object");
        Set<String> shards = new LinkedHashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            var e = it.next();
            String shard = e.getValue().asText("");
            if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.startsWith(".")) {
                throw new IOException(indexFile + ": weight_map[\"" + e.getKey() + "\"] = " + e.getValue() + " is not a file name in the directory");
            }
            shards.add(shard);
        }
        Map<String, Tensor> all = new LinkedHashMap<>();
        for (String shard : shards) {
            for (var e : SafeTensors.read(dir.resolve(shard)).entrySet()) {
                String where = map.path(e.getKey()).asText(null);
                if (!shard.equals(where)) {
                    throw new IOException(dir.resolve(shard) + ": tensor '" + e.getKey() + "' is not listed for this shard in " + indexFile.getFileName());
                }
                all.put(e.getKey(), e.getValue());
            }
        }
        for (Iterator<String> it = map.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!all.containsKey(name)) throw new IOException(indexFile + ": tensor '" + name + "' is not in its shard " + map.get(name));
        }
        return all;
    }

    private static JsonNode readJson(Path file) throws IOException {
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) throw new IOException(file + ": not a JSON object");
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static int positive(Path file, JsonNode c, String key) throws IOException {
        JsonNode v = c.get(key);
        if (v == null || !v.canConvertToInt() || v.asInt() <= 0 || v.asInt() > (1 << 24)) {
            throw new IOException(file + ": \"" + key + "\" = " + v + " (expected a positive integer)");
        }
        return v.asInt();
    }
}
