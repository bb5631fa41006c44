package dev.moxing.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Makes the vendored subset {@code data/fashion-mnist-subset}: the first {@link #TRAIN} training and
 * {@link #TEST} test images and labels of the full release, re-encoded as gzipped IDX under the
 * original file names. Run from the repo root:
 * {@code java -cp … dev.moxing.data.FashionMnistSubsetWriter /usr/share/datasets/fashion-mnist data/fashion-mnist-subset}.
 * {@code FashionMnistTest} checks the vendored files against the full ones when those are present.
 */
final class FashionMnistSubsetWriter {
    static final int TRAIN = 2000;
    static final int TEST = 500;

    private FashionMnistSubsetWriter() {
    }

    public static void main(String[] args) throws IOException {
        Path from = Path.of(args[0]);
        Path to = Path.of(args[1]);
        Files.createDirectories(to);
        for (String name : FashionMnist.FILES) {
            int n = name.startsWith("train") ? TRAIN : TEST;
            byte[] content = firstRows(from.resolve(name), n);
            IdxFiles.write(to.resolve(name), IdxFiles.gzip(content));
        }
    }

    /** The uncompressed IDX content of the first n rows of an IDX file. */
    static byte[] firstRows(Path file, int n) throws IOException {
        IdxArray a = IdxReader.read(file);
        int[] dims = a.dims();
        int rowBytes = a.data().length / dims[0];
        dims[0] = n;
        int magic = (a.type().code << 8) | dims.length;
        return IdxFiles.idx(magic, dims, Arrays.copyOf(a.data(), n * rowBytes));
    }
}
