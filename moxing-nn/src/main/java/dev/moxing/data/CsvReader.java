package dev.moxing.data;

import dev.moxing.tensor.Tensor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads numeric CSV (RFC 4180 quoting: quoted fields may hold the delimiter, newlines and doubled
 * quotes) into tensors. Columns are chosen by header name or by index; one may be the label.
 *
 * <pre>{@code
 * CsvData iris = CsvReader.withHeader()
 *         .label("species", CsvReader.LabelKind.CLASS)   // text classes → I32 indices
 *         .read(Path.of("iris.csv"));                    // features: every other column
 * }</pre>
 *
 * Errors name the file, the line (where the record starts), the column and the value. Gzipped
 * files are read transparently. Blank lines are skipped.
 */
public final class CsvReader {
    /** How the label column is read. */
    public enum LabelKind {
        /** Class indices (I32): non-negative integers as they are, otherwise text mapped to sorted class names. */
        CLASS,
        /** Regression targets (F32). */
        VALUE
    }

    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d{1,9}");

    private final boolean header;
    private char delimiter = ',';
    private List<Object> featureColumns;   // String names or Integer indices; null: all but the label
    private Object labelColumn;
    private LabelKind labelKind;

    private CsvReader(boolean header) {
        this.header = header;
    }

    /** The first line names the columns. */
    public static CsvReader withHeader() {
        return new CsvReader(true);
    }

    /** Every line is data; columns are chosen by index. */
    public static CsvReader withoutHeader() {
        return new CsvReader(false);
    }

