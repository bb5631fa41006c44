package dev.moxing.nn.io;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Storage;
import dev.moxing.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors format (Hugging Face), Moxing's native weight file:
 *
 * <pre>
 *   u64 little-endian N | N bytes of JSON header, space-padded | data section
 *   header: {"__metadata__": {"k": "v", ...},
 *            "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
 * </pre>
 *
 * Offsets are relative to the data section; data is raw little-endian and row-major.
 *
 * <p>Reading memory-maps the file and builds tensors over the mapping without copying (a tensor
 * keeps the file's dtype: F32, F16, BF16 or I8; ops convert to F32 when they need to); I32 tensors
 * are copied to the heap (see {@link #heapInts}). The
 * header is validated against the file size before anything is mapped or allocated (see
 * {@link SafeTensorsHeader}). Writing goes to a temporary file in the same directory, forced to
 * disk, then atomically renamed over the target: a crash mid-write never leaves a torn checkpoint.
 */
public final class SafeTensors {
    private SafeTensors() {
    }

    private static final JsonMapper JSON = new JsonMapper();
    /** Bytes converted per write call. */
    private static final int CHUNK = 1 << 20;

    // ---------------------------------------------------------------- reading

    /** All tensors, in header order, over a read-only memory mapping of the file. */
    public static Map<String, Tensor> read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            SafeTensorsHeader header = header(path, ch);
            // Arena.ofAuto: the mapping lives as long as some tensor still references it.
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.ofAuto());
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (SafeTensorsHeader.Entry e : header.tensors()) {
                MemorySegment data = file.asSlice(header.dataStart() + e.begin(), e.byteSize());
                out.put(e.name(), e.dtype() == DType.I32 ? heapInts(data, e.shape())
                        : Tensor.fromSegment(data, e.dtype(), e.shape()));
            }
            return out;
        }
    }

    /**
     * I32 entries are copied to the heap: the core converts an I32 segment through float32
     * (Tensor.toIntArray on segment storage), which would round ids above 2^24. Index tensors are
     * small, so the copy costs nothing that matters.
     */
    private static Tensor heapInts(MemorySegment data, int[] shape) {
        int[] v = new int[Math.toIntExact(data.byteSize() / 4)];
        MemorySegment.copy(data, LE_INT, 0, v, 0, v.length);
        return Tensor.ofInts(v, shape);
    }

    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The header alone (entries and metadata), validated; no tensor data is read. */
    public static SafeTensorsHeader readHeader(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return header(path, ch);
        }
    }

    /** The "__metadata__" map (empty when absent). */
    public static Map<String, String> readMetadata(Path path) throws IOException {
        return readHeader(path).metadata();
    }

    private static SafeTensorsHeader header(Path path, FileChannel ch) throws IOException {
        String file = path.toString();
        long size = ch.size();
        if (size < 8) {
            throw new SafeTensorsFormatException(file + ": file is " + size
                    + " bytes, too short for the 8-byte header length");
        }
        long headerLength = readFully(ch, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return SafeTensorsHeader.parse(file, size, headerLength, n -> readFully(ch, 8, n).array());
    }

    private static ByteBuffer readFully(FileChannel ch, long position, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        while (buf.hasRemaining()) {
            int r = ch.read(buf, position + buf.position());
            if (r < 0) throw new IOException("unexpected end of file at byte " + (position + buf.position()));
        }
        return buf.flip();
    }

    // ---------------------------------------------------------------- writing

    public static void write(Path path, Map<String, Tensor> tensors) throws IOException {
        write(path, tensors, Map.of());
    }

    /**
     * Writes tensors (in map order) and string metadata (may be null or empty). F32 and I32 tensors
     * of any layout are written as row-major data; F16, BF16 and I8 tensors (memory-mapped ones) must
     * be contiguous and are written byte for byte.
     */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject(SafeTensorsHeader.METADATA);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (var e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name == null || name.equals(SafeTensorsHeader.METADATA)) {
                throw new IllegalArgumentException("SafeTensors.write: invalid tensor name '" + name + "'");
            }
            String dtype = SafeTensorsHeader.dtypeName(t.dtype());
            if (dtype == null) {
                throw new IllegalArgumentException("SafeTensors.write: tensor '" + name + "' has dtype " + t.dtype()
                        + ", which safetensors cannot hold");
            }
            long bytes = (long) t.numel() * SafeTensorsHeader.elementBytes(t.dtype());
            ObjectNode entry = header.putObject(name);
            entry.put("dtype", dtype);
            var shape = entry.putArray("shape");
            for (int d : t.shape()) shape.add(d);
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 8 + 7) / 8 * 8 - 8; // header + length prefix end on an 8-byte boundary
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');

        Path target = path.toAbsolutePath();
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).flip();
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(headerBytes));
                ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
                for (var e : tensors.entrySet()) writeData(ch, e.getKey(), e.getValue(), buf);
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error ex) {
            Files.deleteIfExists(tmp);
            throw ex;
        }
    }

    private static void writeData(FileChannel ch, String name, Tensor t, ByteBuffer buf) throws IOException {
        int n = t.numel();
        switch (t.dtype()) {
            case F32 -> {
                float[] data;
                int off;
                if (t.storage() instanceof Storage.Floats && t.isContiguous()) {
                    data = t.buffer(); // no copy for the common case: a parameter
                    off = t.offset();
                } else {
                    data = t.toFloatArray();
                    off = 0;
                }
                for (int i = 0; i < n; ) {
                    int k = Math.min(n - i, CHUNK / 4);
                    buf.clear();
                    buf.asFloatBuffer().put(data, off + i, k);
                    buf.limit(k * 4);
                    writeFully(ch, buf);
                    i += k;
                }
            }
            case I32 -> {
                if (t.storage() instanceof Storage.Segment) { // raw bytes: toIntArray would go through float32
                    writeRaw(ch, name, t, buf);
                    return;
                }
                int[] data = t.toIntArray();
                for (int i = 0; i < n; ) {
                    int k = Math.min(n - i, CHUNK / 4);
                    buf.clear();
                    buf.asIntBuffer().put(data, i, k);
                    buf.limit(k * 4);
                    writeFully(ch, buf);
                    i += k;
                }
            }
            default -> writeRaw(ch, name, t, buf);
        }
    }

    /** A contiguous segment-backed tensor, byte for byte. */
    private static void writeRaw(FileChannel ch, String name, Tensor t, ByteBuffer buf) throws IOException {
        if (!(t.storage() instanceof Storage.Segment s) || !t.isContiguous()) {
            throw new IllegalArgumentException("SafeTensors.write: tensor '" + name + "' (" + t.dtype()
                    + ") must be a contiguous memory-mapped or off-heap tensor");
        }
        long es = SafeTensorsHeader.elementBytes(t.dtype());
        MemorySegment src = s.segment().asSlice(t.offset() * es, t.numel() * es);
        for (long i = 0; i < src.byteSize(); ) {
            int k = (int) Math.min(src.byteSize() - i, CHUNK);
            buf.clear();
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, i, MemorySegment.ofBuffer(buf), ValueLayout.JAVA_BYTE, 0, k);
            buf.limit(k);
            writeFully(ch, buf);
            i += k;
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}
