package dev.moxing.llm.format;

import dev.moxing.gguf.GgufValue;
import dev.moxing.kernels.quant.Dequantize;
import dev.moxing.kernels.quant.RowInterleave;
import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Storage;
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
 * A Llama-family {@link Transformer} in llama.cpp's GGUF layout: architecture {@code llama}
 * (or {@code qwen2} for a model with q/k/v biases), the {@code <arch>.*} hyper-parameters,
 * the tokenizer's metadata, and the weights under llama.cpp's tensor names — the inverse of
 * {@link GgufModel}.
 *
 * <p>Rotary pairing: Llama-architecture GGUF files rotate adjacent dims (2i, 2i+1), which is
 * what llama2.c trained; Hugging Face and Moxing's own Llama models rotate halves (i, i + D/2).
 * For those, the q and k rows of each head are permuted as llama.cpp's
 * {@code convert_hf_to_gguf.py} does ({@code w.reshape(heads, 2, D/2, C).swapaxes(1, 2)}), which
 * turns one pairing into the other without changing the model's output. Qwen2 files keep halves.
 */
public final class LlamaExport {
    private LlamaExport() {
    }

    /** One tensor of the layout: its GGUF name, Moxing state-dict name and shape. */
    record Slot(String gguf, String moxing, int[] shape) {
    }

    /**
     * {@code model} ready to write; {@code tokenizer} may be null (a file without tokenizer
     * metadata: loadable with {@link GgufModel}, not by llama.cpp's tools).
     */
    public static GgufExport.Model of(Transformer model, Tokenizer tokenizer, String name) {
        TransformerConfig c = model.config();
        String arch = architecture(c);
        boolean permute = arch.equals("llama") && c.rotaryPairs() == TransformerConfig.RotaryPairs.HALVES;
        Map<String, Tensor> weights = model.stateDict();
        Set<String> unused = new LinkedHashSet<>(weights.keySet());
        List<GgufExport.Item> items = new ArrayList<>();
        for (Slot s : slots(c)) {
            Tensor t = weights.get(s.moxing());
            if (t == null || !Arrays.equals(t.shape(), s.shape())) {
                throw new IllegalArgumentException("weight '" + s.moxing() + "' is " + (t == null ? "missing"
                        : Shape.str(t.shape())) + ", expected " + Shape.str(s.shape()));
            }
            unused.remove(s.moxing());
            GgufExport.Rows rows = rows(t);
            if (permute && s.moxing().endsWith(".attn.q.weight")) rows = halvesToAdjacent(rows, c.heads(), c.headDim(), s.shape()[1]);
            if (permute && s.moxing().endsWith(".attn.k.weight")) rows = halvesToAdjacent(rows, c.kvHeads(), c.headDim(), s.shape()[1]);
            items.add(new GgufExport.Item(s.gguf(), s.shape(), rows));
        }
        Tensor factors = weights.get(Transformer.FREQ_FACTORS);
        if (factors != null) { // rope scaling: llama.cpp's rope_freqs.weight, D/2 F32 frequency divisors
            unused.remove(Transformer.FREQ_FACTORS);
            items.add(new GgufExport.Item("rope_freqs.weight", factors.shape(), rows(factors)));
        }
        if (!unused.isEmpty()) throw new IllegalArgumentException("weights with no place in a GGUF " + arch + " file: " + unused);
        return new GgufExport.Model(metadata(c, name, tokenizer), items, List.of());
    }

    /** {@code llama} or {@code qwen2}; throws naming what a GGUF Llama-family file cannot hold. */
    static String architecture(TransformerConfig c) {
        if (c.positions() != TransformerConfig.Positions.ROTARY || c.norm() != TransformerConfig.Norm.RMS_NORM
                || c.mlp() != TransformerConfig.Mlp.SWIGLU || c.bias()) {
            throw new IllegalArgumentException("the llama layout needs rotary positions, RMSNorm, SwiGLU and no linear biases "
                    + "(GPT-2 style models, with learned positions, LayerNorm and GELU, are written by Gpt2Export)");
        }
        if (!c.qkvBias()) return "llama";
        if (c.rotaryPairs() != TransformerConfig.RotaryPairs.HALVES) {
            throw new IllegalArgumentException("a model with q/k/v biases is written as qwen2, which rotates halves, but this one rotates adjacent pairs");
        }
        return "qwen2";
    }

