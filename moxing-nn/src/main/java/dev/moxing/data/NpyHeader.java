package dev.moxing.data;

import dev.moxing.tensor.Shape;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The header of a NumPy {@code .npy} file: element type, byte order, shape and where the data
 * starts. The header is a Python dict literal, e.g.
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (60000, 784), }}; {@link #parse} reads
 * exactly the literal subset NumPy writes (strings, True/False, integers, tuples).
 *
 * @param dataOffset byte offset of the first element
 */
public record NpyHeader(Path file, Type type, ByteOrder order, int[] shape, long dataOffset) {

    /** Supported element types by their NumPy code. */
    public enum Type {
        F4("f4", 4), F8("f8", 8), I4("i4", 4), I8("i8", 8), U1("u1", 1);

        final String code;
        final int size;

        Type(String code, int size) {
            this.code = code;
            this.size = size;
        }

        public int size() {
            return size;
        }

        public boolean isFloat() {
            return this == F4 || this == F8;
        }
    }

    public NpyHeader {
        shape = shape.clone();
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public int count() {
        return Shape.numel(shape);
    }

    public long dataBytes() {
        return (long) count() * type.size;
    }

    /** Parses the dict literal {@code text} of a file whose data starts at {@code dataOffset}. */
    static NpyHeader parse(String text, Path file, long dataOffset) throws IOException {
        Map<String, Object> dict = new Literal(text, file).dict();
        if (!dict.keySet().equals(Set.of("descr", "fortran_order", "shape"))) {
            throw new MalformedFileException(file, "header keys", dict.keySet(), "expected exactly 'descr', 'fortran_order' and 'shape'");
        }
        if (!(dict.get("descr") instanceof String descr)) {
            throw new MalformedFileException(file, "header 'descr'", dict.get("descr"),
                    "not a simple type string (structured dtypes are not supported)");
        }
        if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
            throw new MalformedFileException(file, "header 'fortran_order'", dict.get("fortran_order"), "expected True or False");
        }
        if (fortran) {
            throw new MalformedFileException(file, "header 'fortran_order'", "True", "column-major (Fortran-order) arrays are "
                    + "not supported; save a C-order copy, e.g. np.save(path, np.ascontiguousarray(a))");
        }
        if (!(dict.get("shape") instanceof List<?> dims)) {
            throw new MalformedFileException(file, "header 'shape'", dict.get("shape"), "expected a tuple of integers");
        }
        int[] shape = new int[dims.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE) {
                throw new MalformedFileException(file, "header 'shape'[" + i + "]", dims.get(i), "expected an integer in [0, 2^31-1]");
            }
            shape[i] = (int) (long) d;
        }
        for (int d : shape) {      // prefix products, as Shape.numel checks them
            count *= d;
            if (count > DataFile.MAX_ARRAY) {
                throw new MalformedFileException(file, "header 'shape'", Shape.str(shape), "more elements than one Java array can hold");
            }
        }
        return new NpyHeader(file, type(descr, file), order(descr, file), shape, dataOffset);
    }

    private static Type type(String descr, Path file) throws IOException {
        String code = descr.length() == 3 ? descr.substring(1) : "";
        for (Type t : Type.values()) if (t.code.equals(code)) return t;
        throw new MalformedFileException(file, "header 'descr'", "'" + descr + "'",
                "unsupported element type (supported: '<f4', '<f8', '<i4', '<i8', '|u1', also big-endian '>')");
    }

    private static ByteOrder order(String descr, Path file) throws IOException {
        return switch (descr.charAt(0)) {
            case '<', '|' -> ByteOrder.LITTLE_ENDIAN;
            case '>' -> ByteOrder.BIG_ENDIAN;
            case '=' -> ByteOrder.nativeOrder();
            default -> throw new MalformedFileException(file, "header 'descr'", "'" + descr + "'",
                    "unknown byte order '" + descr.charAt(0) + "' (expected <, >, | or =)");
        };
    }

    /** A recursive-descent reader for the Python literal subset of .npy headers. */
    private static final class Literal {
        private final String s;
        private final Path file;
        private int pos;

        Literal(String s, Path file) {
            this.s = s;
            this.file = file;
        }

        Map<String, Object> dict() throws IOException {
            expect('{');
            Map<String, Object> out = new LinkedHashMap<>();
            while (!peekIs('}')) {
                Object key = value();
                if (!(key instanceof String k)) throw error("a string key", String.valueOf(key));
                expect(':');
                if (out.put(k, value()) != null) throw error("distinct keys", "'" + k + "' twice");
                if (!peekIs(',')) break;
                pos++;
            }
            expect('}');
            skipSpace();
            if (pos != s.length()) throw error("the end of the header", s.substring(pos));
            return out;
        }

        private Object value() throws IOException {
            skipSpace();
            if (pos >= s.length()) throw error("a value", "the end of the header");
            char c = s.charAt(pos);
            if (c == '\'' || c == '"') return string(c);
            if (c == '(') return tuple();
            if (c == '[') throw error("a type string", "a list (structured dtypes are not supported)");
            if (s.startsWith("True", pos)) {
                pos += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("False", pos)) {
                pos += 5;
                return Boolean.FALSE;
            }
            if (Character.isDigit(c) || c == '-') return integer();
            throw error("a value", "'" + c + "'");
        }

        private String string(char quote) throws IOException {
            int end = s.indexOf(quote, pos + 1);
            if (end < 0) throw error("a closing " + quote, "the end of the header");
            String out = s.substring(pos + 1, end);
            pos = end + 1;
            return out;
        }

        private List<Long> tuple() throws IOException {
            expect('(');
            List<Long> out = new ArrayList<>();
            while (!peekIs(')')) {
                skipSpace();
                out.add(integer());
                if (!peekIs(',')) break;
                pos++;
            }
            expect(')');
            return out;
        }

        private Long integer() throws IOException {
            int start = pos;
            if (pos < s.length() && s.charAt(pos) == '-') pos++;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
            String digits = s.substring(start, pos);
            if (pos < s.length() && s.charAt(pos) == 'L') pos++;   // Python 2 long literals
            if (digits.isEmpty() || digits.equals("-") || digits.length() > 18) throw error("an integer", "'" + digits + "'");
            return Long.parseLong(digits);
        }

        private boolean peekIs(char c) {
            skipSpace();
            return pos < s.length() && s.charAt(pos) == c;
        }

        private void expect(char c) throws IOException {
            if (!peekIs(c)) throw error("'" + c + "'", pos < s.length() ? "'" + s.charAt(pos) + "'" : "the end of the header");
            pos++;
        }

        private void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
        }

        private MalformedFileException error(String expected, String found) {
            return new MalformedFileException(file, "header at character " + pos, found, "expected " + expected
                    + " in " + (s.length() > 200 ? s.substring(0, 200) + "…" : s.strip()));
        }
    }
}
