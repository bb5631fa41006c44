package dev.moxing.data;

import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Zalando's Fashion-MNIST: 28×28 greyscale images of clothing in 10 classes, 60,000 for training
 * and 10,000 for testing, in the four IDX files of the original release.
 *
 * <p>{@link #load} looks in the directory given (e.g. by {@code --data DIR}), then in
 * {@value #DEBIAN_DIR}, where Debian's {@code dataset-fashion-mnist} package installs the same
 * files. Images become F32 in [0, 1], (N, 784) or (N, 1, 28, 28); labels I32 in 0..9.
 */
public record FashionMnist(Dataset train, Dataset test) {
    public static final String DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";
    public static final String SOURCE_URL = "https://github.com/zalandoresearch/fashion-mnist";
    /** File names of the release; each may also be stored uncompressed (without {@code .gz}). */
    public static final List<String> FILES = List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");
    /** Class names in label order (0 = T-shirt/top … 9 = Ankle boot). */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    public static final int SIDE = 28;

    /** How images are shaped. */
    public enum Layout {
        /** (N, 784), for dense networks. */
        FLAT,
        /** (N, 1, 28, 28), for convolutions and image transforms. */
        IMAGES
    }

    public List<String> classNames() {
        return CLASS_NAMES;
    }

    /** Loads with flat (N, 784) images. */
    public static FashionMnist load(Path dirOrNull) throws IOException {
        return load(dirOrNull, Layout.FLAT);
    }

    /**
     * Loads from {@code dirOrNull} if it holds the four files, else from {@value #DEBIAN_DIR}.
     *
     * @throws FileNotFoundException when neither has them; the message says how to get them
     */
    public static FashionMnist load(Path dirOrNull, Layout layout) throws IOException {
        Path dir = locate(dirOrNull);
        Dataset train = read(dir, "train", layout);
        Dataset test = read(dir, "t10k", layout);
        return new FashionMnist(train, test);
    }

    /** The directory the data would be loaded from. */
    public static Path locate(Path dirOrNull) throws FileNotFoundException {
        List<Path> candidates = new ArrayList<>();
        if (dirOrNull != null) candidates.add(dirOrNull);
        candidates.add(Path.of(DEBIAN_DIR));
        return locate(candidates);
    }

    /** The first candidate holding all four files. */
    static Path locate(List<Path> candidates) throws FileNotFoundException {
        List<String> looked = new ArrayList<>();
        for (Path dir : candidates) {
            List<String> missing = missing(dir);
            if (missing.isEmpty()) return dir;
            looked.add("  " + dir.toAbsolutePath() + (Files.isDirectory(dir) ? " (missing " + String.join(", ", missing) + ")"
                    : " (no such directory)"));
        }
        throw new FileNotFoundException("Fashion-MNIST not found. Looked in:\n" + String.join("\n", looked) + "\n"
                + "To get it, either:\n"
                + "  - on Debian or Ubuntu: sudo apt-get install dataset-fashion-mnist   (installs into " + DEBIAN_DIR + ")\n"
                + "  - or download " + String.join(", ", FILES) + "\n"
                + "    from " + SOURCE_URL + " (folder data/fashion) into a directory DIR and pass --data DIR");
    }

    private static List<String> missing(Path dir) {
        List<String> missing = new ArrayList<>();
        for (String f : FILES) if (file(dir, f) == null) missing.add(f);
        return missing;
    }

    /** {@code name} in dir, or its uncompressed form, or null. */
    private static Path file(Path dir, String name) {
        Path gz = dir.resolve(name);
        if (Files.isRegularFile(gz)) return gz;
        Path raw = dir.resolve(name.substring(0, name.length() - ".gz".length()));
        return Files.isRegularFile(raw) ? raw : null;
    }

    private static Dataset read(Path dir, String split, Layout layout) throws IOException {
        Path imagesFile = file(dir, split + "-images-idx3-ubyte.gz");
        Path labelsFile = file(dir, split + "-labels-idx1-ubyte.gz");
        IdxArray images = IdxReader.read(imagesFile, 0x0803);
        int[] d = images.dims();
        if (d[1] != SIDE || d[2] != SIDE) {
            throw new MalformedFileException(imagesFile, "dimensions", Shape.str(d), "Fashion-MNIST images are 28×28");
        }
        Tensor labels = IdxReader.readLabels(labelsFile);
        if (labels.size(0) != d[0]) {
            throw new MalformedFileException(labelsFile, "dimension 0", labels.size(0), "the images file "
                    + imagesFile.getFileName() + " holds " + d[0] + " images");
        }
        int[] y = labels.toIntArray();
        for (int i = 0; i < y.length; i++) {
            if (y[i] >= CLASS_NAMES.size()) {
                throw new MalformedFileException(labelsFile, "label " + i, y[i], "Fashion-MNIST classes are 0 to 9");
            }
        }
        Tensor x = images.toFloatTensor(1f / 255f);
        x = layout == Layout.FLAT ? x.reshape(d[0], SIDE * SIDE) : x.reshape(d[0], 1, SIDE, SIDE);
        return Dataset.of(x, labels);
    }
}
