package dev.moxing.llm.format;

import dev.moxing.gguf.GgmlType;
import dev.moxing.gguf.GgufValue;
import dev.moxing.gguf.GgufWriter;
import dev.moxing.kernels.quant.Quantize;
import dev.moxing.tensor.DType;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Writes a model as a GGUF file with its matrices in one ggml type, choosing per tensor as
 * llama.cpp's {@code llama-quantize} does:
 * <ul>
 *   <li>1-D tensors (norms, biases) stay F32, and so do GPT-2's learned positions
 *       ({@code position_embd.weight}), which llama.cpp's convert_hf_to_gguf.py always writes F32;
 *   <li>matrices take the requested type, except the output matrix ({@code output.weight}, or
 *       {@code token_embd.weight} when the head is tied) for the 4- and 5-bit types: llama.cpp gives
 *       it Q6_K (Q8_0 when its rows are not a multiple of 256); Moxing has no Q6_K quantizer, so it
 *       is Q8_0 here — slightly larger, slightly more precise;
 *   <li>a matrix whose rows are not whole blocks of the type becomes F16, llama.cpp's last resort.
 * </ul>
 * Values are read, quantized and written a chunk of rows at a time inside the writer's callback,
 * so a model never has a second full copy in memory; the file appears atomically (temporary
 * file, then rename). Quantization is {@link Quantize#row}: bit-identical to ggml's reference.
 */
public final class GgufExport {
    /** The types a model can be written in (those {@link Quantize} implements). */
    public static final List<GgmlType> TYPES = List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0,
            GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1);
    private static final Set<GgmlType> FOUR_OR_FIVE_BIT = Set.of(GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1);
    /** Metadata the writer sets itself, dropped from a source's. */
    private static final Set<String> OWN_KEYS = Set.of("general.file_type", "general.quantization_version", "general.alignment");
    private static final int CHUNK_FLOATS = 1 << 20;

    private GgufExport() {
    }

    /** F32 values of a tensor, by rows (its innermost dimension); read front to back. */
    @FunctionalInterface
    public interface Rows {
        /** Puts rows {@code [first, first + count)} into {@code dst} from {@code dstOffset}. */
        void read(int first, int count, float[] dst, int dstOffset);
    }

    /** A tensor to write: its GGUF name, shape (outermost first, as Moxing orders it) and values. */
    public record Item(String name, int[] shape, Rows rows) {
        public int rowLength() {
            return shape[shape.length - 1];
        }

        public int rowCount() {
            int n = 1;
            for (int i = 0; i < shape.length - 1; i++) n = Math.multiplyExact(n, shape[i]);
            return n;
        }
    }

    /**
     * A model ready to write: metadata (the file type and alignment are added on writing),
     * tensors in file order, and notes for the user about what the source loses or changes.
     */
    public record Model(Map<String, GgufValue> metadata, List<Item> tensors, List<String> notes) {
    }

    /** What was written: each tensor's type, and notes (fallbacks, substitutions, precision lost). */
    public record Written(Map<String, GgmlType> types, List<String> notes) {
    }

    /** {@code "q4_0"} → Q4_0; throws naming the value and the choices when it is not one of {@link #TYPES}. */
    public static GgmlType type(String name) {
        for (GgmlType t : TYPES) if (t.name().equalsIgnoreCase(name)) return t;
        throw new IllegalArgumentException("--type '" + name + "' is not supported; choose one of "
                + String.join(", ", TYPES.stream().map(t -> t.name().toLowerCase(Locale.ROOT)).toList()));
    }

    /** llama.cpp's {@code llama_ftype} number for a file whose matrices are mostly {@code type}. */
    public static int fileType(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("no llama.cpp file type for " + type);
        };
    }

    public static Written write(Model m, GgmlType type, Path out) throws IOException {
        if (!TYPES.contains(type)) type(type.name()); // throws
        GgufWriter w = new GgufWriter();
        m.metadata().forEach((k, v) -> {
            if (!OWN_KEYS.contains(k)) w.put(k, v);
        });
        w.put("general.file_type", GgufValue.ofUint32(fileType(type)));
        if (type.blockSize() > 1) w.put("general.quantization_version", GgufValue.ofUint32(2)); // ggml's QK format version
        w.put("general.alignment", GgufValue.ofUint32(GgufWriter.DEFAULT_ALIGNMENT));
        boolean tied = m.tensors().stream().noneMatch(t -> t.name().equals("output.weight"));
        List<String> notes = new ArrayList<>(m.notes());
        Map<String, GgmlType> types = new LinkedHashMap<>();
        for (Item t : m.tensors()) {
            GgmlType tt = tensorType(t, type, tied, notes);
            types.put(t.name(), tt);
            w.addTensor(t.name(), tt, t.shape(), ch -> stream(t, tt, ch));
        }
        w.write(out);
        return new Written(types, notes);
    }

    /** The type a tensor is written in when the file's type is {@code type} (see the class comment). */
    static GgmlType tensorType(Item t, GgmlType type, boolean tied, List<String> notes) {
        if (t.shape().length < 2 || !t.name().endsWith(".weight") || t.name().equals("position_embd.weight")) return GgmlType.F32;
        boolean output = t.name().equals("output.weight") || tied && t.name().equals("token_embd.weight");
        GgmlType chosen = type;
        if (output && FOUR_OR_FIVE_BIT.contains(type)) {
            chosen = GgmlType.Q8_0;
            if (t.rowLength() % 256 == 0) notes.add(t.name() + ": Q8_0 (llama.cpp would use Q6_K; Moxing has no Q6_K quantizer)");
        }
        if (t.rowLength() % chosen.blockSize() != 0) {
            notes.add(t.name() + ": F16, rows of " + t.rowLength() + " are not whole " + chosen + " blocks of "
                    + chosen.blockSize() + " (llama.cpp falls back likewise)");
            chosen = GgmlType.F16;
        }
        return chosen;
    }

    private static void stream(Item t, GgmlType type, WritableByteChannel out) throws IOException {
        int cols = t.rowLength(), rows = t.rowCount();
        int chunk = Math.max(1, Math.min(rows, CHUNK_FLOATS / cols));
        DType d = type.dtype();
        int rowBytes = cols / type.blockSize() * type.blockBytes();
        float[] values = new float[chunk * cols];
        byte[] bytes = new byte[Math.multiplyExact(chunk, rowBytes)];
        MemorySegment seg = MemorySegment.ofArray(bytes);
        for (int r = 0; r < rows; r += chunk) {
            int n = Math.min(chunk, rows - r);
            t.rows().read(r, n, values, 0);
            for (int i = 0; i < n; i++) Quantize.row(d, values, i * cols, cols, seg, (long) i * rowBytes);
            ByteBuffer b = ByteBuffer.wrap(bytes, 0, n * rowBytes);
            while (b.hasRemaining()) out.write(b);
        }
    }
}
