package dev.moxing.data;

import dev.moxing.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.moxing.data.CsvReader.LabelKind.CLASS;
import static dev.moxing.data.CsvReader.LabelKind.VALUE;
import static org.junit.jupiter.api.Assertions.*;

class CsvReaderTest {
    @TempDir
    Path dir;

    Path csv(String text) throws IOException {
        Path f = Files.createTempFile(dir, "t", ".csv");
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    static void assertMessage(Exception e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
    }

    static final String IRIS = """
            sepal_length,sepal_width,petal_length,petal_width,species
            5.1,3.5,1.4,0.2,setosa
            7.0,3.2,4.7,1.4,versicolor
            6.3,3.3,6.0,2.5,virginica
            4.9,3.0,1.4,0.2,setosa
            """;

    @Test
    void readsFeaturesAndTextClasses() throws IOException {
        CsvData d = CsvReader.withHeader().label("species", CLASS).read(csv(IRIS));
        assertEquals(4, d.size());
        assertArrayEquals(new int[] {4, 4}, d.features().shape());
        assertEquals(List.of("sepal_length", "sepal_width", "petal_length", "petal_width"), d.featureNames());
        assertEquals(List.of("setosa", "versicolor", "virginica"), d.classNames(), "sorted class names");
        assertEquals(DType.I32, d.labels().dtype());
        assertArrayEquals(new int[] {0, 1, 2, 0}, d.labels().toIntArray());
        assertArrayEquals(new float[] {5.1f, 3.5f, 1.4f, 0.2f}, d.features().narrow(0, 0, 1).toFloatArray());
        assertEquals(4, d.dataset().size());
    }

    @Test
    void selectsColumnsByNameAndIndex() throws IOException {
        Path f = csv(IRIS);
        CsvData byName = CsvReader.withHeader().features("petal_width", "sepal_length").label("petal_length", VALUE).read(f);
        assertEquals(List.of("petal_width", "sepal_length"), byName.featureNames());
        assertArrayEquals(new float[] {0.2f, 5.1f, 1.4f, 7.0f}, byName.features().narrow(0, 0, 2).toFloatArray());
        assertEquals(DType.F32, byName.labels().dtype());
        assertArrayEquals(new float[] {1.4f, 4.7f, 6.0f, 1.4f}, byName.labels().toFloatArray());
        CsvData byIndex = CsvReader.withHeader().features(3, 0).read(f);
        assertArrayEquals(byName.features().toFloatArray(), byIndex.features().toFloatArray());
        assertNull(byIndex.labels());
        assertThrows(IllegalStateException.class, byIndex::dataset);
    }

    @Test
    void integerClassLabelsAreKept() throws IOException {
        CsvData d = CsvReader.withHeader().label("y", CLASS).read(csv("x,y\n1,3\n2,0\n3,7\n"));
        assertArrayEquals(new int[] {3, 0, 7}, d.labels().toIntArray());
        assertTrue(d.classNames().isEmpty());
        var e = assertThrows(MalformedFileException.class,
                () -> CsvReader.withHeader().label("y", CLASS).read(csv("x,y\n1,3\n2,-1\n")));
        assertMessage(e, "line 3", "column 'y'", "-1", ">= 0");
    }

    @Test
    void badNumberNamesLineColumnAndValue() throws IOException {
        Path f = csv("a,b,label\n1,2,0\n3,4,1\n5,x7,0\n");
        var e = assertThrows(MalformedFileException.class, () -> CsvReader.withHeader().label("label", CLASS).read(f));
        assertMessage(e, f.toString(), "line 4", "column 'b'", "'x7'", "not a number");
    }

    @Test
    void lineNumbersCountBlankLinesAndQuotedLineBreaks() throws IOException {
        Path f = csv("a,note\n1,\"two\nlines\"\n\n2,ok\nNaN,x\n");
        var e = assertThrows(MalformedFileException.class, () -> CsvReader.withHeader().features("a").read(f));
        assertMessage(e, "line 6", "column 'a'", "'NaN'");
    }

    @Test
    void nonFiniteAndEmptyValuesAreRejected() throws IOException {
        assertMessage(assertThrows(MalformedFileException.class,
                () -> CsvReader.withHeader().read(csv("a\n1e39\n"))), "line 2", "outside the float range");
        assertMessage(assertThrows(MalformedFileException.class,
                () -> CsvReader.withHeader().read(csv("a,b\n1,\n"))), "line 2", "column 'b'", "empty value");
        assertMessage(assertThrows(MalformedFileException.class,
                () -> CsvReader.withHeader().read(csv("a\n1f\n"))), "'1f'", "not a number");
    }

    @Test
    void quotedFields() throws IOException {
        String text = "id,\"name, with comma\",value\n"
                + "1,\"Smith, \"\"Jr\"\"\",\"2.5\"\n"
                + "2,\"multi\r\nline\",\" -3e2 \"\n";
        CsvData d = CsvReader.withHeader().features("id", "value").read(csv(text));
        assertArrayEquals(new float[] {1, 2.5f, 2, -300}, d.features().toFloatArray());
        CsvData names = CsvReader.withHeader().features("value").label("name, with comma", CLASS).read(csv(text));
        assertEquals(List.of("Smith, \"Jr\"", "multi\nline"), names.classNames());
    }

    @Test
    void malformedQuoting() throws IOException {
        assertMessage(assertThrows(MalformedFileException.class,
                () -> CsvReader.withHeader().read(csv("a,b\n1,\"2\n3,4\n"))), "line 2", "field 2", "never closed");
        assertMessage(assertThrows(MalformedFileException.class,
                () -> CsvReader.withHeader().read(csv("a,b\n1,\"2\"x\n"))), "line 2", "after the closing quote");
    }

    @Test
    void wrongFieldCount() throws IOException {
        Path f = csv("a,b,c\n1,2,3\n4,5\n");
        assertMessage(assertThrows(MalformedFileException.class, () -> CsvReader.withHeader().read(f)),
                "line 3", "2 fields", "expected 3");
    }

    @Test
    void unknownColumns() throws IOException {
        Path f = csv(IRIS);
        assertMessage(assertThrows(MalformedFileException.class, () -> CsvReader.withHeader().label("kind", CLASS).read(f)),
                "no column named 'kind'", "species");
        assertMessage(assertThrows(MalformedFileException.class, () -> CsvReader.withHeader().features(9).read(f)),
                "column index = 9", "5 columns");
        assertThrows(IllegalArgumentException.class, () -> CsvReader.withoutHeader().features("a").read(f));
    }

    @Test
    void withoutHeaderCrlfBomAndSemicolons() throws IOException {
        Path f = csv("\uFEFF1;2;0\r\n3;4;1\r\n");
        CsvData d = CsvReader.withoutHeader().delimiter(';').label(2, CLASS).read(f);
        assertArrayEquals(new float[] {1, 2, 3, 4}, d.features().toFloatArray());
        assertArrayEquals(new int[] {0, 1}, d.labels().toIntArray());
        assertEquals(List.of("column 0", "column 1"), d.featureNames());
    }

    @Test
    void gzippedCsv() throws IOException {
        Path f = IdxFiles.write(dir.resolve("data.csv.gz"), IdxFiles.gzip(IRIS.getBytes(StandardCharsets.UTF_8)));
        assertEquals(4, CsvReader.withHeader().label("species", CLASS).read(f).size());
    }

    @Test
    void emptyFileAndHeaderOnly() throws IOException {
        assertMessage(assertThrows(MalformedFileException.class, () -> CsvReader.withHeader().read(csv(""))), "empty");
        CsvData d = CsvReader.withHeader().read(csv("a,b\n"));
        assertArrayEquals(new int[] {0, 2}, d.features().shape());
    }

    @Test
    void manyRowsGrowTheBuffer() throws IOException {
        StringBuilder sb = new StringBuilder("x,y\n");
        for (int i = 0; i < 5000; i++) sb.append(i).append(',').append(i * 0.5).append('\n');
        CsvData d = CsvReader.withHeader().label("y", VALUE).read(csv(sb.toString()));
        assertEquals(5000, d.size());
        assertEquals(4999f, d.features().get(4999, 0));
        assertEquals(2499.5f, d.labels().get(4999));
    }
}
