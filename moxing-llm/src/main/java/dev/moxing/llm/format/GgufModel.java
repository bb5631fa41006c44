package dev.moxing.llm.format;

import dev.moxing.gguf.GgufFile;
import dev.moxing.gguf.GgufFormatException;
import dev.moxing.gguf.GgufTensorInfo;
import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Tensor;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Builds the shared {@link Transformer} from a GGUF file of the Llama family (llama: Llama 2/3,
 * TinyLlama, SmolLM, Mistral), Qwen2 or GPT-2 (llama.cpp's gpt2 layout: learned positions,
 * LayerNorm, fused q|k|v rows, GELU MLP, linear biases — which llama.cpp requires, read as absent when
 * a file has none —, output.weight or a tied head): the hyper-parameters come from the {@code <arch>.*}
 * metadata and the tensors are renamed to Moxing's state-dict names. Weight matrices of every
 * type stay in the memory mapping and run through the quantized kernels (a model is ready as
 * soon as the header is read; the OS pages weights in on first use); they are frozen, so
 * fine-tuning a GGUF model trains adapters on top of them.
 */
public final class GgufModel {
    private static final Set<String> ARCHITECTURES = Set.of("llama", "qwen2", "gpt2");

    private GgufModel() {
    }

    /**
     * The model's shape from the metadata. {@code context} > 0 replaces the trained context length
     * (as llama.cpp's n_ctx does: shorter saves cache memory, longer runs past the trained length
     * at the model's own risk — stories260K.gguf says 128 but its reference sample is 256 tokens).
     */
    public static TransformerConfig config(GgufFile f, int context) throws GgufFormatException {
        String arch = f.string("general.architecture");
        if (!ARCHITECTURES.contains(arch)) {
            throw new GgufFormatException(f.path(), "general.architecture '" + arch + "' is not supported (supported: "
                    + String.join(", ", ARCHITECTURES.stream().sorted().toList()) + ")");
        }
        if (arch.equals("gpt2")) return gpt2Config(f, context);
        int width = positive(f, arch + ".embedding_length");
        int layers = positive(f, arch + ".block_count");
        int heads = positive(f, arch + ".attention.head_count");
        int kvHeads = f.has(arch + ".attention.head_count_kv") ? positive(f, arch + ".attention.head_count_kv") : heads;
        int hidden = positive(f, arch + ".feed_forward_length");
        if (context <= 0) context = positive(f, arch + ".context_length");
        float eps = f.real(arch + ".attention.layer_norm_rms_epsilon", 1e-5f);
        float theta = f.real(arch + ".rope.freq_base", 10000f);
        GgufTensorInfo emb = tensorInfo(f, "token_embd.weight");
        int vocab = emb.shape()[0];
        if (width % heads != 0 || heads % kvHeads != 0) {
            throw new GgufFormatException(f.path(), arch + ": embedding_length " + width + ", head_count " + heads
                    + " and head_count_kv " + kvHeads + " do not divide evenly");
        }
        int ropeDims = f.integer(arch + ".rope.dimension_count", width / heads);
        if (ropeDims != width / heads) {
            throw new GgufFormatException(f.path(), arch + ".rope.dimension_count " + ropeDims
                    + " (partial rotary) is not supported; head dim is " + width / heads);
        }
        boolean tied = !f.hasTensor("output.weight");
        boolean qwen = arch.equals("qwen2");
        try {
            return TransformerConfig.llama(vocab, context, layers, heads, kvHeads, width, hidden, eps, theta, tied)
                    // llama.cpp's converter permutes Llama q/k rows for adjacent-pair rotation; Qwen2 keeps halves.
                    .withAttention(qwen, qwen ? TransformerConfig.RotaryPairs.HALVES : TransformerConfig.RotaryPairs.ADJACENT);
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(f.path(), e.getMessage());
        }
    }

