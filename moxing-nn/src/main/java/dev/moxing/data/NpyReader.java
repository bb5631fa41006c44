package dev.moxing.data;

import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads NumPy {@code .npy} files, versions 1.0, 2.0 and 3.0, of types {@code f4 f8 i4 i8 u1} in
 * C order. Layout: {@code \x93NUMPY}, major and minor version bytes, the header length (2 bytes
 * little-endian in v1, 4 in v2/v3), the header dict (latin-1, UTF-8 in v3), then the raw data.
 *
 * <p>The data length the header implies must equal what the file holds after the header; this is
 * checked before the array is allocated.
 */
public final class NpyReader {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** NumPy itself refuses headers over 10,000 bytes unless told otherwise; a megabyte is generous. */
    static final int MAX_HEADER = 1 << 20;
    private static final int CHUNK = 1 << 20;

    private NpyReader() {
    }

    /** The array: F32 for float types (f8 narrowed), I32 for integer types (i8 checked to fit). */
    public static Tensor read(Path path) throws IOException {
        return read(path, false);
    }

    /** The array as F32 whatever its type (uint8 images, say). */
    public static Tensor readFloats(Path path) throws IOException {
        return read(path, true);
    }

    public static NpyHeader readHeader(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return header(ch, path);
        }
    }

    private static NpyHeader header(FileChannel ch, Path path) throws IOException {
        long length = ch.size();
        ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, pre, 0);
        if (pre.limit() < 10 || !startsWithMagic(pre)) {
            throw new MalformedFileException(path, "magic", null, pre.limit() < 10 ? "the file is too short (" + length
                    + " bytes) to be a .npy file" : "not a .npy file (it must start with \\x93NUMPY)");
        }
        int major = pre.get(6) & 0xFF;
        int minor = pre.get(7) & 0xFF;
        if (major < 1 || major > 3 || minor != 0) {
            throw new MalformedFileException(path, "version", major + "." + minor, "supported versions are 1.0, 2.0 and 3.0");
        }
        int prefix = major == 1 ? 10 : 12;
        if (pre.limit() < prefix) throw new MalformedFileException(path, "header length", null, "truncated: the file ends at byte " + length);
        long headerLen = major == 1 ? pre.getShort(8) & 0xFFFF : Integer.toUnsignedLong(pre.getInt(8));
        if (headerLen > MAX_HEADER || prefix + headerLen > length) {
            throw new MalformedFileException(path, "header length", headerLen, headerLen > MAX_HEADER
                    ? "larger than " + MAX_HEADER + " bytes (corrupt file?)"
                    : "truncated: the header runs past the end of the file (" + length + " bytes)");
        }
        ByteBuffer text = ByteBuffer.allocate((int) headerLen);
        readFully(ch, text, prefix);
        String dict = new String(text.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        NpyHeader h = NpyHeader.parse(dict, path, prefix + headerLen);
        long have = length - h.dataOffset();
        if (have != h.dataBytes()) {
            throw new MalformedFileException(path, "header 'shape'", Shape.str(h.shape()), "declares "
                    + h.count() + " × " + h.type().size() + " = " + h.dataBytes() + " bytes of " + h.type().code
                    + " data, but the file holds " + have + (have < h.dataBytes() ? " (truncated)" : " (extra bytes after the data)"));
        }
        return h;
    }

    private static boolean startsWithMagic(ByteBuffer b) {
        for (int i = 0; i < MAGIC.length; i++) if (b.get(i) != MAGIC[i]) return false;
        return true;
    }

    /** Fills {@code buf} from {@code position} as far as the file allows; flips it. */
    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, position + buf.position());
            if (r < 0) break;
        }
        buf.flip();
    }

    private static Tensor read(Path path, boolean asFloats) throws IOException {
        if (!Files.isRegularFile(path)) throw new NoSuchFileException(path.toString());
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            NpyHeader h = header(ch, path);
            int n = h.count();
            boolean floats = asFloats || h.type().isFloat();
            float[] f = floats ? new float[n] : null;
            int[] v = floats ? null : new int[n];
            int size = h.type().size();
            ByteBuffer buf = ByteBuffer.allocate(Math.max(size, CHUNK / size * size)).order(h.order());
            long pos = h.dataOffset();
            for (int i = 0; i < n; ) {
                buf.clear();
                buf.limit((int) Math.min(buf.capacity(), (long) (n - i) * size));
                readFully(ch, buf, pos);
                if (buf.limit() % size != 0 || buf.limit() == 0) {
                    throw new MalformedFileException(path, "data", null, "the file changed while being read");
                }
                pos += buf.limit();
                for (; buf.hasRemaining(); i++) {
                    switch (h.type()) {
                        case F4 -> f[i] = buf.getFloat();
                        case F8 -> f[i] = (float) buf.getDouble();
                        case U1 -> {
                            int b = buf.get() & 0xFF;
                            if (floats) f[i] = b;
                            else v[i] = b;
                        }
                        case I4 -> {
                            int x = buf.getInt();
                            if (floats) f[i] = x;
                            else v[i] = x;
                        }
                        case I8 -> {
                            long x = buf.getLong();
                            if (floats) f[i] = x;
                            else if (x != (int) x) {
                                throw new MalformedFileException(path, "element " + i, x, "does not fit in int32 "
                                        + "(read it with readFloats, or store it as int32)");
                            } else v[i] = (int) x;
                        }
                    }
                }
            }
            return floats ? Tensor.fromArray(f, h.shape()) : Tensor.ofInts(v, h.shape());
        }
    }
}
