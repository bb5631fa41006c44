package dev.moxing.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One metadata value with its GGUF type, kept so that a file can be rewritten with the same
 * types. Scalars are boxed (unsigned 8/16-bit and 32-bit as int/long holding the unsigned value,
 * uint64 as a long bit pattern); arrays are primitive arrays ({@code int[]} for 8/16/32-bit
 * signed and 8/16-bit unsigned, {@code long[]} for uint32 and 64-bit, {@code float[]},
 * {@code double[]}, {@code boolean[]}, {@code String[]}) or {@code GgufValue[]} for nested arrays.
 */
public record GgufValue(Type type, Type elementType, Object value) {

    /** GGUF metadata value types, numbered as in the file. */
    public enum Type {
        UINT8(1), INT8(1), UINT16(2), INT16(2), UINT32(4), INT32(4), FLOAT32(4), BOOL(1), STRING(8), ARRAY(12),
        UINT64(8), INT64(8), FLOAT64(8);

        /** The fewest bytes one value of this type takes in a file (a string's or array's header). */
        final int minBytes;

        Type(int minBytes) {
            this.minBytes = minBytes;
        }

        static Type byId(long id) {
            return id >= 0 && id < values().length ? values()[(int) id] : null;
        }
    }

    public static GgufValue of(String s) {
        return new GgufValue(Type.STRING, null, s);
    }

    public static GgufValue ofUint32(long v) {
        return new GgufValue(Type.UINT32, null, v);
    }

    public static GgufValue ofInt32(int v) {
        return new GgufValue(Type.INT32, null, v);
    }

    public static GgufValue ofFloat32(float v) {
        return new GgufValue(Type.FLOAT32, null, v);
    }

    public static GgufValue ofBool(boolean v) {
        return new GgufValue(Type.BOOL, null, v);
    }

    public static GgufValue ofArray(Type elementType, Object array) {
        return new GgufValue(Type.ARRAY, elementType, array);
    }

    public static GgufValue ofUint64(long v) {
        return new GgufValue(Type.UINT64, null, v);
    }

    public static GgufValue ofInt64(long v) {
        return new GgufValue(Type.INT64, null, v);
    }

    /**
     * Values compare by content, arrays included (a record compares array components by
     * identity), so that a file read back can be checked against what was written.
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof GgufValue v && type == v.type && elementType == v.elementType
                && Objects.deepEquals(value, v.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, elementType, Arrays.deepHashCode(new Object[] {value}));
    }

    @Override
    public String toString() {
        return (type == Type.ARRAY ? "" : type + " ") + describe();
    }

    /** Number of elements of an array value. */
    public int length() {
        return switch (value) {
            case int[] a -> a.length;
            case long[] a -> a.length;
            case float[] a -> a.length;
            case double[] a -> a.length;
            case boolean[] a -> a.length;
            case Object[] a -> a.length;
            default -> throw new IllegalStateException("not an array: " + type);
        };
    }

    /** A short human-readable form (arrays abbreviated), for {@code moxing inspect}. */
    public String describe() {
        if (type != Type.ARRAY) return value instanceof String s ? quote(s) : String.valueOf(value);
        int n = length();
        StringBuilder sb = new StringBuilder("[" + elementType.name().toLowerCase() + " × " + n + "]");
        if (n > 0) {
            sb.append(' ');
            String items = switch (value) {
                case int[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(n, 5)));
                case long[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(n, 5)));
                case float[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(n, 5)));
                case double[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(n, 5)));
                case boolean[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(n, 5)));
                case String[] a -> Arrays.stream(a, 0, Math.min(n, 5)).map(GgufValue::quote).toList().toString();
                case GgufValue[] a -> Arrays.stream(a, 0, Math.min(n, 3)).map(GgufValue::describe).toList().toString();
                default -> "?";
            };
            sb.append(n > 5 ? items.substring(0, items.length() - 1) + ", …]" : items);
        }
        return sb.toString();
    }

    private static String quote(String s) {
        String shown = s.length() > 80 ? s.substring(0, 80) + "…" : s;
        return '"' + shown.replace("\\", "\\\\").replace("\n", "\\n").replace("\"", "\\\"") + '"';
    }
}