    /** llama.cpp's LLM_ARCH_GPT2 hyper-parameters (convert_hf_to_gguf.py's GPT2Model writes them). */
    private static TransformerConfig gpt2Config(GgufFile f, int context) throws GgufFormatException {
        String a = "gpt2";
        int width = positive(f, a + ".embedding_length"), heads = positive(f, a + ".attention.head_count");
        int trained = positive(f, a + ".context_length");
        if (context <= 0) context = trained;
        if (context > trained) {
            throw new GgufFormatException(f.path(), "gpt2 has learned positions for " + trained + " tokens (gpt2.context_length); "
                    + "a context of " + context + " cannot be used");
        }
        if (f.has(a + ".attention.head_count_kv") && f.integer(a + ".attention.head_count_kv") != heads) {
            throw new GgufFormatException(f.path(), "gpt2.attention.head_count_kv " + f.integer(a + ".attention.head_count_kv")
                    + " differs from head_count " + heads);
        }
        int vocab = tensorInfo(f, "token_embd.weight").shape()[0];
        // llama.cpp requires the linear biases; a file without them (another writer's bias-free model) is read as one.
        boolean bias = f.hasTensor("blk.0.attn_qkv.bias");
        try {
            return new TransformerConfig(vocab, context, positive(f, a + ".block_count"), heads, heads, width,
                    positive(f, a + ".feed_forward_length"), 0f, bias, TransformerConfig.Norm.LAYER_NORM,
                    TransformerConfig.Positions.LEARNED, TransformerConfig.Mlp.GELU,
                    f.real(a + ".attention.layer_norm_epsilon", 1e-5f), 10000f, !f.hasTensor("output.weight"), false,
                    TransformerConfig.RotaryPairs.HALVES);
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(f.path(), e.getMessage());
        }
    }

    public static Transformer load(GgufFile f, int context) throws IOException {
        TransformerConfig c = config(f, context);
        Map<String, Tensor> w = c.positions() == TransformerConfig.Positions.LEARNED ? gpt2Weights(f, c) : llamaWeights(f, c);
        Transformer model;
        try {
            model = new Transformer(c, w);
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(f.path(), e.getMessage());
        }
        // Matrices with array kernels onto the heap (faster decoding), in the background.
        WeightPlacement.moveToHeap(model, w);
        return model;
    }

    /**
     * GPT-2: the fused attn_qkv (3C, C) rows are q | k | v; each third is a row range of the
     * stored matrix, so a view of it (contiguous, starting at a row: a block boundary for every
     * type) runs through the quantized kernels in place. The fused bias is split into copies.
     * Learned positions beyond a shorter context are dropped (copied to the heap, they are small).
     */
    private static Map<String, Tensor> gpt2Weights(GgufFile f, TransformerConfig c) throws IOException {
        Map<String, Tensor> w = new LinkedHashMap<>();
        int width = c.width();
        w.put("tokens.weight", tensor(f, "token_embd.weight"));
        Tensor pos = tensor(f, "position_embd.weight");
        if (pos.dim() != 2 || pos.size(0) < c.contextLength() || pos.size(1) != width) {
            throw new GgufFormatException(f.path(), "tensor 'position_embd.weight' has shape " + java.util.Arrays.toString(pos.shape())
                    + ", expected [" + c.contextLength() + ", " + width + "] or more rows");
        }
        if (pos.size(0) != c.contextLength()) {
            Tensor rows = pos.narrow(0, 0, c.contextLength());
            pos = Tensor.fromArray(rows.toFloatArray(), rows.shape());
        }
        w.put("positions.weight", pos);
        for (int i = 0; i < c.layers(); i++) {
            String b = "blk." + i + ".", m = "block" + i + ".";
            normWithBias(f, w, b + "attn_norm", m + "norm1");
            Tensor qkv = tensor(f, b + "attn_qkv.weight"), qkvBias = c.bias() ? tensor(f, b + "attn_qkv.bias") : null;
            if (!c.bias() && f.hasTensor(b + "attn_qkv.bias")) throw strayBias(f, b + "attn_qkv.bias");
            if (qkv.dim() != 2 || qkv.size(0) != 3 * width || qkv.size(1) != width
                    || qkvBias != null && (qkvBias.dim() != 1 || qkvBias.size(0) != 3 * width)) {
                throw new GgufFormatException(f.path(), "tensors '" + b + "attn_qkv.*' have shapes " + java.util.Arrays.toString(qkv.shape())
                        + (qkvBias == null ? "" : " and " + java.util.Arrays.toString(qkvBias.shape())) + ", expected ["
                        + 3 * width + ", " + width + "]" + (qkvBias == null ? "" : " and [" + 3 * width + "]"));
            }
            String[] parts = {"q", "k", "v"};
            for (int p = 0; p < 3; p++) {
                w.put(m + "attn." + parts[p] + ".weight", qkv.narrow(0, p * width, width).detach());
                if (qkvBias == null) continue;
                Tensor bias = qkvBias.narrow(0, p * width, width);
                w.put(m + "attn." + parts[p] + ".bias", Tensor.fromArray(bias.toFloatArray(), width));
            }
            linear(f, w, c, b + "attn_output", m + "attn.o");
            normWithBias(f, w, b + "ffn_norm", m + "norm2");
            linear(f, w, c, b + "ffn_up", m + "mlp.up");
            linear(f, w, c, b + "ffn_down", m + "mlp.down");
        }
        normWithBias(f, w, "output_norm", "norm");
        if (!c.tiedHead()) w.put("head.weight", tensor(f, "output.weight"));
        return w;
    }

