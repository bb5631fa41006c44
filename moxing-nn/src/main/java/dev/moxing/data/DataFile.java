package dev.moxing.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Opening a data file for the readers: gzip is recognised by its magic bytes (not by the name, so
 * a renamed file still reads), and payloads are read with bounds that come from the file length,
 * so a malformed header can neither exhaust memory nor make a reader wait for bytes that never come.
 */
final class DataFile {
    /** Deflate cannot expand a byte into more than 1032 (RFC 1951's longest match over a 1-bit code). */
    static final long MAX_DEFLATE_RATIO = 1032;
    /** The largest Java array (some VMs reserve a few header words). */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private static final int BUFFER = 1 << 16;
    /** Arrays for gzip payloads start at this size and double as bytes actually arrive. */
    private static final int FIRST_CHUNK = 1 << 24;

    final Path path;
    final long length;
    final boolean gzip;

    private DataFile(Path path, long length, boolean gzip) {
        this.path = path;
        this.length = length;
        this.gzip = gzip;
    }

    static DataFile of(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString(), null, Files.isDirectory(path) ? "is a directory" : "no such file");
        }
        long length = Files.size(path);
        boolean gzip = false;
        try (InputStream in = Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(2);
            gzip = magic.length == 2 && (magic[0] & 0xFF) == 0x1F && (magic[1] & 0xFF) == 0x8B;
        }
        return new DataFile(path, length, gzip);
    }

    /** The content, decompressed when the file is gzip. */
    InputStream open() throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(path), BUFFER);
        if (!gzip) return raw;
        try {
            return new BufferedInputStream(new GZIPInputStream(raw, BUFFER), BUFFER);
        } catch (IOException e) {
            raw.close();
            throw new MalformedFileException(path, "gzip header", null, "not a valid gzip stream (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The most content bytes the file can hold: its length when stored plain, the deflate bound
     * when gzipped. A header declaring more is wrong, and is rejected before anything is allocated.
     */
    long maxContentBytes() {
        return gzip ? Math.min(Long.MAX_VALUE / 2, length * MAX_DEFLATE_RATIO) : length;
    }

    /**
     * Reads exactly {@code n} bytes (already checked against {@link #maxContentBytes()} and
     * {@link #MAX_ARRAY}). For gzip the array grows as data arrives rather than being allocated
     * from the declared size, so a lying header costs at most twice the real content.
     */
    byte[] readExactly(InputStream in, long n, String field, String declared) throws IOException {
        int want = Math.toIntExact(n);
        byte[] buf = new byte[gzip ? Math.min(want, FIRST_CHUNK) : want];
        int have = 0;
        try {
            while (have < want) {
                if (have == buf.length) buf = Arrays.copyOf(buf, (int) Math.min(want, 2L * buf.length));
                int r = in.read(buf, have, buf.length - have);
                if (r < 0) break;
                have += r;
            }
        } catch (EOFException e) {
            throw new MalformedFileException(path, field, null, "the gzip stream ends early after " + have
                    + " bytes of " + declared + " (truncated download?)", e);
        } catch (ZipException e) {
            throw new MalformedFileException(path, field, null, "corrupt gzip data after " + have + " bytes ("
                    + e.getMessage() + ")", e);
        }
        if (have < want) {
            throw new MalformedFileException(path, field, null, "truncated: the header declares " + declared
                    + " but the file holds only " + have + " bytes of it");
        }
        return buf;
    }

    /** Fails when content continues after the declared payload (the header then lies about the shape). */
    void expectEnd(InputStream in, String declared) throws IOException {
        long extra = 0;
        byte[] sink = new byte[BUFFER];
        try {
            for (int r; (r = in.read(sink)) >= 0; ) extra += r;
        } catch (EOFException | ZipException e) {
            throw new MalformedFileException(path, "gzip trailer", null, "corrupt or truncated after the data ("
                    + e.getMessage() + ")", e);
        }
        if (extra > 0) {
            throw new MalformedFileException(path, "length", extra + " extra bytes", "the file continues after the "
                    + declared + " that the header declares");
        }
    }

    /** Reads a header field, failing with the field's name when the file ends first. */
    byte[] readField(InputStream in, int n, String field) throws IOException {
        byte[] b;
        try {
            b = in.readNBytes(n);
        } catch (EOFException | ZipException e) {
            throw new MalformedFileException(path, field, null, "unreadable gzip data (" + e.getMessage() + ")", e);
        }
        if (b.length < n) {
            throw new MalformedFileException(path, field, null, "truncated: the file ends inside the header ("
                    + (length == 0 ? "the file is empty" : "needed " + n + " bytes, found " + b.length) + ")");
        }
        return b;
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
