package dev.moxing.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code moxing train fashion-mnist} on the 2,000-image subset shipped in data/: resuming, and
 * what bad input looks like from the command line (one line naming the problem, exit 1, no trace).
 */
class TrainFashionMnistTest {
    static final Path SUBSET = Path.of("..", "data", "fashion-mnist-subset");

    private static String[] train(String... more) {
        String[] base = {"train", "fashion-mnist", "--data", SUBSET.toString(), "--verbose", "0", "--test-limit", "200"};
        if (!Arrays.asList(more).contains("--train-limit")) {
            base = Arrays.copyOf(base, base.length + 2);
            base[base.length - 2] = "--train-limit";
            base[base.length - 1] = "600";
        }
        String[] args = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return CliRun.run(args);
    }

    private static void assertCleanFailure(String[] r, String... fragments) {
        assertThat(r[0]).as(r[2]).isEqualTo("1");
        String[] lines = r[2].strip().split("\n");
        assertThat(lines[lines.length - 1]).startsWith("moxing: ");
        assertThat(r[2]).doesNotContain("\tat ").doesNotContain("Exception");
        for (String f : fragments) assertThat(r[2]).contains(f);
    }

    @Test
    void resumeContinuesTheRunBitForBit(@TempDir Path tmp) throws Exception {
        Path straight = tmp.resolve("straight"), part = tmp.resolve("part"), resumed = tmp.resolve("resumed");
        assertThat(train("--epochs", "3", "--out", straight.toString())[0]).isEqualTo("0");
        assertThat(train("--epochs", "1", "--out", part.toString())[0]).isEqualTo("0");
        String[] r = train("--epochs", "3", "--resume", part.toString(), "--out", resumed.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(Files.readAllBytes(resumed.resolve("model.safetensors")))
                .isEqualTo(Files.readAllBytes(straight.resolve("model.safetensors")));
        assertThat(Files.readAllBytes(resumed.resolve("optimizer.safetensors")))
                .isEqualTo(Files.readAllBytes(straight.resolve("optimizer.safetensors")));
        assertThat(r[1]).contains("test_accuracy:");

        assertCleanFailure(train("--epochs", "3", "--resume", resumed.toString()), "already trained 3 epochs");
        assertCleanFailure(train("--model", "cnn", "--epochs", "4", "--resume", resumed.toString()),
                "the saved model takes input [784]", "--model cnn feeds [1, 28, 28]");
        assertCleanFailure(train("--epochs", "4", "--lr", "0.1", "--resume", resumed.toString()), "--lr: cannot be changed");
        assertCleanFailure(train("--epochs", "4", "--resume", tmp.resolve("nothing").toString()), "model.json");
    }

    @Test
    void aScheduledCnnRunResumesOnlyWithItsPlannedLength(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("cnn");
        String[] first = train("--model", "cnn", "--epochs", "1", "--train-limit", "256", "--out", out.toString());
        assertThat(first[0]).as(first[2]).isEqualTo("0");
        assertCleanFailure(train("--model", "cnn", "--epochs", "3", "--train-limit", "256", "--resume", out.toString()),
                "schedule spans 2 steps", "resume it with the --epochs and --batch-size it was started with");
    }

    @Test
    void aTruncatedSafetensorsFileIsNamed(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("m");
        assertThat(train("--epochs", "1", "--out", out.toString())[0]).isEqualTo("0");
        Path weights = out.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(bytes, bytes.length / 2));
        assertCleanFailure(train("--epochs", "2", "--resume", out.toString()), "model.safetensors");
        assertCleanFailure(CliRun.run("eval", "--model", out.toString(), "--data", SUBSET.toString()), "model.safetensors");
    }

    /** A copy of the subset in which one file is replaced by {@code content} (gzip-compressed). */
    private static Path subsetWith(Path tmp, String file, byte[] content) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("data"));
        try (var files = Files.list(SUBSET)) {
            for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(content);
        }
        Files.write(dir.resolve(file), gz.toByteArray());
        return dir;
    }

    private static byte[] gunzip(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return in.readAllBytes();
        }
    }

    @Test
    void aTruncatedIdxFileIsNamed(@TempDir Path tmp) throws Exception {
        byte[] images = gunzip(SUBSET.resolve("train-images-idx3-ubyte.gz"));
        Path data = subsetWith(tmp, "train-images-idx3-ubyte.gz", Arrays.copyOf(images, images.length - 100));
        assertCleanFailure(CliRun.run("train", "fashion-mnist", "--data", data.toString(), "--epochs", "1"),
                "train-images-idx3-ubyte.gz");
    }

    @Test
    void aCutGzipStreamIsNamed(@TempDir Path tmp) throws Exception {
        Path data = subsetWith(tmp, "t10k-labels-idx1-ubyte.gz", new byte[0]);
        byte[] gz = Files.readAllBytes(SUBSET.resolve("t10k-labels-idx1-ubyte.gz"));
        Files.write(data.resolve("t10k-labels-idx1-ubyte.gz"), Arrays.copyOf(gz, gz.length / 2));
        assertCleanFailure(CliRun.run("train", "fashion-mnist", "--data", data.toString(), "--epochs", "1"),
                "t10k-labels-idx1-ubyte.gz");
    }

    @Test
    void aLabelOutOfRangeIsNamed(@TempDir Path tmp) throws Exception {
        byte[] labels = gunzip(SUBSET.resolve("train-labels-idx1-ubyte.gz"));
        labels[8 + 5] = 12;                                    // after the 8-byte header: label 5
        Path data = subsetWith(tmp, "train-labels-idx1-ubyte.gz", labels);
        assertCleanFailure(CliRun.run("train", "fashion-mnist", "--data", data.toString(), "--epochs", "1"),
                "train-labels-idx1-ubyte.gz", "label 5", "12");
    }

    @Test
    void aMissingFileIsNamed(@TempDir Path tmp) throws Exception {
        Path data = subsetWith(tmp, "train-labels-idx1-ubyte.gz", new byte[0]);
        Files.delete(data.resolve("train-labels-idx1-ubyte.gz"));
        assertCleanFailure(CliRun.run("train", "fashion-mnist", "--data", data.toString(), "--epochs", "1"),
                "train-labels-idx1-ubyte.gz");
    }

    @Test
    void aTrainingThatTurnsNaNStopsWithAMessage(@TempDir Path tmp) {
        String[] r = train("--epochs", "2", "--lr", "1e30", "--out", tmp.resolve("m").toString());
        assertCleanFailure(r, "training diverged", "the loss became", "try a lower --lr");
        assertThat(r[1]).doesNotContain("test_accuracy");
    }

    @Test
    void evalUsesTheLayoutTheModelWasBuiltFor(@TempDir Path tmp) throws Exception {
        // A CNN takes (1, 28, 28) images; eval used to feed it flat rows.
        Path cnn = tmp.resolve("cnn");
        assertThat(train("--model", "cnn", "--epochs", "1", "--train-limit", "256", "--out", cnn.toString())[0]).isEqualTo("0");
        String[] r = CliRun.run("eval", "--model", cnn.toString(), "--data", SUBSET.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("test_accuracy:");

        var other = dev.moxing.nn.keras.Sequential.of(new dev.moxing.nn.layers.Dense(3, "softmax", 2, new dev.moxing.random.Rng(1)));
        other.compile("adam", "sparse_categorical_crossentropy", "accuracy").build(2);
        other.save(tmp.resolve("other"));
        assertCleanFailure(CliRun.run("eval", "--model", tmp.resolve("other").toString(), "--data", SUBSET.toString()),
                "the model takes input [2] per sample", "[1, 28, 28]");
    }
}
