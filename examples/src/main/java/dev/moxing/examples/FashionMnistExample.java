package dev.moxing.examples;

import dev.moxing.data.Dataset;
import dev.moxing.data.FashionMnist;
import dev.moxing.nn.callbacks.Callback;
import dev.moxing.nn.callbacks.TrainingCurvePlot;
import dev.moxing.nn.keras.FitOptions;
import dev.moxing.nn.keras.History;
import dev.moxing.nn.keras.Sequential;
import dev.moxing.nn.layers.Conv2d;
import dev.moxing.nn.layers.Dense;
import dev.moxing.nn.layers.Flatten;
import dev.moxing.nn.layers.MaxPool2d;
import dev.moxing.nn.layers.ReLU;
import dev.moxing.optim.Adam;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fashion-MNIST classification, the textbook way and better.
 *
 * <p>The textbook model: {@code Dense(512, relu, input 784) → Dense(10, softmax)}, Adam, categorical
 * cross-entropy on one-hot labels, 10 epochs of batch 128 on pixels scaled by 1/255. The CNN:
 * conv 32 3×3 ReLU → max-pool → conv 64 3×3 ReLU → max-pool → dense 128 → dense 10.
 */
public final class FashionMnistExample {

    /** Which network to train. */
    public enum Architecture { MLP, CNN }

    /** Settings of a run; trainLimit/testLimit 0 mean the whole split. */
    public record Options(Architecture architecture, int epochs, int batchSize, double learningRate, long seed,
                          Path dataDir, Path outDir, int trainLimit, int testLimit, int verbose) {
        public static Options textbook(Architecture a) {
            return new Options(a, a == Architecture.MLP ? 10 : 5, 128, 1e-3, 0, null, null, 0, 0, 1);
        }
    }

    /** What a run produced. */
    public record Result(Sequential model, History history, double testAccuracy, double testLoss, double seconds) {
    }

    private FashionMnistExample() {
    }

    public static Sequential mlp(Rng rng) {
        return Sequential.of(
                new Dense(512, "relu", 784, rng),
                new Dense(10, "softmax", 512, rng));
    }

    public static Sequential cnn(Rng rng) {
        return Sequential.of(
                new Conv2d(1, 32, 3), new ReLU(), new MaxPool2d(2),    // (N, 32, 13, 13)
                new Conv2d(32, 64, 3), new ReLU(), new MaxPool2d(2),   // (N, 64, 5, 5)
                new Flatten(),                                          // (N, 1600)
                new Dense(128, "relu", 1600, rng),
                new Dense(10, "softmax", 128, rng));
    }

    public static Result run(Options o, PrintStream out) throws IOException {
        FashionMnist.Layout layout = o.architecture() == Architecture.CNN ? FashionMnist.Layout.IMAGES : FashionMnist.Layout.FLAT;
        FashionMnist data = FashionMnist.load(requireDataDir(o.dataDir()), layout);
        Dataset train = o.trainLimit() > 0 ? data.train().take(o.trainLimit()) : data.train();
        Dataset test = o.testLimit() > 0 ? data.test().take(o.testLimit()) : data.test();
        Tensor yTrain = Tensor.oneHot(train.labels(), 10), yTest = Tensor.oneHot(test.labels(), 10);

        Rng rng = new Rng(o.seed());
        Sequential model = o.architecture() == Architecture.MLP ? mlp(rng) : cnn(rng);
        model.compile(new Adam(o.learningRate()), "categorical_crossentropy", "accuracy");
        int[] shape = train.features().shape();
        model.build(java.util.Arrays.copyOfRange(shape, 1, shape.length)); // one sample, without the batch dim
        if (out != null && o.verbose() > 0) model.summary(out);

        List<Callback> callbacks = new ArrayList<>();
        List<Double> epochSeconds = new ArrayList<>();
        callbacks.add(new Callback() { // wall time per epoch, for benchmarks (bench/fashion-mnist.sh)
            private long start;

            @Override
            public void onEpochBegin(int epoch, Map<String, Double> logs) {
                start = System.nanoTime();
            }

            @Override
            public void onEpochEnd(int epoch, Map<String, Double> logs) {
                epochSeconds.add((System.nanoTime() - start) / 1e9);
            }
        });
        long t0 = System.nanoTime();
        History h = model.fit(train.features(), yTrain, FitOptions.defaults().epochs(o.epochs()).batchSize(o.batchSize())
                .shuffle(true).seed(o.seed()).verbose(out == null ? 0 : o.verbose()).callbacks(callbacks));
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Double> eval = model.evaluate(test.features(), yTest, 512, 0);
        double acc = eval.get("accuracy"), loss = eval.get("loss");
        if (o.outDir() != null) {
            model.save(o.outDir());
            TrainingCurvePlot.write(o.outDir().resolve("training-curve.png"), h.epochs());
        }
        if (out != null) {
            out.printf(Locale.ROOT, "train_seconds: %.1f (%.2f s/epoch)%n", seconds, seconds / o.epochs());
            StringBuilder per = new StringBuilder("epoch_seconds:");
            for (double e : epochSeconds) per.append(String.format(Locale.ROOT, " %.3f", e));
            out.println(per);
            out.printf(Locale.ROOT, "test_loss: %.4f%n", loss);
            out.printf(Locale.ROOT, "test_accuracy: %.4f%n", acc);
            if (o.outDir() != null) out.println("saved: " + o.outDir().toAbsolutePath());
        }
        return new Result(model, h, acc, loss, seconds);
    }

    /** An explicitly given directory must hold the data: never fall back silently to another copy. */
    static Path requireDataDir(Path dir) throws java.io.FileNotFoundException {
        if (dir == null) return null;
        if (!java.nio.file.Files.isDirectory(dir)) {
            throw new java.io.FileNotFoundException("Fashion-MNIST: --data " + dir + " is not a directory");
        }
        for (String f : FashionMnist.FILES) {
            String plain = f.endsWith(".gz") ? f.substring(0, f.length() - 3) : f;
            if (!java.nio.file.Files.exists(dir.resolve(f)) && !java.nio.file.Files.exists(dir.resolve(plain))) {
                throw new java.io.FileNotFoundException("Fashion-MNIST: " + dir + " has no " + f
                        + " (expected the four *-ubyte.gz files; see --help)");
            }
        }
        return dir;
    }

    public static void main(String[] args) throws IOException {
        Architecture a = args.length > 0 ? Architecture.valueOf(args[0].toUpperCase(Locale.ROOT)) : Architecture.MLP;
        run(Options.textbook(a), System.out);
    }
}
