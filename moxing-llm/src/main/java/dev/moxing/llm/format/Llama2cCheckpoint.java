package dev.moxing.llm.format;

import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * llama2.c's legacy checkpoint ({@code run.c} format): seven int32 — dim, hidden_dim, n_layers,
 * n_heads, n_kv_heads, vocab_size (negative: the classifier is a separate matrix), seq_len — then
 * float32 weights in run.c's order: token embedding, per-layer stacks of rms_att, wq, wk, wv, wo,
 * rms_ffn, w1 (gate), w2 (down), w3 (up), then rms_final, the rotary tables (skipped: Moxing
 * computes its own) and, when not shared, the classifier.
 *
 * <p>Weights are copied to the heap as F32 (they are F32 in the file), so the model can be
 * fine-tuned. llama2.c rotates adjacent dims (2i, 2i+1) and uses RMSNorm eps 1e-5.
 */
public final class Llama2cCheckpoint {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int HEADER_BYTES = 7 * 4;

    private Llama2cCheckpoint() {
    }

    /** The model's shape from the header (validated against the file size). */
    public static TransformerConfig config(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.ofAuto());
            return layout(path, file).config;
        }
    }

    public static Transformer load(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            Layout l = layout(path, file);
            TransformerConfig c = l.config;
            int dim = c.width(), hidden = c.hidden(), layers = c.layers(), kv = c.kvHeads() * c.headDim();
            Reader r = new Reader(file, HEADER_BYTES);
            Map<String, Tensor> w = new LinkedHashMap<>();
            w.put("tokens.weight", r.next(c.vocabSize(), dim));
            perLayer(w, "norm1.weight", r, layers, dim);
            perLayer(w, "attn.q.weight", r, layers, dim, dim);
            perLayer(w, "attn.k.weight", r, layers, kv, dim);
            perLayer(w, "attn.v.weight", r, layers, kv, dim);
            perLayer(w, "attn.o.weight", r, layers, dim, dim);
            perLayer(w, "norm2.weight", r, layers, dim);
            perLayer(w, "mlp.gate.weight", r, layers, hidden, dim);
            perLayer(w, "mlp.down.weight", r, layers, dim, hidden);
            perLayer(w, "mlp.up.weight", r, layers, hidden, dim);
            w.put("norm.weight", r.next(dim));
            r.skip((long) l.seqLen * c.headDim()); // freq_cis_real and freq_cis_imag: (seq_len, head_dim/2) each
            if (!c.tiedHead()) w.put("head.weight", r.next(c.vocabSize(), dim));
            return new Transformer(c, w);
        }
    }

    private static void perLayer(Map<String, Tensor> w, String name, Reader r, int layers, int... shape) {
        for (int i = 0; i < layers; i++) w.put("block" + i + "." + name, r.next(shape));
    }

    private record Layout(TransformerConfig config, int seqLen) {
    }

    private static Layout layout(Path path, MemorySegment file) throws IOException {
        if (file.byteSize() < HEADER_BYTES) {
            throw new IOException(path + ": not a llama2.c checkpoint (" + file.byteSize() + " bytes, shorter than the 28-byte header)");
        }
        String[] names = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
        int[] h = new int[7];
        for (int i = 0; i < 7; i++) h[i] = file.get(INT, 4L * i);
        for (int i = 0; i < 7; i++) {
            long v = i == 5 ? Math.abs((long) h[i]) : h[i];
            if (v <= 0 || v > (1 << 24)) throw new IOException(path + ": llama2.c header field " + names[i] + " = " + h[i] + " is not plausible");
        }
        int dim = h[0], hidden = h[1], layers = h[2], heads = h[3], kvHeads = h[4], vocab = Math.abs(h[5]), seqLen = h[6];
        if (dim % heads != 0 || heads % kvHeads != 0 || (dim / heads) % 2 != 0) {
            throw new IOException(path + ": llama2.c header is inconsistent: dim " + dim + ", n_heads " + heads + ", n_kv_heads " + kvHeads);
        }
        boolean shared = h[5] > 0;
        long headDim = dim / heads, kv = kvHeads * headDim;
        long floats = (long) vocab * dim + layers * (2L * dim + 2L * dim * dim + 2L * dim * kv + 3L * dim * hidden)
                + dim + (long) seqLen * headDim + (shared ? 0 : (long) vocab * dim);
        long expected = HEADER_BYTES + 4 * floats;
        if (file.byteSize() != expected) {
            throw new IOException(path + ": llama2.c checkpoint of " + file.byteSize() + " bytes, but its header (dim " + dim
                    + ", hidden_dim " + hidden + ", n_layers " + layers + ", n_heads " + heads + ", n_kv_heads " + kvHeads
                    + ", vocab_size " + h[5] + ", seq_len " + seqLen + ") implies " + expected + " bytes");
        }
        TransformerConfig c = TransformerConfig.llama(vocab, seqLen, layers, heads, kvHeads, dim, hidden, 1e-5f, 10000f, shared)
                .withAttention(false, TransformerConfig.RotaryPairs.ADJACENT);
        return new Layout(c, seqLen);
    }

    /** Reads consecutive float32 tensors. */
    private static final class Reader {
        private final MemorySegment file;
        private long pos;

        Reader(MemorySegment file, long pos) {
            this.file = file;
            this.pos = pos;
        }

        Tensor next(int... shape) {
            int n = 1;
            for (int d : shape) n = Math.multiplyExact(n, d);
            float[] a = new float[n];
            MemorySegment.copy(file, FLOAT, pos, a, 0, n);
            pos += 4L * n;
            return Tensor.fromArray(a, shape);
        }

        void skip(long floats) {
            pos += 4 * floats;
        }
    }
}
