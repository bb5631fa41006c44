package dev.moxing.llm.format;

import dev.moxing.gguf.GgufValue;
import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;
import dev.moxing.tokenizer.GgufTokenizerMetadata;
import dev.moxing.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A GPT-2 style {@link Transformer} (learned positions, LayerNorm, GELU MLP) in llama.cpp's GGUF
 * {@code gpt2} layout, as its {@code convert_hf_to_gguf.py} (GPT2Model) writes one and its
 * {@code LLM_ARCH_GPT2} loader reads it — the inverse of {@link GgufModel}'s gpt2 path:
 * <pre>
 *   token_embd.weight (V, C)   position_embd.weight (T, C)
 *   blk.N.attn_norm.{weight,bias} (C)
 *   blk.N.attn_qkv.weight (3C, C), .bias (3C)    rows q | k | v (Moxing's separate q, k, v fused)
 *   blk.N.attn_output.{weight (C, C), bias (C)}
 *   blk.N.ffn_norm.{weight,bias} (C)
 *   blk.N.ffn_up.{weight (H, C), bias (H)}      blk.N.ffn_down.{weight (C, H), bias (C)}
 *   output_norm.{weight,bias} (C)               output.weight (V, C), only when the head is untied
 * </pre>
 * Shapes are Moxing's (outermost first); the writer stores them in ggml order (ne[0] innermost).
 *
 * <p>Biases: llama.cpp's gpt2 loader requires every bias tensor (none is TENSOR_NOT_REQUIRED), so a
 * model trained without linear biases ({@code bias: false}) gets zero ones: adding zero changes no
 * value, and llama.cpp loads the file. {@link GgufModel} reads such a file as a model with (zero)
 * biases, and a file without bias tensors, as other writers may produce, as one without.
 */
public final class Gpt2Export {
    private Gpt2Export() {
    }

    /**
     * {@code model} ready to write; {@code tokenizer} may be null (a file without tokenizer
     * metadata: loadable with {@link GgufModel}, not by llama.cpp's tools).
     */
    public static GgufExport.Model of(Transformer model, Tokenizer tokenizer, String name) {
        TransformerConfig c = model.config();
        check(c);
        int dim = c.width(), hidden = c.hidden();
        Map<String, Tensor> weights = model.stateDict();
        Set<String> unused = new LinkedHashSet<>(weights.keySet());
        List<GgufExport.Item> items = new ArrayList<>();
        List<String> zeroBiases = new ArrayList<>();
        items.add(item("token_embd.weight", take(weights, unused, "tokens.weight", c.vocabSize(), dim)));
        items.add(item("position_embd.weight", take(weights, unused, "positions.weight", c.contextLength(), dim)));
        for (int i = 0; i < c.layers(); i++) {
            String b = "blk." + i + ".", m = "block" + i + ".";
            norm(items, weights, unused, b + "attn_norm", m + "norm1", dim);
            Tensor[] qkv = new Tensor[3], qkvBias = new Tensor[3];
            String[] parts = {"q", "k", "v"};
            for (int p = 0; p < 3; p++) {
                qkv[p] = take(weights, unused, m + "attn." + parts[p] + ".weight", dim, dim);
                qkvBias[p] = optional(weights, unused, m + "attn." + parts[p] + ".bias", dim);
            }
            items.add(new GgufExport.Item(b + "attn_qkv.weight", new int[] {3 * dim, dim}, fused(qkv, dim, dim)));
            if (qkvBias[0] == null) zeroBiases.add(b + "attn_qkv.bias");
            items.add(new GgufExport.Item(b + "attn_qkv.bias", new int[] {3 * dim}, fused(qkvBias, 1, dim)));
            linear(items, weights, unused, zeroBiases, b + "attn_output", m + "attn.o", dim, dim);
            norm(items, weights, unused, b + "ffn_norm", m + "norm2", dim);
            linear(items, weights, unused, zeroBiases, b + "ffn_up", m + "mlp.up", hidden, dim);
            linear(items, weights, unused, zeroBiases, b + "ffn_down", m + "mlp.down", dim, hidden);
        }
        norm(items, weights, unused, "output_norm", "norm", dim);
        if (!c.tiedHead()) items.add(item("output.weight", take(weights, unused, "head.weight", c.vocabSize(), dim)));
        if (!unused.isEmpty()) throw new IllegalArgumentException("weights with no place in a GGUF gpt2 file: " + unused);
        List<String> notes = zeroBiases.isEmpty() ? List.of() : List.of("the model has no linear biases; " + zeroBiases.size()
                + " zero bias tensors are written because llama.cpp's gpt2 loader requires them (they change no output)");
        return new GgufExport.Model(metadata(c, name, tokenizer), items, notes);
    }

    /** Throws naming what a GGUF gpt2 file cannot hold. */
    static void check(TransformerConfig c) {
        if (c.positions() != TransformerConfig.Positions.LEARNED || c.norm() != TransformerConfig.Norm.LAYER_NORM
                || c.mlp() != TransformerConfig.Mlp.GELU) {
            throw new IllegalArgumentException("the gpt2 layout needs learned positions, LayerNorm and a GELU MLP; this model has "
                    + c.positions() + " positions, " + c.norm() + " and a " + c.mlp() + " MLP");
        }
        if (c.kvHeads() != c.heads()) {
            throw new IllegalArgumentException("the gpt2 layout has no grouped-query attention; this model has "
                    + c.heads() + " query heads and " + c.kvHeads() + " key/value heads");
        }
    }

    /** llama.cpp's LLM_ARCH_GPT2 keys (what convert_hf_to_gguf.py's GPT2Model writes), then the tokenizer's. */
    static Map<String, GgufValue> metadata(TransformerConfig c, String name, Tokenizer tokenizer) {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("general.architecture", GgufValue.of("gpt2"));
        m.put("general.name", GgufValue.of(name));
        m.put("gpt2.block_count", GgufValue.ofUint32(c.layers()));
        m.put("gpt2.context_length", GgufValue.ofUint32(c.contextLength()));
        m.put("gpt2.embedding_length", GgufValue.ofUint32(c.width()));
        m.put("gpt2.feed_forward_length", GgufValue.ofUint32(c.hidden()));
        m.put("gpt2.attention.head_count", GgufValue.ofUint32(c.heads()));
        m.put("gpt2.attention.layer_norm_epsilon", GgufValue.ofFloat32(c.normEps()));
        if (tokenizer != null) m.putAll(GgufTokenizerMetadata.forModel(tokenizer, c.vocabSize()));
        return m;
    }

    private static GgufExport.Item item(String name, Tensor t) {
        return new GgufExport.Item(name, t.shape(), LlamaExport.rows(t));
    }

    private static void norm(List<GgufExport.Item> items, Map<String, Tensor> w, Set<String> unused, String gguf, String moxing, int dim) {
        items.add(item(gguf + ".weight", take(w, unused, moxing + ".weight", dim)));
        items.add(item(gguf + ".bias", take(w, unused, moxing + ".bias", dim)));
    }

    /** A projection (out, in) and its bias, zeros when the model has none. */
    private static void linear(List<GgufExport.Item> items, Map<String, Tensor> w, Set<String> unused, List<String> zeroBiases,
                               String gguf, String moxing, int out, int in) {
        items.add(item(gguf + ".weight", take(w, unused, moxing + ".weight", out, in)));
        Tensor bias = optional(w, unused, moxing + ".bias", out);
        if (bias == null) zeroBiases.add(gguf + ".bias");
        items.add(new GgufExport.Item(gguf + ".bias", new int[] {out}, bias == null ? zeros(out) : LlamaExport.rows(bias)));
    }

    private static Tensor take(Map<String, Tensor> w, Set<String> unused, String name, int... shape) {
        Tensor t = w.get(name);
        if (t == null || !Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("weight '" + name + "' is " + (t == null ? "missing" : Shape.str(t.shape()))
                    + ", expected " + Shape.str(shape));
        }
        unused.remove(name);
        return t;
    }

    private static Tensor optional(Map<String, Tensor> w, Set<String> unused, String name, int... shape) {
        return w.containsKey(name) ? take(w, unused, name, shape) : null;
    }

    private static GgufExport.Rows zeros(int cols) {
        return (first, count, dst, off) -> Arrays.fill(dst, off, off + count * cols, 0f);
    }

    /**
     * Three (rows, cols) tensors stacked along rows (q | k | v): row r of the result is row
     * r % rows of part r / rows. Parts may be null (a missing bias: zeros). A bias is one row of
     * 3·cols, read as the three parts side by side.
     */
    private static GgufExport.Rows fused(Tensor[] parts, int rows, int cols) {
        GgufExport.Rows[] src = new GgufExport.Rows[3];
        for (int p = 0; p < 3; p++) src[p] = parts[p] == null ? zeros(cols) : LlamaExport.rows(parts[p]);
        if (rows == 1) { // a fused bias: one row of 3·cols
            return (first, count, dst, off) -> {
                for (int p = 0; p < 3; p++) src[p].read(0, 1, dst, off + p * cols);
            };
        }
        return (first, count, dst, off) -> {
            for (int r = first; r < first + count; ) {
                int p = r / rows, n = Math.min(first + count, (p + 1) * rows) - r;
                src[p].read(r - p * rows, n, dst, off + (r - first) * cols);
                r += n;
            }
        };
    }
}
