package dev.moxing.tokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes metadata-only GGUF v3 files, so tests can hand the loader any metadata, hostile included. */
final class GgufMetadataWriter {

    private final Map<String, Object> kv = new LinkedHashMap<>();

    /** Values: String, Integer (int32), Long (uint32), Float, Boolean, String[], int[] (int32), float[]. */
    GgufMetadataWriter put(String key, Object value) {
        kv.put(key, value);
        return this;
    }

    GgufMetadataWriter remove(String key) {
        kv.remove(key);
        return this;
    }

    Path write(Path file) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        u32(out, 3);
        u64(out, 0);          // tensors
        u64(out, kv.size());
        for (Map.Entry<String, Object> e : kv.entrySet()) {
            string(out, e.getKey());
            switch (e.getValue()) {
                case String s -> { u32(out, 8); string(out, s); }
                case Integer i -> { u32(out, 5); u32(out, i); }
                case Long l -> { u32(out, 4); u32(out, (int) (long) l); }
                case Float f -> { u32(out, 6); u32(out, Float.floatToIntBits(f)); }
                case Boolean b -> { u32(out, 7); out.write(b ? 1 : 0); }
                case String[] a -> { u32(out, 9); u32(out, 8); u64(out, a.length); for (String s : a) string(out, s); }
                case int[] a -> { u32(out, 9); u32(out, 5); u64(out, a.length); for (int i : a) u32(out, i); }
                case float[] a -> { u32(out, 9); u32(out, 6); u64(out, a.length); for (float f : a) u32(out, Float.floatToIntBits(f)); }
                default -> throw new IllegalArgumentException("unsupported value " + e.getValue());
            }
        }
        while (out.size() % 32 != 0) out.write(0);
        Files.write(file, out.toByteArray());
        return file;
    }

    private static void string(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(out, b.length);
        out.writeBytes(b);
    }

    private static void u32(ByteArrayOutputStream out, int v) {
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    private static void u64(ByteArrayOutputStream out, long v) {
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }
}
