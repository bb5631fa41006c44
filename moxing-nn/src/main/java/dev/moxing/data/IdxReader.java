package dev.moxing.data;

import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST, gzipped or not (told by the magic bytes).
 *
 * <p>Layout: a 4-byte magic {@code 00 00 TT NN} (TT the element type, NN the number of dims), NN
 * big-endian unsigned 32-bit dimensions, then the elements in row-major order, big-endian. Images
 * are {@code 0x00000803} (ubyte, N × rows × cols), labels {@code 0x00000801} (ubyte, N).
 *
 * <p>The declared size is checked against what the file can hold before anything is allocated, and
 * content after the declared payload is an error: a wrong dimension is found at once rather than
 * as a silently shifted dataset.
 */
public final class IdxReader {
    /** More dims than any real IDX file has; a larger count is a corrupt header. */
    static final int MAX_RANK = 8;

    private IdxReader() {
    }

    /** Any IDX file. */
    public static IdxArray read(Path path) throws IOException {
        return read(path, -1);
    }

    /** Images ({@code 0x00000803}, ubyte (N, rows, cols)) as F32 values times {@code scale}. */
    public static Tensor readImages(Path path, float scale) throws IOException {
        return read(path, 0x0803).toFloatTensor(scale);
    }

    /** Labels ({@code 0x00000801}, ubyte (N)) as an I32 tensor. */
    public static Tensor readLabels(Path path) throws IOException {
        return read(path, 0x0801).toIntTensor();
    }

    /** Reads, checking the magic when {@code expectedMagic} is not -1. */
    static IdxArray read(Path path, int expectedMagic) throws IOException {
        DataFile file = DataFile.of(path);
        try (InputStream in = file.open()) {
            int magic = ByteBuffer.wrap(file.readField(in, 4, "magic number")).getInt();
            String magicHex = String.format("0x%08X", magic);
            if (expectedMagic >= 0 && magic != expectedMagic) {
                throw new MalformedFileException(path, "magic number", magicHex, "expected " + String.format("0x%08X", expectedMagic)
                        + " (" + describe(expectedMagic) + ")" + (isIdx(magic) ? ", this file holds " + describe(magic) : ", this is not an IDX file"));
            }
            if ((magic >>> 16) != 0) {
                throw new MalformedFileException(path, "magic number", magicHex, "not an IDX file (the first two bytes must be 0)");
            }
            IdxArray.Type type = IdxArray.Type.ofCode((magic >>> 8) & 0xFF);
            if (type == null) {
                throw new MalformedFileException(path, "element type", String.format("0x%02X", (magic >>> 8) & 0xFF),
                        "unknown IDX type (expected 0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float or 0x0E double)");
            }
            int rank = magic & 0xFF;
            if (rank < 1 || rank > MAX_RANK) {
                throw new MalformedFileException(path, "number of dimensions", rank, "expected 1 to " + MAX_RANK);
            }
            ByteBuffer header = ByteBuffer.wrap(file.readField(in, 4 * rank, "dimensions"));
            int[] dims = new int[rank];
            for (int i = 0; i < rank; i++) {
                long d = Integer.toUnsignedLong(header.getInt());
                if (d > Integer.MAX_VALUE) {
                    throw new MalformedFileException(path, "dimension " + i, d, "larger than 2^31-1");
                }
                dims[i] = (int) d;
            }
            long bytes = type.size;      // saturates at Long.MAX_VALUE once past any array's size
            for (int d : dims) {
                bytes *= d;              // < 2^31 · 2^31: cannot overflow
                if (bytes > DataFile.MAX_ARRAY) {
                    bytes = Long.MAX_VALUE;
                    break;
                }
            }
            String declared = declared(dims, type);
            long headerBytes = 4L + 4L * rank;
            long room = file.gzip ? file.maxContentBytes() : file.length - headerBytes;
            if (bytes > room) {
                throw new MalformedFileException(path, "dimensions", Shape.str(dims), file.gzip
                        ? "the header declares " + declared + ", more than a gzip file of " + file.length
                        + " bytes can hold (corrupt header)"
                        : "truncated: the header declares " + declared + " but the file holds " + room
                        + " bytes after the header");
            }
            if (!file.gzip && bytes < room) {
                throw new MalformedFileException(path, "length", (room - bytes) + " extra bytes", "the file continues after the "
                        + declared + " that the header declares");
            }
            if (bytes > DataFile.MAX_ARRAY) {
                throw new MalformedFileException(path, "dimensions", Shape.str(dims), "the header declares " + declared
                        + ", more than one Java array can hold (2^31 bytes); split the file");
            }
            byte[] data = file.readExactly(in, bytes, "data", declared);
            file.expectEnd(in, declared);
            return new IdxArray(path, type, dims, data);
        }
    }

    /** "60000×28×28 ubyte = 47040000 bytes of data", exact even when the product overflows a long. */
    private static String declared(int[] dims, IdxArray.Type type) {
        StringBuilder sb = new StringBuilder();
        BigInteger bytes = BigInteger.valueOf(type.size);
        for (int i = 0; i < dims.length; i++) {
            sb.append(i > 0 ? "×" : "").append(dims[i]);
            bytes = bytes.multiply(BigInteger.valueOf(dims[i]));
        }
        return sb + " " + type.name().toLowerCase() + " = " + bytes + " bytes of data";
    }

    private static boolean isIdx(int magic) {
        return (magic >>> 16) == 0 && IdxArray.Type.ofCode((magic >>> 8) & 0xFF) != null;
    }

    private static String describe(int magic) {
        int rank = magic & 0xFF;
        IdxArray.Type t = IdxArray.Type.ofCode((magic >>> 8) & 0xFF);
        String kind = magic == 0x0803 ? "images, " : magic == 0x0801 ? "labels, " : "";
        return kind + (t == null ? "?" : t.name().toLowerCase()) + ", " + rank + (rank == 1 ? " dim" : " dims");
    }
}
