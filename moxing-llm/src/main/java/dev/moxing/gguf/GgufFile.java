package dev.moxing.gguf;

import dev.moxing.tensor.DType;
import dev.moxing.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Map;

/**
 * A GGUF file (llama.cpp's model format), memory-mapped: metadata, tensor table and tensors that
 * are views of the mapping, in the stored type (no copy; kernels read F16 and quantized blocks in
 * place). The header is fully validated when the file is opened (see {@link GgufParser}).
 *
 * <pre>{@code
 * GgufFile f = GgufFile.open(Path.of("model.gguf"));
 * String arch = f.string("general.architecture");
 * Tensor wq = f.tensor("blk.0.attn_q.weight"); // (out, in), e.g. Q4_0
 * }</pre>
 */
public final class GgufFile {
    private final Path path;
    private final MemorySegment file;
    private final GgufParser.Header header;

    private GgufFile(Path path, MemorySegment file, GgufParser.Header header) {
        this.path = path;
        this.file = file;
        this.header = header;
    }

    public static GgufFile open(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            // Arena.ofAuto: the mapping lives as long as some tensor still references it.
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.ofAuto());
            return new GgufFile(path, file, new GgufParser(path, file).parse());
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path + ": no such file");
        }
    }

    /** Whether the file starts with the GGUF magic (it may still be malformed). */
    public static boolean isGguf(Path path) throws IOException {
        try (var in = java.nio.file.Files.newInputStream(path)) {
            byte[] h = in.readNBytes(4);
            return h.length == 4 && (h[0] & 0xFF | (h[1] & 0xFF) << 8 | (h[2] & 0xFF) << 16 | (h[3] & 0xFF) << 24) == GgufParser.MAGIC;
        }
    }

    public Path path() {
        return path;
    }

    public int version() {
        return header.version();
    }

    public int alignment() {
        return header.alignment();
    }

    /** Byte offset of the data section in the file. */
    public long dataStart() {
        return header.dataStart();
    }

    public long fileSize() {
        return file.byteSize();
    }

    public Map<String, GgufValue> metadata() {
        return Collections.unmodifiableMap(header.metadata());
    }

    public Map<String, GgufTensorInfo> tensors() {
        return Collections.unmodifiableMap(header.tensors());
    }

    public boolean has(String key) {
        return header.metadata().containsKey(key);
    }

    public boolean hasTensor(String name) {
        return header.tensors().containsKey(name);
    }

    /** The raw bytes of a tensor. */
    public MemorySegment data(GgufTensorInfo t) {
        return file.asSlice(header.dataStart() + t.offset(), t.byteSize());
    }

    /** A tensor over the mapping, in its stored type. */
    public Tensor tensor(String name) throws GgufFormatException {
        GgufTensorInfo t = header.tensors().get(name);
        if (t == null) throw new GgufFormatException(path, "missing tensor '" + name + "'");
        DType d = t.type().dtype();
        if (d == null) {
            throw new GgufFormatException(path, "tensor '" + name + "' has type " + t.type() + ", which Moxing cannot compute with yet");
        }
        if (t.elements() > Integer.MAX_VALUE) { // valid GGUF (e.g. a huge embedding), but a Moxing tensor is int-indexed
            throw new GgufFormatException(path, "tensor '" + name + "' has " + t.elements() + " elements, more than a Moxing tensor holds (2^31-1)");
        }
        return Tensor.fromSegment(data(t), d, t.shape());
    }

    // ------------------------------------------------------------------ typed metadata

    public GgufValue value(String key) throws GgufFormatException {
        GgufValue v = header.metadata().get(key);
        if (v == null) throw new GgufFormatException(path, "missing metadata key '" + key + "'");
        return v;
    }

    public String string(String key) throws GgufFormatException {
        GgufValue v = value(key);
        if (v.value() instanceof String s) return s;
        throw wrongType(key, v, "a string");
    }

    public String string(String key, String fallback) throws GgufFormatException {
        return has(key) ? string(key) : fallback;
    }

    /** An integer value of any integral type that fits in an int. */
    public int integer(String key) throws GgufFormatException {
        GgufValue v = value(key);
        if (v.value() instanceof Integer i) return i;
        if (v.value() instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) return (int) (long) l;
        throw wrongType(key, v, "an integer that fits in 32 bits");
    }

    public int integer(String key, int fallback) throws GgufFormatException {
        return has(key) ? integer(key) : fallback;
    }

    public float real(String key) throws GgufFormatException {
        GgufValue v = value(key);
        if (v.value() instanceof Float f) return f;
        if (v.value() instanceof Double d) return (float) (double) d;
        if (v.value() instanceof Integer i) return i;
        throw wrongType(key, v, "a number");
    }

    public float real(String key, float fallback) throws GgufFormatException {
        return has(key) ? real(key) : fallback;
    }

    public boolean bool(String key, boolean fallback) throws GgufFormatException {
        if (!has(key)) return fallback;
        GgufValue v = value(key);
        if (v.value() instanceof Boolean b) return b;
        throw wrongType(key, v, "a bool");
    }

    public String[] strings(String key) throws GgufFormatException {
        GgufValue v = value(key);
        if (v.value() instanceof String[] a) return a;
        throw wrongType(key, v, "an array of strings");
    }

    public float[] floats(String key) throws GgufFormatException {
        GgufValue v = value(key);
        if (v.value() instanceof float[] a) return a;
        throw wrongType(key, v, "an array of float32");
    }

    /** An array of 8/16/32-bit integers. */
    public int[] ints(String key) throws GgufFormatException {
        GgufValue v = value(key);
        if (v.value() instanceof int[] a) return a;
        if (v.value() instanceof long[] a) {
            int[] out = new int[a.length];
            for (int i = 0; i < a.length; i++) {
                if (a[i] < Integer.MIN_VALUE || a[i] > Integer.MAX_VALUE) throw wrongType(key, v, "32-bit integers");
                out[i] = (int) a[i];
            }
            return out;
        }
        throw wrongType(key, v, "an array of integers");
    }

    private GgufFormatException wrongType(String key, GgufValue v, String expected) {
        return new GgufFormatException(path, "metadata key '" + key + "' should be " + expected + ", got "
                + (v.type() == GgufValue.Type.ARRAY ? "array of " + v.elementType() : v.type()) + " " + v.describe());
    }
}