    /** The tensors in file order (llama.cpp's llama2.c converter's order), tied models without output.weight. */
    static List<Slot> slots(TransformerConfig c) {
        int dim = c.width(), kv = c.kvHeads() * c.headDim();
        List<Slot> s = new ArrayList<>();
        s.add(new Slot("token_embd.weight", "tokens.weight", new int[] {c.vocabSize(), dim}));
        s.add(new Slot("output_norm.weight", "norm.weight", new int[] {dim}));
        if (!c.tiedHead()) s.add(new Slot("output.weight", "head.weight", new int[] {c.vocabSize(), dim}));
        for (int i = 0; i < c.layers(); i++) {
            String b = "blk." + i + ".", m = "block" + i + ".";
            for (String[] x : new String[][] {{"q", "" + dim}, {"k", "" + kv}, {"v", "" + kv}}) {
                int out = Integer.parseInt(x[1]);
                s.add(new Slot(b + "attn_" + x[0] + ".weight", m + "attn." + x[0] + ".weight", new int[] {out, dim}));
                if (c.qkvBias()) s.add(new Slot(b + "attn_" + x[0] + ".bias", m + "attn." + x[0] + ".bias", new int[] {out}));
            }
            s.add(new Slot(b + "attn_output.weight", m + "attn.o.weight", new int[] {dim, dim}));
            s.add(new Slot(b + "attn_norm.weight", m + "norm1.weight", new int[] {dim}));
            s.add(new Slot(b + "ffn_gate.weight", m + "mlp.gate.weight", new int[] {c.hidden(), dim}));
            s.add(new Slot(b + "ffn_down.weight", m + "mlp.down.weight", new int[] {dim, c.hidden()}));
            s.add(new Slot(b + "ffn_up.weight", m + "mlp.up.weight", new int[] {c.hidden(), dim}));
            s.add(new Slot(b + "ffn_norm.weight", m + "norm2.weight", new int[] {dim}));
        }
        return s;
    }

    /** General, hyper-parameter and tokenizer metadata, with llama.cpp's keys and value types. */
    static Map<String, GgufValue> metadata(TransformerConfig c, String name, Tokenizer tokenizer) {
        String a = architecture(c);
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("general.architecture", GgufValue.of(a));
        m.put("general.name", GgufValue.of(name));
        m.put(a + ".context_length", GgufValue.ofUint32(c.contextLength()));
        m.put(a + ".embedding_length", GgufValue.ofUint32(c.width()));
        m.put(a + ".feed_forward_length", GgufValue.ofUint32(c.hidden()));
        m.put(a + ".attention.head_count", GgufValue.ofUint32(c.heads()));
        m.put(a + ".attention.head_count_kv", GgufValue.ofUint32(c.kvHeads()));
        m.put(a + ".block_count", GgufValue.ofUint32(c.layers()));
        m.put(a + ".rope.dimension_count", GgufValue.ofUint32(c.headDim()));
        m.put(a + ".attention.layer_norm_rms_epsilon", GgufValue.ofFloat32(c.normEps()));
        m.put(a + ".rope.freq_base", GgufValue.ofFloat32(c.ropeTheta()));
        if (tokenizer != null) m.putAll(GgufTokenizerMetadata.forModel(tokenizer, c.vocabSize()));
        return m;
    }

    /**
     * Rows of a weight, without copying it whole: heap tensors are sliced; memory-mapped ones
     * (F16/BF16 safetensors, GGUF blocks) are decoded a chunk at a time.
     */
    static GgufExport.Rows rows(Tensor t) {
        int cols = t.shape()[t.dim() - 1];
        if (t.storage() instanceof Storage.Segment s && t.isContiguous() && s.dtype().interleavedFrom() != null && t.dim() == 2) {
            DType d = s.dtype(); // a heap copy with its rows interleaved: decoded by row range
            long base = d.bytesFor(t.offset());
            return (first, count, dst, off) -> RowInterleave.decodeRows(d, s.segment(), base, cols, first, count, dst, off);
        }
        if (t.storage() instanceof Storage.Segment s && t.isContiguous()) {
            DType d = s.dtype();
            return (first, count, dst, off) -> Dequantize.row(d, s.segment(),
                    (t.offset() + (long) first * cols) / d.blockSize() * d.blockBytes(), dst, off, count * cols);
        }
        if (t.dim() == 1) return (first, count, dst, off) -> System.arraycopy(t.toFloatArray(), 0, dst, off, cols);
        return (first, count, dst, off) -> System.arraycopy(t.narrow(0, first, count).toFloatArray(), 0, dst, off, count * cols);
    }

    /**
     * The rows of a q or k projection reordered per head from the halves pairing to the
     * adjacent one: output row {@code 2j + s} of a head is source row {@code s·D/2 + j}.
     */
    static GgufExport.Rows halvesToAdjacent(GgufExport.Rows src, int heads, int headDim, int cols) {
        int half = headDim / 2;
        return (first, count, dst, off) -> {
            for (int i = 0; i < count; i++) {
                int o = first + i, h = o / headDim, within = o % headDim;
                src.read(h * headDim + (within % 2) * half + within / 2, 1, dst, off + i * cols);
            }
        };
    }
}
