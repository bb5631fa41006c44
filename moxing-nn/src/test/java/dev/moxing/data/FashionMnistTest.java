package dev.moxing.data;

import dev.moxing.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FashionMnistTest {
    /** Where the full release may be installed; tests of the full data are skipped when neither is. */
    static final List<Path> FULL = List.of(Path.of(FashionMnist.DEBIAN_DIR), Path.of("/work/shared/data/fashion-mnist"));

    /** The vendored subset, found from the module directory Maven runs tests in (or the repo root). */
    static Path subset() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path s = p.resolve("data/fashion-mnist-subset");
            if (Files.isDirectory(s)) return s;
        }
        throw new AssertionError("data/fashion-mnist-subset not found above " + Path.of("").toAbsolutePath());
    }

    static Path full() {
        for (Path p : FULL) {
            try {
                return FashionMnist.locate(List.of(p));
            } catch (FileNotFoundException e) {
                // try the next
            }
        }
        return null;
    }

    @Test
    void vendoredSubsetLoads() throws IOException {
        FashionMnist data = FashionMnist.load(subset());
        assertEquals(FashionMnistSubsetWriter.TRAIN, data.train().size());
        assertEquals(FashionMnistSubsetWriter.TEST, data.test().size());
        assertArrayEquals(new int[] {2000, 784}, data.train().features().shape());
        assertEquals(DType.F32, data.train().features().dtype());
        assertEquals(DType.I32, data.train().labels().dtype());
        assertEquals(9, data.train().labels().toIntArray()[0], "the first training image is an ankle boot");
        assertEquals("Ankle boot", data.classNames().get(9));
        assertEquals(9, data.test().labels().toIntArray()[0]);
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (float v : data.train().features().toFloatArray()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals(0f, min);
        assertEquals(1f, max);
        int[] counts = new int[10];
        for (int y : data.train().labels().toIntArray()) counts[y]++;
        for (int c : counts) assertTrue(c > 150, "every class is present: " + java.util.Arrays.toString(counts));
    }

    @Test
    void imageLayout() throws IOException {
        FashionMnist flat = FashionMnist.load(subset());
        FashionMnist images = FashionMnist.load(subset(), FashionMnist.Layout.IMAGES);
        assertArrayEquals(new int[] {500, 1, 28, 28}, images.test().features().shape());
        assertArrayEquals(flat.test().features().toFloatArray(), images.test().features().toFloatArray());
    }

    @Test
    void subsetIsTheStartOfTheFullRelease() throws IOException {
        Path full = full();
        assumeTrue(full != null, "full Fashion-MNIST not installed");
        for (String name : FashionMnist.FILES) {
            int n = name.startsWith("train") ? FashionMnistSubsetWriter.TRAIN : FashionMnistSubsetWriter.TEST;
            byte[] expected = FashionMnistSubsetWriter.firstRows(full.resolve(name), n);
            byte[] vendored;
            try (var in = new GZIPInputStream(Files.newInputStream(subset().resolve(name)))) {
                vendored = in.readAllBytes();
            }
            assertArrayEquals(expected, vendored, name);
        }
    }

    @Test
    void fullReleaseWhenInstalled() throws IOException {
        Path full = full();
        assumeTrue(full != null, "full Fashion-MNIST not installed");
        FashionMnist data = FashionMnist.load(full);
        assertEquals(60_000, data.train().size());
        assertEquals(10_000, data.test().size());
        assertArrayEquals(new int[] {9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, java.util.Arrays.copyOf(data.train().labels().toIntArray(), 10));
        assertArrayEquals(new int[] {9, 2, 1, 1, 6, 1, 4, 6, 5, 7}, java.util.Arrays.copyOf(data.test().labels().toIntArray(), 10));
        int[] counts = new int[10];
        for (int y : data.train().labels().toIntArray()) counts[y]++;
        for (int c : counts) assertEquals(6000, c, "Fashion-MNIST is balanced");
    }

    @Test
    void debianPathIsTheFallback() throws IOException {
        assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)), "dataset-fashion-mnist not installed");
        assertEquals(Path.of(FashionMnist.DEBIAN_DIR), FashionMnist.locate((Path) null));
    }

    @Test
    void notFoundSaysHowToGetTheData(@TempDir Path empty) throws IOException {
        Files.createFile(empty.resolve("train-images-idx3-ubyte.gz"));
        var e = assertThrows(FileNotFoundException.class,
                () -> FashionMnist.locate(List.of(empty, empty.resolve("nowhere"))));
        String m = e.getMessage();
        for (String part : new String[] {"apt-get install dataset-fashion-mnist", "--data DIR", FashionMnist.SOURCE_URL,
                "t10k-labels-idx1-ubyte.gz", "missing train-labels-idx1-ubyte.gz", "no such directory"}) {
            assertTrue(m.contains(part), "'" + part + "' missing from:\n" + m);
        }
    }

    @Test
    void uncompressedFilesAreAcceptedToo(@TempDir Path dir) throws IOException {
        for (String name : FashionMnist.FILES) {
            try (var in = new GZIPInputStream(Files.newInputStream(subset().resolve(name)))) {
                Files.write(dir.resolve(name.replace(".gz", "")), in.readAllBytes());
            }
        }
        assertEquals(2000, FashionMnist.load(dir).train().size());
    }

    @Test
    void mismatchedCountsAreReported(@TempDir Path dir) throws IOException {
        for (String name : FashionMnist.FILES) Files.copy(subset().resolve(name), dir.resolve(name));
        Files.copy(subset().resolve("t10k-labels-idx1-ubyte.gz"), dir.resolve("train-labels-idx1-ubyte.gz"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        var e = assertThrows(MalformedFileException.class, () -> FashionMnist.load(dir));
        assertTrue(e.getMessage().contains("train-labels-idx1-ubyte.gz") && e.getMessage().contains("2000 images"), e.getMessage());
    }
}
