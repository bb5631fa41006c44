package dev.moxing.data;

import dev.moxing.tensor.DType;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class NpyReaderTest {
    @TempDir
    Path dir;

    static Path fixture(String name) {
        try {
            return Path.of(NpyReaderTest.class.getResource("/data/npy/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    static void assertMessage(Exception e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
    }

    static final float[] F4 = {-1f, -0.5f, 0f, 0.5f, 1f, 1.5f};

    @Test
    void readsFloat32InAllVersions() throws IOException {
        for (String f : new String[] {"f4.npy", "f4_v2.npy", "f4_v3.npy", "f4_big_endian.npy"}) {
            Tensor t = NpyReader.read(fixture(f));
            assertEquals(DType.F32, t.dtype(), f);
            assertArrayEquals(new int[] {2, 3}, t.shape(), f);
            assertArrayEquals(F4, t.toFloatArray(), f);
        }
    }

    @Test
    void readsOtherTypes() throws IOException {
        float[] f8 = NpyReader.read(fixture("f8.npy")).toFloatArray();
        for (int i = 0; i < 6; i++) assertEquals((float) (F4[i] / 3.0), f8[i], 1e-7f);
        Tensor i4 = NpyReader.read(fixture("i4.npy"));
        assertEquals(DType.I32, i4.dtype());
        assertArrayEquals(new int[] {3, 2}, i4.shape());
        assertArrayEquals(new int[] {-2, -1, 0, 1, 2, 3}, i4.toIntArray());
        assertArrayEquals(new int[] {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE}, NpyReader.read(fixture("i8.npy")).toIntArray());
        Tensor u1 = NpyReader.read(fixture("u1.npy"));
        assertArrayEquals(new int[] {1, 3}, u1.shape());
        assertArrayEquals(new int[] {0, 7, 255}, u1.toIntArray());
        Tensor u1f = NpyReader.readFloats(fixture("u1.npy"));
        assertEquals(DType.F32, u1f.dtype());
        assertArrayEquals(new float[] {0, 7, 255}, u1f.toFloatArray());
        assertEquals(3.25f, NpyReader.read(fixture("scalar.npy")).item());
        assertArrayEquals(new int[] {0, 3}, NpyReader.read(fixture("empty.npy")).shape());
        assertEquals(23f, NpyReader.read(fixture("f4_3d.npy")).get(1, 2, 3));
    }

    @Test
    void headerIsExposed() throws IOException {
        NpyHeader h = NpyReader.readHeader(fixture("f4_big_endian.npy"));
        assertEquals(NpyHeader.Type.F4, h.type());
        assertEquals(ByteOrder.BIG_ENDIAN, h.order());
        assertArrayEquals(new int[] {2, 3}, h.shape());
        assertEquals(128, h.dataOffset());
    }

    @Test
    void fortranOrderIsRejectedClearly() {
        var e = assertThrows(MalformedFileException.class, () -> NpyReader.read(fixture("fortran.npy")));
        assertMessage(e, "fortran.npy", "fortran_order", "True", "np.ascontiguousarray");
    }

    @Test
    void unsupportedTypes() throws IOException {
        assertMessage(assertThrows(MalformedFileException.class, () -> NpyReader.read(fixture("complex.npy"))),
                "descr", "'<c8'", "unsupported element type");
        assertMessage(assertThrows(MalformedFileException.class, () -> NpyReader.read(fixture("structured.npy"))),
                "structured dtypes are not supported");
        assertMessage(assertThrows(MalformedFileException.class, () -> NpyReader.read(fixture("i8_overflow.npy"))),
                "element 1 = 1099511627776", "does not fit in int32");
        assertEquals(1099511627776f, NpyReader.readFloats(fixture("i8_overflow.npy")).get(1));
    }

    /** A v1 file with the given header dict and data bytes. */
    Path npy(String dict, byte[] data) throws IOException {
        byte[] h = dict.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(10 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) h.length).put(h).put(data);
        return IdxFiles.write(Files.createTempFile(dir, "a", ".npy"), b.array());
    }

    @Test
    void dataLengthMustMatchTheShape() throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n";
        assertMessage(assertThrows(MalformedFileException.class, () -> NpyReader.read(npy(dict, new byte[20]))),
                "(2, 3)", "24 bytes", "holds 20", "truncated");
        assertMessage(assertThrows(MalformedFileException.class, () -> NpyReader.read(npy(dict, new byte[28]))),
                "holds 28", "extra bytes");
        byte[] real = Files.readAllBytes(fixture("f4.npy"));
        Path cut = IdxFiles.write(dir.resolve("cut.npy"), Arrays.copyOf(real, real.length - 1));
        assertMessage(assertThrows(MalformedFileException.class, () -> NpyReader.read(cut)), "cut.npy", "truncated");
    }

    @Test
    void hugeShapeFailsBeforeAllocating() throws IOException {
        String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2000000000, 2000000000), }";
        assertMessage(assertThrows(MalformedFileException.class, () -> NpyReader.read(npy(dict, new byte[8]))),
                "shape", "more elements than one Java array");
        String one = "{'descr': '<f4', 'fortran_order': False, 'shape': (500000000,), }";
        assertMessage(assertThrows(MalformedFileException.class, () -> NpyReader.read(npy(one, new byte[8]))),
                "2000000000 bytes", "truncated");
        String negative = "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }";
        assertMessage(assertThrows(MalformedFileException.class, () -> NpyReader.read(npy(negative, new byte[0]))),
                "shape'[0] = -1");
    }

    @Test
    void malformedHeaders() throws IOException {
        assertMessage(assertThrows(MalformedFileException.class,
                () -> NpyReader.read(npy("{'descr': '<f4', 'shape': (1,), }", new byte[4]))), "header keys");
        assertMessage(assertThrows(MalformedFileException.class,
                () -> NpyReader.read(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,) ", new byte[4]))),
                "expected '}'");
        assertMessage(assertThrows(MalformedFileException.class,
                () -> NpyReader.read(npy("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,)}", new byte[4]))),
                "expected a value");
        assertMessage(assertThrows(MalformedFileException.class,
                () -> NpyReader.read(npy("{'descr': '#f4', 'fortran_order': False, 'shape': (1,)}", new byte[4]))),
                "unknown byte order");
        // Python 2 long literals and no trailing comma are accepted
        Tensor t = NpyReader.read(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (1L, 2L)}", new byte[8]));
        assertArrayEquals(new int[] {1, 2}, t.shape());
    }

    @Test
    void notNpyAtAll() throws IOException {
        Path text = IdxFiles.write(dir.resolve("x.npy"), "hello, world".getBytes(StandardCharsets.US_ASCII));
        assertMessage(assertThrows(MalformedFileException.class, () -> NpyReader.read(text)), "x.npy", "not a .npy file");
        Path tiny = IdxFiles.write(dir.resolve("tiny.npy"), new byte[] {(byte) 0x93, 'N'});
        assertMessage(assertThrows(MalformedFileException.class, () -> NpyReader.read(tiny)), "too short");
        byte[] v9 = Files.readAllBytes(fixture("f4.npy"));
        v9[6] = 9;
        Path future = IdxFiles.write(dir.resolve("v9.npy"), v9);
        assertMessage(assertThrows(MalformedFileException.class, () -> NpyReader.read(future)), "version = 9.0");
        byte[] longHeader = Files.readAllBytes(fixture("f4_v2.npy"));
        ByteBuffer.wrap(longHeader).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 0x7FFFFFF0);
        Path lying = IdxFiles.write(dir.resolve("lying.npy"), longHeader);
        assertMessage(assertThrows(MalformedFileException.class, () -> NpyReader.read(lying)), "header length = 2147483632");
        assertThrows(java.nio.file.NoSuchFileException.class, () -> NpyReader.read(dir.resolve("absent.npy")));
    }
}