    /** A projection's weight, and its bias when the file has biases (all of them: a stray one is an error). */
    private static void linear(GgufFile f, Map<String, Tensor> w, TransformerConfig c, String gguf, String moxing) throws GgufFormatException {
        w.put(moxing + ".weight", tensor(f, gguf + ".weight"));
        if (c.bias()) {
            w.put(moxing + ".bias", tensor(f, gguf + ".bias"));
        } else if (f.hasTensor(gguf + ".bias")) {
            throw strayBias(f, gguf + ".bias");
        }
    }

    private static GgufFormatException strayBias(GgufFile f, String name) {
        return new GgufFormatException(f.path(), "has tensor '" + name + "' but no 'blk.0.attn_qkv.bias': "
                + "a gpt2 file has all its linear biases or none");
    }

    private static void normWithBias(GgufFile f, Map<String, Tensor> w, String gguf, String moxing) throws GgufFormatException {
        w.put(moxing + ".weight", tensor(f, gguf + ".weight"));
        w.put(moxing + ".bias", tensor(f, gguf + ".bias"));
    }

    private static Map<String, Tensor> llamaWeights(GgufFile f, TransformerConfig c) throws IOException {
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("tokens.weight", tensor(f, "token_embd.weight"));
        for (int i = 0; i < c.layers(); i++) {
            String b = "blk." + i + ".", m = "block" + i + ".";
            w.put(m + "norm1.weight", tensor(f, b + "attn_norm.weight"));
            for (String[] qkv : new String[][] {{"attn_q", "attn.q"}, {"attn_k", "attn.k"}, {"attn_v", "attn.v"}}) {
                w.put(m + qkv[1] + ".weight", tensor(f, b + qkv[0] + ".weight"));
                if (c.qkvBias()) w.put(m + qkv[1] + ".bias", tensor(f, b + qkv[0] + ".bias"));
            }
            w.put(m + "attn.o.weight", tensor(f, b + "attn_output.weight"));
            w.put(m + "norm2.weight", tensor(f, b + "ffn_norm.weight"));
            w.put(m + "mlp.gate.weight", tensor(f, b + "ffn_gate.weight"));
            w.put(m + "mlp.up.weight", tensor(f, b + "ffn_up.weight"));
            w.put(m + "mlp.down.weight", tensor(f, b + "ffn_down.weight"));
        }
        w.put("norm.weight", tensor(f, "output_norm.weight"));
        if (!c.tiedHead()) w.put("head.weight", tensor(f, "output.weight"));
        if (f.hasTensor("rope_freqs.weight")) { // Llama 3.1-style rope scaling: D/2 frequency divisors
            Tensor factors = tensor(f, "rope_freqs.weight");
            if (factors.dim() != 1 || factors.size(0) != c.headDim() / 2) {
                throw new GgufFormatException(f.path(), "tensor 'rope_freqs.weight' has shape " + java.util.Arrays.toString(factors.shape())
                        + ", expected [" + c.headDim() / 2 + "] (head dim / 2)");
            }
            w.put(Transformer.FREQ_FACTORS, factors);
        }
        return w;
    }

    /**
     * Matrices stay in the mapping, in their stored type (no copy: the quantized kernels read them
     * in place; {@link WeightPlacement} then moves quantized ones to the heap); vectors (norm weights, biases) are copied to the heap, where they cost nothing.
     */
    private static Tensor tensor(GgufFile f, String name) throws GgufFormatException {
        Tensor t = f.tensor(name);
        if (t.dim() >= 2) return t;
        if (t.dtype() != DType.F32) throw new GgufFormatException(f.path(), "tensor '" + name + "' is " + t.dtype() + ", expected F32");
        return Tensor.fromArray(t.toFloatArray(), t.shape());
    }

    private static GgufTensorInfo tensorInfo(GgufFile f, String name) throws GgufFormatException {
        GgufTensorInfo t = f.tensors().get(name);
        if (t == null || t.shape().length != 2) throw new GgufFormatException(f.path(), "missing or malformed tensor '" + name + "'");
        return t;
    }

    private static int positive(GgufFile f, String key) throws GgufFormatException {
        int v = f.integer(key);
        if (v <= 0 || v > (1 << 24)) throw new GgufFormatException(f.path(), "metadata key '" + key + "' = " + v + " is not plausible");
        return v;
    }
}
