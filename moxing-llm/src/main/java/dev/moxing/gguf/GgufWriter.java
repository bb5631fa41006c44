package dev.moxing.gguf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a GGUF v3 file: metadata (in insertion order), tensor infos, then the tensor data, each
 * tensor starting on the alignment ({@code general.alignment}, default 32) and padded with zeros
 * to it — the layout llama.cpp writes, so a file read and written back comes out byte for byte
 * the same. Everything added is validated when it is added; tensor data is streamed from memory
 * segments (e.g. another file's mapping) or callbacks, so a model of any size needs no more than
 * its header in memory. The file is written to a temporary file in the target directory, forced
 * to disk and atomically renamed: a failure leaves the target as it was and no temporary behind.
 *
 * <pre>{@code
 * GgufWriter w = new GgufWriter();
 * w.put("general.architecture", GgufValue.of("llama"));
 * w.addTensor("token_embd.weight", GgmlType.F32, new int[] {512, 64}, segment); // (vocab, dim)
 * w.write(Path.of("model.gguf"));
 * }</pre>
 */
public final class GgufWriter {
    public static final int DEFAULT_ALIGNMENT = 32;
    /** llama.cpp refuses tensor names of GGML_MAX_NAME (64) bytes or more. */
    static final int MAX_NAME_BYTES = 63;
    private static final int MAX_DIMS = 4;
    private static final int CHUNK = 1 << 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Writes exactly a tensor's byte size of data to {@code out} (little-endian, ggml layout). */
    @FunctionalInterface
    public interface TensorData {
        void writeTo(WritableByteChannel out) throws IOException;
    }

    private record Entry(GgmlType type, int[] shape, long byteSize, TensorData data) {
    }

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final Map<String, Entry> tensors = new LinkedHashMap<>();

    /** A writer holding all of {@code f}'s metadata and tensors (data streamed from its mapping). */
    public static GgufWriter copyOf(GgufFile f) {
        GgufWriter w = new GgufWriter();
        f.metadata().forEach(w::put);
        for (GgufTensorInfo t : f.tensors().values()) w.addTensor(t.name(), t.type(), t.shape(), f.data(t));
        return w;
    }

    /** Adds a metadata entry; a key may be set once (see {@link #remove}). */
    public GgufWriter put(String key, GgufValue value) {
        if (key == null || key.isEmpty() || utf8(key).length > 0xFFFF) {
            throw new IllegalArgumentException("GGUF metadata key must be 1..65535 bytes, got " + (key == null ? "null" : "'" + key + "'"));
        }
        if (metadata.containsKey(key)) throw new IllegalArgumentException("GGUF metadata key '" + key + "' is already set");
        GgufValueWriter.check(key, value);
        if (key.equals("general.alignment")) alignment(value);
        metadata.put(key, value);
        return this;
    }

    /** The metadata put so far, in file order. */
    public Map<String, GgufValue> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    public GgufWriter remove(String key) {
        metadata.remove(key);
        return this;
    }

    /** Adds a tensor whose data is {@code bytes} (read when the file is written). */
    public GgufWriter addTensor(String name, GgmlType type, int[] shape, MemorySegment bytes) {
        long size = byteSize(name, type, shape);
        if (bytes.byteSize() != size) {
            throw new IllegalArgumentException("GGUF tensor '" + name + "': " + type + " " + java.util.Arrays.toString(shape)
                    + " takes " + size + " bytes, the data has " + bytes.byteSize());
        }
        return add(name, type, shape, size, out -> {
            for (long i = 0; i < size; i += CHUNK) writeFully(out, bytes.asSlice(i, Math.min(CHUNK, size - i)).asByteBuffer());
        });
    }

    /** Adds a tensor whose data {@code data} writes when the file is written (checked to be exactly the right size). */
    public GgufWriter addTensor(String name, GgmlType type, int[] shape, TensorData data) {
        return add(name, type, shape, byteSize(name, type, shape), data);
    }

    private GgufWriter add(String name, GgmlType type, int[] shape, long size, TensorData data) {
        if (tensors.containsKey(name)) throw new IllegalArgumentException("GGUF tensor '" + name + "' is already added");
        tensors.put(name, new Entry(type, shape.clone(), size, data));
        return this;
    }

    /**
     * Bytes of a {@code type} tensor of {@code shape} (Moxing order, outermost first), after
     * checking what GGUF readers require: 1..4 positive dimensions and rows (the innermost
     * dimension) made of whole blocks.
     */
    static long byteSize(String name, GgmlType type, int[] shape) {
        if (name == null || name.isEmpty() || utf8(name).length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("GGUF tensor name must be 1.." + MAX_NAME_BYTES + " bytes, got "
                    + (name == null ? "null" : "'" + name + "'"));
        }
        String what = "GGUF tensor '" + name + "' " + type + " " + java.util.Arrays.toString(shape);
        if (shape.length < 1 || shape.length > MAX_DIMS) throw new IllegalArgumentException(what + ": expected 1.." + MAX_DIMS + " dimensions");
        long elements = 1;
        for (int d : shape) {
            if (d <= 0) throw new IllegalArgumentException(what + ": dimensions must be positive");
            elements *= d; // ≤ 4 factors below 2^31: no overflow
        }
        int row = shape[shape.length - 1];
        if (row % type.blockSize() != 0) {
            throw new IllegalArgumentException(what + ": row length " + row + " is not a multiple of the block size " + type.blockSize());
        }
        try {
            return Math.multiplyExact(elements / type.blockSize(), (long) type.blockBytes());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(what + ": byte size overflows");
        }
    }

    private static int alignment(GgufValue v) {
        long a = switch (v.type()) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> ((Number) v.value()).longValue();
            default -> -1;
        };
        if (a <= 0 || a > GgufParser.MAX_ALIGNMENT || Long.bitCount(a) != 1) {
            throw new IllegalArgumentException("general.alignment must be an integer power of two ≤ "
                    + GgufParser.MAX_ALIGNMENT + ", got " + v.type() + " " + v.describe());
        }
        return (int) a;
    }

    // ---------------------------------------------------------------- writing

    public void write(Path path) throws IOException {
        GgufValue a = metadata.get("general.alignment");
        int alignment = a == null ? DEFAULT_ALIGNMENT : alignment(a);
        Path target = path.toAbsolutePath();
        Path tmp = createTemporary(target);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                LittleEndianOut out = new LittleEndianOut(ch);
                writeHeader(out, alignment);
                for (var e : tensors.entrySet()) {
                    out.flush();
                    CountingChannel data = new CountingChannel(ch, e.getValue().byteSize());
                    e.getValue().data().writeTo(data);
                    data.close();
                    if (data.written != e.getValue().byteSize()) {
                        throw new IllegalStateException("GGUF tensor '" + e.getKey() + "': its data source wrote "
                                + data.written + " bytes, expected " + e.getValue().byteSize());
                    }
                    out.position += data.written;
                    out.pad(alignment);
                }
                out.flush();
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error ex) {
            Files.deleteIfExists(tmp);
            throw ex;
        }
    }

    /**
     * A new file next to {@code target}. Not Files.createTempFile: that makes the file
     * owner-only (0600), and the renamed model would keep those permissions; createFile
     * gives the usual ones (umask applies).
     */
    private static Path createTemporary(Path target) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = target.resolveSibling("." + target.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt == 10) throw e;
            }
        }
    }

    private void writeHeader(LittleEndianOut out, int alignment) throws IOException {
        out.u32(GgufParser.MAGIC);
        out.u32(3);
        out.u64(tensors.size());
        out.u64(metadata.size());
        for (var e : metadata.entrySet()) {
            out.string(e.getKey());
            out.u32(e.getValue().type().ordinal());
            GgufValueWriter.write(out, e.getValue());
        }
        long offset = 0;
        for (var e : tensors.entrySet()) {
            Entry t = e.getValue();
            out.string(e.getKey());
            out.u32(t.shape().length);
            for (int d = t.shape().length - 1; d >= 0; d--) out.u64(t.shape()[d]); // ne[0] is the innermost
            out.u32(t.type().id());
            out.u64(offset);
            offset = GgufParser.alignUp(offset + t.byteSize(), alignment);
        }
        // A file without tensors has no data section to align (llama.cpp's vocab files end here).
        if (!tensors.isEmpty()) out.pad(alignment);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Buffered little-endian output that knows its file position (for padding). */
    static final class LittleEndianOut {
        private final WritableByteChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        long position;

        LittleEndianOut(WritableByteChannel ch) {
            this.ch = ch;
        }

        private ByteBuffer room(int n) throws IOException {
            if (buf.remaining() < n) flush();
            position += n;
            return buf;
        }

        void u8(int v) throws IOException {
            room(1).put((byte) v);
        }

        void u16(int v) throws IOException {
            room(2).putShort((short) v);
        }

        void u32(long v) throws IOException {
            room(4).putInt((int) v);
        }

        void u64(long v) throws IOException {
            room(8).putLong(v);
        }

        void f32(float v) throws IOException {
            room(4).putInt(Float.floatToRawIntBits(v));
        }

        void f64(double v) throws IOException {
            room(8).putLong(Double.doubleToRawLongBits(v));
        }

        void string(String s) throws IOException {
            byte[] b = utf8(s);
            u64(b.length);
            for (int i = 0; i < b.length; ) {
                int k = Math.min(b.length - i, buf.capacity());
                room(k).put(b, i, k);
                i += k;
            }
        }

        void pad(int alignment) throws IOException {
            while (position % alignment != 0) u8(0);
        }

        void flush() throws IOException {
            buf.flip();
            writeFully(ch, buf);
            buf.clear();
        }
    }

    /** What a {@link TensorData} callback sees: writes only, at most the tensor's size. */
    private static final class CountingChannel implements WritableByteChannel {
        private final WritableByteChannel ch;
        private final long limit;
        long written;
        private boolean open = true;

        CountingChannel(WritableByteChannel ch, long limit) {
            this.ch = ch;
            this.limit = limit;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (!open) throw new ClosedChannelException();
            if (src.remaining() > limit - written) {
                throw new IllegalStateException("GGUF tensor data source wrote more than the tensor's " + limit + " bytes");
            }
            int n = ch.write(src);
            written += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false; // the file channel stays open: it belongs to the writer
        }
    }
}
