package dev.moxing.data;

import dev.moxing.tensor.DType;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.moxing.data.IdxFiles.gzip;
import static dev.moxing.data.IdxFiles.idx;
import static dev.moxing.data.IdxFiles.write;
import static org.junit.jupiter.api.Assertions.*;

@Timeout(30)
class IdxReaderTest {
    @TempDir
    Path dir;

    static byte[] pixels(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 37);
        return b;
    }

    @Test
    void readsImagesPlainAndGzipped() throws IOException {
        byte[] content = idx(0x0803, new int[] {3, 2, 4}, pixels(24));
        for (Path f : new Path[] {write(dir.resolve("plain"), content), write(dir.resolve("packed"), gzip(content))}) {
            Tensor t = IdxReader.readImages(f, 1f);
            assertArrayEquals(new int[] {3, 2, 4}, t.shape());
            assertEquals(DType.F32, t.dtype());
            float[] v = t.toFloatArray();
            for (int i = 0; i < 24; i++) assertEquals((i * 37) & 0xFF, v[i], "unsigned bytes");
        }
    }

    @Test
    void scaleIsApplied() throws IOException {
        Path f = write(dir.resolve("i"), idx(0x0803, new int[] {1, 1, 2}, new byte[] {0, (byte) 255}));
        assertArrayEquals(new float[] {0, 1}, IdxReader.readImages(f, 1 / 255f).toFloatArray());
    }

    @Test
    void readsLabelsAsInts() throws IOException {
        Path f = write(dir.resolve("labels.gz"), gzip(idx(0x0801, new int[] {4}, new byte[] {9, 0, 3, 7})));
        Tensor y = IdxReader.readLabels(f);
        assertEquals(DType.I32, y.dtype());
        assertArrayEquals(new int[] {9, 0, 3, 7}, y.toIntArray());
    }

    @Test
    void readsWiderBigEndianTypes() throws IOException {
        Path shorts = write(dir.resolve("s"), idx(0x0B01, new int[] {2}, ByteBuffer.allocate(4).putShort((short) -3).putShort((short) 300).array()));
        assertArrayEquals(new int[] {-3, 300}, IdxReader.read(shorts).toIntTensor().toIntArray());
        Path ints = write(dir.resolve("i"), idx(0x0C01, new int[] {2}, ByteBuffer.allocate(8).putInt(-70000).putInt(5).array()));
        assertArrayEquals(new int[] {-70000, 5}, IdxReader.read(ints).toIntTensor().toIntArray());
        Path floats = write(dir.resolve("f"), idx(0x0D02, new int[] {1, 2}, ByteBuffer.allocate(8).putFloat(1.5f).putFloat(-2f).array()));
        assertArrayEquals(new float[] {1.5f, -2f}, IdxReader.read(floats).toFloatTensor(1f).toFloatArray());
        Path doubles = write(dir.resolve("d"), idx(0x0E01, new int[] {1}, ByteBuffer.allocate(8).putDouble(0.25).array()));
        assertArrayEquals(new float[] {0.5f}, IdxReader.read(doubles).toFloatTensor(2f).toFloatArray());
        assertThrows(IllegalStateException.class, () -> IdxReader.read(doubles).toIntTensor());
        Path signed = write(dir.resolve("b"), idx(0x0901, new int[] {2}, new byte[] {-1, 5}));
        assertArrayEquals(new float[] {-1, 5}, IdxReader.read(signed).toFloatTensor(1f).toFloatArray());
    }

    static MalformedFileException malformed(Path f, ThrowingRead read) {
        return assertThrows(MalformedFileException.class, () -> read.run(f));
    }

    interface ThrowingRead {
        void run(Path f) throws IOException;
    }

    static void assertMessage(Exception e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
    }

    @Test
    void wrongMagicNamesBothKinds() throws IOException {
        Path labels = write(dir.resolve("labels"), idx(0x0801, new int[] {2}, new byte[2]));
        var e = malformed(labels, f -> IdxReader.readImages(f, 1f));
        assertMessage(e, labels.toString(), "magic number = 0x00000801", "expected 0x00000803", "images", "labels, ubyte, 1 dim");
        assertEquals("magic number", e.field());
    }

    @Test
    void notAnIdxFile() throws IOException {
        Path png = write(dir.resolve("x.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        assertMessage(malformed(png, IdxReader::read), "magic number = 0x89504E47", "not an IDX file");
        assertMessage(malformed(png, IdxReader::readLabels), "not an IDX file");
    }

    @Test
    void unknownTypeAndBadRank() throws IOException {
        assertMessage(malformed(write(dir.resolve("t"), idx(0x0A01, new int[] {1}, new byte[1])), IdxReader::read),
                "element type = 0x0A", "unknown IDX type");
        assertMessage(malformed(write(dir.resolve("r0"), idx(0x0800, new int[0], new byte[0])), IdxReader::read),
                "number of dimensions = 0");
        assertMessage(malformed(write(dir.resolve("r9"), idx(0x0809, new int[9], new byte[0])), IdxReader::read),
                "number of dimensions = 9");
    }

    @Test
    void emptyAndShortHeaders() throws IOException {
        assertMessage(malformed(write(dir.resolve("empty"), new byte[0]), IdxReader::read), "magic number", "the file is empty");
        assertMessage(malformed(write(dir.resolve("short"), new byte[] {0, 0, 8, 3, 0, 0}), IdxReader::read),
                "dimensions", "truncated");
        assertMessage(malformed(write(dir.resolve("short.gz"), gzip(new byte[] {0, 0, 8, 3, 0, 0})), IdxReader::read),
                "dimensions", "truncated");
    }

    @Test
    void truncatedDataIsReportedWithTheDeclaredSize() throws IOException {
        byte[] full = idx(0x0803, new int[] {10, 28, 28}, pixels(7840));
        byte[] cut = Arrays.copyOf(full, full.length - 100);
        var plain = malformed(write(dir.resolve("cut"), cut), f -> IdxReader.readImages(f, 1f));
        assertMessage(plain, "truncated", "10×28×28 ubyte = 7840 bytes", "7740");
        var packed = malformed(write(dir.resolve("cut.gz"), gzip(cut)), f -> IdxReader.readImages(f, 1f));
        assertMessage(packed, "truncated", "7840 bytes", "7740");
    }

    @Test
    void truncatedGzipStream() throws IOException {
        byte[] gz = gzip(idx(0x0803, new int[] {10, 28, 28}, pixels(7840)));
        Path f = write(dir.resolve("partial.gz"), Arrays.copyOf(gz, gz.length / 2));
        assertMessage(malformed(f, IdxReader::read), f.toString(), "data", "ends early");
    }

    @Test
    void corruptGzipData() throws IOException {
        byte[] gz = gzip(idx(0x0803, new int[] {10, 28, 28}, pixels(7840)));
        for (int i = 30; i < 60; i++) gz[i] ^= (byte) 0x5A;
        Path f = write(dir.resolve("corrupt.gz"), gz);
        var e = assertThrows(MalformedFileException.class, () -> IdxReader.read(f));
        assertMessage(e, f.toString());
    }

    @Test
    void hugeDeclaredDimsFailBeforeAllocating() throws IOException {
        byte[] head = idx(0x0803, new int[] {-1, -1, -1}, new byte[16]);    // 4294967295 each (unsigned)
        assertMessage(malformed(write(dir.resolve("neg"), head), IdxReader::read), "dimension 0 = 4294967295", "larger than 2^31-1");
        byte[] big = idx(0x0803, new int[] {60000, 28000, 28000}, new byte[16]);
        var plain = malformed(write(dir.resolve("big"), big), IdxReader::read);
        assertMessage(plain, "60000×28000×28000 ubyte = 47040000000000 bytes", "truncated");
        var packed = malformed(write(dir.resolve("big.gz"), gzip(big)), IdxReader::read);
        assertMessage(packed, "47040000000000 bytes", "more than a gzip file of");
        // within the deflate bound of a 1 MB file but not really there: must not allocate it up front
        byte[] liar = idx(0x0803, new int[] {1_000_000, 28, 28}, new byte[1000]);
        byte[] padding = new byte[1 << 20];
        new java.util.Random(1).nextBytes(padding);          // incompressible, so the gzip is ~1 MB
        Path liarFile = write(dir.resolve("liar.gz"), gzip(concat(liar, padding)));
        assertMessage(malformed(liarFile, IdxReader::read), "truncated", "784000000 bytes");
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void trailingBytesAreAnError() throws IOException {
        byte[] content = concat(idx(0x0801, new int[] {3}, new byte[] {1, 2, 3}), new byte[] {4, 5});
        assertMessage(malformed(write(dir.resolve("long"), content), IdxReader::read), "2 extra bytes");
        assertMessage(malformed(write(dir.resolve("long.gz"), gzip(content)), IdxReader::read), "2 extra bytes");
    }

    @Test
    void missingFileIsAnIoError() {
        var e = assertThrows(java.nio.file.NoSuchFileException.class, () -> IdxReader.read(dir.resolve("absent")));
        assertMessage(e, "absent");
        assertThrows(java.nio.file.NoSuchFileException.class, () -> IdxReader.read(dir));
    }

    @Test
    void zeroSamplesAreFine() throws IOException {
        Tensor t = IdxReader.readImages(write(dir.resolve("none"), idx(0x0803, new int[] {0, 28, 28}, new byte[0])), 1f);
        assertArrayEquals(new int[] {0, 28, 28}, t.shape());
        assertTrue(Files.exists(dir.resolve("none")));
    }
}
