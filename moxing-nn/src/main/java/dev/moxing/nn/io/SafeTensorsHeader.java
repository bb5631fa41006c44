package dev.moxing.nn.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Shape;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The parsed and validated header of a safetensors file: tensor entries in header order, the
 * string metadata, and where the data section starts. {@link #parse} checks everything a reader
 * needs against the file size before any tensor is touched, so a corrupt or hostile file fails
 * with a message instead of an out-of-bounds read or a huge allocation.
 *
 * @param dataStart byte offset of the data section (8 + header length); entry offsets are relative to it
 */
public record SafeTensorsHeader(List<Entry> tensors, Map<String, String> metadata, long dataStart) {

    /** One tensor: data_offsets [begin, end) relative to the data section. */
    public record Entry(String name, DType dtype, int[] shape, long begin, long end) {
        public long byteSize() {
            return end - begin;
        }
    }

    /** A header longer than this is refused (the format's reference implementation uses the same bound). */
    public static final long MAX_HEADER_BYTES = 100L * 1000 * 1000;

    static final String METADATA = "__metadata__";

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** The dtype names of the format that map to a Moxing dtype. */
    static DType dtype(String name) {
        return switch (name) {
            case "F32" -> DType.F32;
            case "F16" -> DType.F16;
            case "BF16" -> DType.BF16;
            case "I32" -> DType.I32;
            case "I8" -> DType.I8;
            default -> null;
        };
    }

    static String dtypeName(DType t) {
        return switch (t) {
            case F32, F16, BF16, I32, I8 -> t.name();
            default -> null;
        };
    }

    static long elementBytes(DType t) {
        return t.bytesFor(1);
    }

    /**
     * Validates the header length against the file size first, then the JSON, then every entry.
     * headerLength is the raw little-endian u64 (negative when it does not fit a signed long).
     */
    static SafeTensorsHeader parse(String file, long fileSize, long headerLength, HeaderBytes reader)
            throws IOException {
        if (headerLength < 0 || headerLength > fileSize - 8) {
            throw new SafeTensorsFormatException(file + ": header length " + Long.toUnsignedString(headerLength)
                    + " exceeds the file (" + fileSize + " bytes, so at most " + (fileSize - 8) + ")");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new SafeTensorsFormatException(file + ": header length " + headerLength + " is over the "
                    + MAX_HEADER_BYTES + "-byte limit");
        }
        if (headerLength < 2) {
            throw new SafeTensorsFormatException(file + ": header length " + headerLength + " is too short for a JSON object");
        }
        byte[] bytes = reader.read((int) headerLength);
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JacksonException e) {
            throw new SafeTensorsFormatException(file + ": header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new SafeTensorsFormatException(file + ": header must be a JSON object, got "
                    + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase(Locale.ROOT)));
        }
        long dataSize = fileSize - 8 - headerLength;
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (var field : root.properties()) {
            String name = field.getKey();
            JsonNode v = field.getValue();
            if (name.equals(METADATA)) {
                parseMetadata(file, v, metadata);
            } else {
                entries.add(parseEntry(file, name, v, dataSize));
            }
        }
        checkOverlaps(file, entries);
        return new SafeTensorsHeader(List.copyOf(entries), Collections.unmodifiableMap(metadata), 8 + headerLength);
    }

    /** Reads the n header bytes that follow the 8-byte length. */
    @FunctionalInterface
    interface HeaderBytes {
        byte[] read(int n) throws IOException;
    }

    private static void parseMetadata(String file, JsonNode v, Map<String, String> out)
            throws SafeTensorsFormatException {
        if (!v.isObject()) {
            throw new SafeTensorsFormatException(file + ": " + METADATA + " must be an object of strings, got " + v);
        }
        for (var e : v.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafeTensorsFormatException(file + ": " + METADATA + " entry '" + e.getKey()
                        + "' must be a string, got " + e.getValue());
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
    }

    private static Entry parseEntry(String file, String name, JsonNode v, long dataSize)
            throws SafeTensorsFormatException {
        String where = file + ": tensor '" + name + "'";
        if (!v.isObject()) throw new SafeTensorsFormatException(where + ": entry must be an object, got " + v);
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new SafeTensorsFormatException(where + ": dtype must be a string, got " + dt);
        }
        DType dtype = dtype(dt.textValue());
        if (dtype == null) {
            throw new SafeTensorsFormatException(where + ": dtype '" + dt.textValue()
                    + "' is not supported (supported: F32, F16, BF16, I32, I8)");
        }
        JsonNode sh = v.get("shape");
        if (sh == null || !sh.isArray()) {
            throw new SafeTensorsFormatException(where + ": shape must be an array of integers, got " + sh);
        }
        int[] shape = new int[sh.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            long d = nonNegative(where, "shape", sh.get(i), sh);
            numel *= d;
            if (d > Integer.MAX_VALUE || numel > Integer.MAX_VALUE) {
                throw new SafeTensorsFormatException(where + ": shape " + sh + " has more than 2^31-1 elements");
            }
            shape[i] = (int) d;
        }
        JsonNode off = v.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2) {
            throw new SafeTensorsFormatException(where + ": data_offsets must be [begin, end], got " + off);
        }
        long begin = nonNegative(where, "data_offsets", off.get(0), off);
        long end = nonNegative(where, "data_offsets", off.get(1), off);
        if (begin > end) {
            throw new SafeTensorsFormatException(where + ": data_offsets " + off + " begin after end");
        }
        if (end > dataSize) {
            throw new SafeTensorsFormatException(where + ": data_offsets " + off + " end past the data section ("
                    + dataSize + " bytes)");
        }
        long need = numel * elementBytes(dtype);
        if (end - begin != need) {
            throw new SafeTensorsFormatException(where + ": shape " + Shape.str(shape) + " of " + dtype + " needs "
                    + need + " bytes but data_offsets " + off + " span " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static long nonNegative(String where, String field, JsonNode n, JsonNode whole)
            throws SafeTensorsFormatException {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw new SafeTensorsFormatException(where + ": " + field + " " + whole
                    + " must hold non-negative integers, found " + n);
        }
        return n.longValue();
    }

    private static void checkOverlaps(String file, List<Entry> entries) throws SafeTensorsFormatException {
        Entry[] sorted = entries.stream().filter(e -> e.byteSize() > 0).toArray(Entry[]::new);
        Arrays.sort(sorted, Comparator.comparingLong(Entry::begin));
        for (int i = 1; i < sorted.length; i++) {
            Entry a = sorted[i - 1], b = sorted[i];
            if (b.begin() < a.end()) {
                throw new SafeTensorsFormatException(file + ": tensors '" + a.name() + "' [" + a.begin() + ", "
                        + a.end() + "] and '" + b.name() + "' [" + b.begin() + ", " + b.end() + "] overlap");
            }
        }
    }
}
