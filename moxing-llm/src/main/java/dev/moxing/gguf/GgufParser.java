package dev.moxing.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a GGUF header (v2 or v3) from a mapped file, checking every count, length and offset
 * against the bytes that remain before using it: a hostile file gets a {@link GgufFormatException}
 * naming the field and value, never an out-of-memory error, a hang or an index exception.
 * Allocation is bounded by the file size (each element counted needs at least one byte of file).
 */
final class GgufParser {
    static final int MAGIC = 0x46554747; // "GGUF" little-endian
    private static final int MAX_DIMS = 4;
    /** Arrays of arrays nest at most this deep (the writer refuses deeper values). */
    static final int MAX_NESTING = 8;
    static final int MAX_ALIGNMENT = 1 << 20;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final MemorySegment file;
    private final long size;
    private long pos;
    /** What is being read, for error messages ("metadata key 'general.name'", "tensor 3 'x'"). */
    private String where = "header";

    record Header(int version, Map<String, GgufValue> metadata, Map<String, GgufTensorInfo> tensors,
                  int alignment, long dataStart) {
    }

    GgufParser(Path path, MemorySegment file) {
        this.path = path;
        this.file = file;
        this.size = file.byteSize();
    }

    Header parse() throws GgufFormatException {
        if (size < 4 || file.get(INT, 0) != MAGIC) {
            throw fail("not a GGUF file (magic " + (size < 4 ? "missing" : String.format("0x%08x", file.get(INT, 0)))
                    + ", expected \"GGUF\")");
        }
        pos = 4;
        int version = u32AsInt("version");
        if (version == 1) throw fail("GGUF version 1 is not supported (only 2 and 3)");
        if (version != 2 && version != 3) {
            int swapped = Integer.reverseBytes(version);
            throw fail("unsupported GGUF version " + version + (swapped >= 1 && swapped <= 3
                    ? " (a big-endian file? only little-endian GGUF is supported)" : " (expected 2 or 3)"));
        }
        long tensorCount = u64("tensor_count");
        long kvCount = u64("metadata_kv_count");
        // The smallest key/value takes 8 (key length) + 4 (type) + 1 bytes; the smallest tensor info 32.
        checkCount("metadata_kv_count", kvCount, 13);
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            where = "metadata entry " + i;
            String key = string("key");
            where = "metadata key '" + key + "'";
            long typeId = u32("value type");
            GgufValue.Type type = GgufValue.Type.byId(typeId);
            if (type == null) throw fail("unknown value type " + typeId);
            GgufValue value = value(type, 0);
            if (metadata.putIfAbsent(key, value) != null) throw fail("duplicate key");
        }
        where = "header";
        checkCount("tensor_count", tensorCount, 32);
        int alignment = 32;
        GgufValue a = metadata.get("general.alignment");
        if (a != null) {
            // An integer type only: a float such as 32.5 must not pass as its truncation.
            long v = a.type() != GgufValue.Type.FLOAT32 && a.type() != GgufValue.Type.FLOAT64
                    && a.value() instanceof Number n ? n.longValue() : -1;
            if (v <= 0 || v > MAX_ALIGNMENT || Long.bitCount(v) != 1) {
                throw fail("general.alignment must be a power of two (≤ 1 MiB), got " + a.describe());
            }
            alignment = (int) v;
        }
        Map<String, GgufTensorInfo> infos = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            where = "tensor " + i;
            String name = string("name");
            where = "tensor '" + name + "'";
            long nDims = u32("n_dims");
            if (nDims < 1 || nDims > MAX_DIMS) throw fail("n_dims " + nDims + " (expected 1.." + MAX_DIMS + ")");
            long[] ne = new long[(int) nDims];
            for (int d = 0; d < nDims; d++) ne[d] = u64("ne[" + d + "]");
            long typeId = u32("type");
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) throw fail("unknown tensor type " + typeId);
            long offset = u64("offset");
            infos.put(name, tensorInfo(name, ne, type, offset, alignment));
            if (infos.size() != i + 1) throw fail("duplicate tensor name");
        }
        where = "header";
        long dataStart = alignUp(pos, alignment);
        if (tensorCount > 0 && dataStart > size) throw fail("data section starts at " + dataStart + ", past the end of the file (" + size + " bytes)");
        long dataBytes = size - Math.min(size, dataStart);
        for (GgufTensorInfo t : infos.values()) {
            if (t.offset() > dataBytes || t.byteSize() > dataBytes - t.offset()) {
                where = "tensor '" + t.name() + "'";
                throw fail("data [" + t.offset() + ", " + (t.offset() + t.byteSize()) + ") lies past the end of the data section ("
                        + dataBytes + " bytes; is the file truncated?)");
            }
        }
        return new Header(version, metadata, infos, alignment, dataStart);
    }

    private GgufTensorInfo tensorInfo(String name, long[] ne, GgmlType type, long offset, int alignment)
            throws GgufFormatException {
        long elements = 1;
        int[] shape = new int[ne.length];
        for (int d = 0; d < ne.length; d++) {
            if (ne[d] <= 0 || ne[d] > Integer.MAX_VALUE) throw fail("ne[" + d + "] = " + Long.toUnsignedString(ne[d]) + " is not a valid dimension");
            if (elements > Long.MAX_VALUE / ne[d]) throw fail("element count overflows");
            elements *= ne[d];
            shape[ne.length - 1 - d] = (int) ne[d];
        }
        if (ne[0] % type.blockSize() != 0) {
            throw fail("row length ne[0] = " + ne[0] + " is not a multiple of the " + type + " block size " + type.blockSize());
        }
        long blocks = elements / type.blockSize();
        if (blocks > Long.MAX_VALUE / type.blockBytes()) throw fail("byte size overflows");
        long bytes = blocks * type.blockBytes();
        if (bytes > size) throw fail(bytes + " bytes of data cannot fit in a " + size + "-byte file");
        if (offset < 0 || offset % alignment != 0) {
            throw fail("offset " + Long.toUnsignedString(offset) + " is not a multiple of the alignment " + alignment);
        }
        return new GgufTensorInfo(name, type, shape, offset, bytes);
    }

    private GgufValue value(GgufValue.Type type, int depth) throws GgufFormatException {
        return switch (type) {
            case UINT8 -> new GgufValue(type, null, (int) u8());
            case INT8 -> new GgufValue(type, null, (int) (byte) u8());
            case UINT16 -> new GgufValue(type, null, (int) (char) i16());
            case INT16 -> new GgufValue(type, null, (int) i16());
            case UINT32 -> new GgufValue(type, null, u32("value"));
            case INT32 -> new GgufValue(type, null, i32());
            case FLOAT32 -> new GgufValue(type, null, f32());
            case BOOL -> new GgufValue(type, null, bool());
            case STRING -> new GgufValue(type, null, string("value"));
            case UINT64, INT64 -> new GgufValue(type, null, u64("value"));
            case FLOAT64 -> new GgufValue(type, null, f64());
            case ARRAY -> array(depth);
        };
    }

    private GgufValue array(int depth) throws GgufFormatException {
        if (depth >= MAX_NESTING) throw fail("arrays nested deeper than " + MAX_NESTING);
        long typeId = u32("array element type");
        GgufValue.Type et = GgufValue.Type.byId(typeId);
        if (et == null) throw fail("unknown array element type " + typeId);
        long n = u64("array length");
        checkCount("array length", n, et.minBytes);
        int len = (int) n;
        Object array = switch (et) {
            case UINT8, INT8, UINT16, INT16, INT32 -> {
                int[] a = new int[len];
                for (int i = 0; i < len; i++) a[i] = (Integer) value(et, depth).value();
                yield a;
            }
            case UINT32, UINT64, INT64 -> {
                long[] a = new long[len];
                for (int i = 0; i < len; i++) a[i] = ((Number) value(et, depth).value()).longValue();
                yield a;
            }
            case FLOAT32 -> {
                float[] a = new float[len];
                for (int i = 0; i < len; i++) a[i] = f32();
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[len];
                for (int i = 0; i < len; i++) a[i] = f64();
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[len];
                for (int i = 0; i < len; i++) a[i] = bool();
                yield a;
            }
            case STRING -> {
                String[] a = new String[len];
                for (int i = 0; i < len; i++) a[i] = string("array element " + i);
                yield a;
            }
            case ARRAY -> {
                GgufValue[] a = new GgufValue[len];
                for (int i = 0; i < len; i++) a[i] = array(depth + 1);
                yield a;
            }
        };
        return GgufValue.ofArray(et, array);
    }

    /** A count of items that each take at least {@code minBytes} bytes must fit in the rest of the file. */
    private void checkCount(String field, long n, int minBytes) throws GgufFormatException {
        long remaining = size - pos;
        if (n < 0 || n > remaining / minBytes || n > Integer.MAX_VALUE - 8) {
            throw fail(field + " " + Long.toUnsignedString(n) + " cannot fit in the remaining " + remaining + " bytes");
        }
    }

    private void need(long bytes, String field) throws GgufFormatException {
        if (bytes > size - pos) throw fail("file ends inside " + field + " at byte " + pos + " (file is " + size + " bytes; truncated?)");
    }

    private int u8() throws GgufFormatException {
        need(1, "a value");
        return Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, pos++));
    }

    private boolean bool() throws GgufFormatException {
        int b = u8();
        if (b > 1) throw fail("bool value " + b + " (expected 0 or 1)");
        return b == 1;
    }

    private short i16() throws GgufFormatException {
        need(2, "a value");
        short v = file.get(SHORT, pos);
        pos += 2;
        return v;
    }

    private int i32() throws GgufFormatException {
        need(4, "a value");
        int v = file.get(INT, pos);
        pos += 4;
        return v;
    }

    private long u32(String field) throws GgufFormatException {
        need(4, field);
        long v = Integer.toUnsignedLong(file.get(INT, pos));
        pos += 4;
        return v;
    }

    private int u32AsInt(String field) throws GgufFormatException {
        return (int) u32(field);
    }

    private long u64(String field) throws GgufFormatException {
        need(8, field);
        long v = file.get(LONG, pos);
        pos += 8;
        return v;
    }

    private float f32() throws GgufFormatException {
        need(4, "a value");
        float v = file.get(FLOAT, pos);
        pos += 4;
        return v;
    }

    private double f64() throws GgufFormatException {
        need(8, "a value");
        double v = file.get(DOUBLE, pos);
        pos += 8;
        return v;
    }

    private String string(String field) throws GgufFormatException {
        long n = u64(field + " length");
        if (n < 0 || n > size - pos) {
            throw fail(field + " length " + Long.toUnsignedString(n) + " runs past the end of the file (" + (size - pos) + " bytes left)");
        }
        // Only a file over 2 GiB can get here; a Java array cannot hold the string.
        if (n > Integer.MAX_VALUE - 8) throw fail(field + " length " + n + " is too long for a string");
        byte[] bytes = file.asSlice(pos, n).toArray(ValueLayout.JAVA_BYTE);
        pos += n;
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            // Some vocabularies hold byte pieces that are not valid UTF-8 on their own; keep them
            // readable rather than rejecting the file (same replacement as llama.cpp's printing).
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    static long alignUp(long x, long alignment) {
        return (x + alignment - 1) / alignment * alignment;
    }

    private GgufFormatException fail(String message) {
        return new GgufFormatException(path, where + ": " + message);
    }
}
