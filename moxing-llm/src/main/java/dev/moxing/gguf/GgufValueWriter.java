package dev.moxing.gguf;

import java.io.IOException;

/**
 * Checks and encodes metadata values for {@link GgufWriter}. {@link GgufValue} is an open
 * record, so a value built by hand can disagree with its declared type (a UINT8 of 300, an
 * INT32 holding a String); it is refused when put, not discovered halfway through a write.
 * The Java representation per type is the one {@link GgufParser} produces.
 */
final class GgufValueWriter {
    private GgufValueWriter() {
    }

    static void check(String key, GgufValue v) {
        check(key, v, 0);
    }

    private static void check(String key, GgufValue v, int depth) {
        if (v == null || v.type() == null) throw bad(key, "value and its type must not be null");
        if (v.type() != GgufValue.Type.ARRAY) {
            if (v.elementType() != null) throw bad(key, v.type() + " value with an element type " + v.elementType());
            checkScalar(key, v.type(), v.value());
            return;
        }
        if (depth >= GgufParser.MAX_NESTING) throw bad(key, "arrays nested deeper than " + GgufParser.MAX_NESTING);
        GgufValue.Type et = v.elementType();
        if (et == null) throw bad(key, "array without an element type");
        Object a = v.value();
        boolean ok = switch (et) {
            case UINT8, INT8, UINT16, INT16, INT32 -> a instanceof int[];
            case UINT32, UINT64, INT64 -> a instanceof long[];
            case FLOAT32 -> a instanceof float[];
            case FLOAT64 -> a instanceof double[];
            case BOOL -> a instanceof boolean[];
            case STRING -> a instanceof String[];
            case ARRAY -> a instanceof GgufValue[];
        };
        if (!ok) throw bad(key, "array of " + et + " holds " + (a == null ? "null" : a.getClass().getSimpleName()));
        switch (a) {
            case int[] ints -> {
                for (int x : ints) checkScalar(key, et, x);
            }
            case long[] longs when et == GgufValue.Type.UINT32 -> {
                for (long x : longs) checkScalar(key, et, x);
            }
            case String[] strings -> {
                for (String s : strings) checkScalar(key, et, s);
            }
            case GgufValue[] nested -> {
                for (GgufValue n : nested) {
                    if (n == null || n.type() != GgufValue.Type.ARRAY) throw bad(key, "an array of ARRAY holds a non-array element");
                    check(key, n, depth + 1);
                }
            }
            default -> {
            }
        }
    }

    private static void checkScalar(String key, GgufValue.Type t, Object x) {
        boolean ok = switch (t) {
            case UINT8 -> x instanceof Integer i && i >= 0 && i <= 0xFF;
            case INT8 -> x instanceof Integer i && i >= Byte.MIN_VALUE && i <= Byte.MAX_VALUE;
            case UINT16 -> x instanceof Integer i && i >= 0 && i <= 0xFFFF;
            case INT16 -> x instanceof Integer i && i >= Short.MIN_VALUE && i <= Short.MAX_VALUE;
            case INT32 -> x instanceof Integer;
            case UINT32 -> x instanceof Long l && l >= 0 && l <= 0xFFFF_FFFFL;
            case UINT64, INT64 -> x instanceof Long;
            case FLOAT32 -> x instanceof Float;
            case FLOAT64 -> x instanceof Double;
            case BOOL -> x instanceof Boolean;
            case STRING -> x instanceof String;
            case ARRAY -> false;
        };
        if (!ok) throw bad(key, t + " cannot hold " + (x == null ? "null" : x.getClass().getSimpleName() + " " + x));
    }

    private static IllegalArgumentException bad(String key, String message) {
        return new IllegalArgumentException("GGUF metadata key '" + key + "': " + message);
    }

    /** The value's encoding after its type id (which the caller writes for top-level values). */
    static void write(GgufWriter.LittleEndianOut out, GgufValue v) throws IOException {
        if (v.type() != GgufValue.Type.ARRAY) {
            scalar(out, v.type(), v.value());
            return;
        }
        GgufValue.Type et = v.elementType();
        out.u32(et.ordinal());
        out.u64(v.length());
        switch (v.value()) {
            case int[] a -> {
                for (int x : a) scalar(out, et, x);
            }
            case long[] a -> {
                for (long x : a) {
                    if (et == GgufValue.Type.UINT32) out.u32(x);
                    else out.u64(x);
                }
            }
            case float[] a -> {
                for (float x : a) out.f32(x);
            }
            case double[] a -> {
                for (double x : a) out.f64(x);
            }
            case boolean[] a -> {
                for (boolean x : a) out.u8(x ? 1 : 0);
            }
            case String[] a -> {
                for (String x : a) out.string(x);
            }
            case GgufValue[] a -> {
                for (GgufValue x : a) write(out, x); // elements of an array of arrays carry no type id
            }
            default -> throw new IllegalStateException("unchecked GGUF value " + v);
        }
    }

    private static void scalar(GgufWriter.LittleEndianOut out, GgufValue.Type t, Object x) throws IOException {
        switch (t) {
            case UINT8, INT8 -> out.u8((Integer) x);
            case UINT16, INT16 -> out.u16((Integer) x);
            case INT32 -> out.u32((Integer) x);
            case UINT32 -> out.u32((Long) x);
            case UINT64, INT64 -> out.u64((Long) x);
            case FLOAT32 -> out.f32((Float) x);
            case FLOAT64 -> out.f64((Double) x);
            case BOOL -> out.u8((Boolean) x ? 1 : 0);
            case STRING -> out.string((String) x);
            case ARRAY -> throw new IllegalStateException("nested array written as a scalar");
        }
    }
}