    public CsvReader delimiter(char delimiter) {
        if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
            throw new IllegalArgumentException("CsvReader: invalid delimiter " + (int) delimiter);
        }
        this.delimiter = delimiter;
        return this;
    }

    /** Feature columns by name, in this order (default: every column but the label). */
    public CsvReader features(String... names) {
        featureColumns = List.of((Object[]) names);
        return this;
    }

    /** Feature columns by 0-based index, in this order. */
    public CsvReader features(int... indices) {
        featureColumns = new ArrayList<>();
        for (int i : indices) featureColumns.add(i);
        return this;
    }

    public CsvReader label(String name, LabelKind kind) {
        labelColumn = name;
        labelKind = kind;
        return this;
    }

    public CsvReader label(int index, LabelKind kind) {
        labelColumn = index;
        labelKind = kind;
        return this;
    }

    public CsvData read(Path path) throws IOException {
        DataFile file = DataFile.of(path);
        try (Reader in = new BufferedReader(new InputStreamReader(file.open(), StandardCharsets.UTF_8), 1 << 16)) {
            CsvRecords records = new CsvRecords(in, delimiter, path);
            List<String> first = records.next();
            if (first == null) throw new MalformedFileException(path, "line 1", null, "the file is empty");
            List<String> names = new ArrayList<>();
            for (int i = 0; i < first.size(); i++) names.add(header ? first.get(i).strip() : "column " + i);
            int width = names.size();
            int label = labelColumn == null ? -1 : resolve(labelColumn, names, path);
            int[] cols = featureColumns(names, label, path);

            float[] x = new float[Math.max(16, cols.length * 64)];
            int rows = 0;
            FloatSink yValues = labelKind == LabelKind.VALUE ? new FloatSink() : null;
            List<String> yText = labelKind == LabelKind.CLASS ? new ArrayList<>() : null;
            List<Integer> yLines = yText != null ? new ArrayList<>() : null;
            for (List<String> rec = header ? records.next() : first; rec != null; rec = records.next()) {
                int line = records.recordLine();
                if (rec.size() != width) {
                    throw new MalformedFileException(path, "line " + line, rec.size() + " fields", "expected " + width
                            + (header ? " like the header" : " like line 1"));
                }
                if ((long) (rows + 1) * cols.length > DataFile.MAX_ARRAY) {
                    throw new MalformedFileException(path, "line " + line, null, "more values than one array can hold");
                }
                if ((rows + 1) * cols.length > x.length) x = Arrays.copyOf(x, (int) Math.min(DataFile.MAX_ARRAY, 2L * x.length + cols.length));
                for (int j = 0; j < cols.length; j++) {
                    x[rows * cols.length + j] = parse(rec.get(cols[j]), path, line, names.get(cols[j]));
                }
                if (yValues != null) yValues.add(parse(rec.get(label), path, line, names.get(label)));
                if (yText != null) {
                    yText.add(rec.get(label).strip());
                    yLines.add(line);
                }
                rows++;
            }
            List<String> featureNames = new ArrayList<>();
            for (int c : cols) featureNames.add(names.get(c));
            Tensor features = Tensor.fromArray(Arrays.copyOf(x, rows * cols.length), rows, cols.length);
            List<String> classNames = new ArrayList<>();
            Tensor labels = null;
            if (yValues != null) labels = Tensor.fromArray(yValues.toArray(), rows);
            if (yText != null) labels = classLabels(yText, yLines, classNames, path, names.get(label));
            return new CsvData(features, labels, featureNames, classNames);
        }
    }

    private int[] featureColumns(List<String> names, int label, Path path) throws IOException {
        if (featureColumns == null) {
            int[] cols = new int[names.size() - (label >= 0 ? 1 : 0)];
            for (int i = 0, j = 0; i < names.size(); i++) if (i != label) cols[j++] = i;
            return cols;
        }
        int[] cols = new int[featureColumns.size()];
        for (int i = 0; i < cols.length; i++) cols[i] = resolve(featureColumns.get(i), names, path);
        return cols;
    }

    private int resolve(Object column, List<String> names, Path path) throws IOException {
        if (column instanceof Integer i) {
            if (i < 0 || i >= names.size()) {
                throw new MalformedFileException(path, "column index", i, "the file has " + names.size() + " columns (0 to "
                        + (names.size() - 1) + ")");
            }
            return i;
        }
        if (!header) throw new IllegalArgumentException("CsvReader: column '" + column + "' chosen by name, but the file has no header");
        int i = names.indexOf((String) column);
        if (i < 0) throw new MalformedFileException(path, "header", names, "no column named '" + column + "'");
        return i;
    }

    private static float parse(String raw, Path path, int line, String column) throws IOException {
        String s = raw.strip();
        String where = "line " + line + ", column '" + column + "'";
        if (s.isEmpty()) throw new MalformedFileException(path, where, "\"\"", "empty value (fill in missing data before loading)");
        if (!NUMBER.matcher(s).matches()) throw new MalformedFileException(path, where, "'" + raw + "'", "not a number");
        float f = Float.parseFloat(s);
        if (!Float.isFinite(f)) throw new MalformedFileException(path, where, "'" + raw + "'", "outside the float range");
        return f;
    }

    /** Integer labels as they are; otherwise every distinct text is a class, numbered in sorted order. */
    private static Tensor classLabels(List<String> text, List<Integer> lines, List<String> classNames, Path path, String column)
            throws IOException {
        int[] y = new int[text.size()];
        boolean numeric = text.stream().allMatch(s -> INTEGER.matcher(s).matches());
        if (numeric) {
            for (int i = 0; i < y.length; i++) {
                y[i] = Integer.parseInt(text.get(i));
                if (y[i] < 0) {
                    throw new MalformedFileException(path, "line " + lines.get(i) + ", column '" + column + "'", y[i],
                            "a class index must be >= 0");
                }
            }
        } else {
            classNames.addAll(new TreeSet<>(text));
            for (int i = 0; i < y.length; i++) y[i] = Collections.binarySearch(classNames, text.get(i));
        }
        return Tensor.ofInts(y, y.length);
    }

    /** A growing float array. */
    private static final class FloatSink {
        private float[] data = new float[64];
        private int size;

        void add(float v) {
            if (size == data.length) data = Arrays.copyOf(data, 2 * size);
            data[size++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
