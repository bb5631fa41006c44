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
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a model as a GGUF file, each tensor in the type a {@link QuantRecipe} gives it (llama.cpp's
 * {@code llama-quantize} choices). Values are read, quantized and written a chunk of rows at a time
 * inside the writer's callback, so a model never has a second full copy in memory; the file appears
 * atomically (temporary file, then rename). Quantization is {@link Quantize#row}: byte-identical to
 * ggml's reference quantizers.
 */
public final class GgufExport {
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

    /** Writes {@code m} with every matrix in {@code type} (see {@link QuantRecipe#of}). */
    public static Written write(Model m, GgmlType type, Path out) throws IOException {
        return write(m, QuantRecipe.of(type), out);
    }

    public static Written write(Model m, QuantRecipe recipe, Path out) throws IOException {
        GgufWriter w = new GgufWriter();
        m.metadata().forEach((k, v) -> {
            if (!OWN_KEYS.contains(k)) w.put(k, v);
        });
        w.put("general.file_type", GgufValue.ofUint32(recipe.fileType()));
        if (recipe.type().blockSize() > 1) w.put("general.quantization_version", GgufValue.ofUint32(2)); // ggml's QK format version
        w.put("general.alignment", GgufValue.ofUint32(GgufWriter.DEFAULT_ALIGNMENT));
        List<String> notes = new ArrayList<>(m.notes());
        Map<String, GgmlType> types = recipe.assign(m.tensors(), notes);
        for (Item t : m.tensors()) {
            GgmlType tt = types.get(t.name());
            w.addTensor(t.name(), tt, t.shape(), ch -> stream(t, tt, ch));
        }
        w.write(out);
        return new Written(types, notes);
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
