package dev.moxing.examples;

import dev.moxing.data.DataLoader;
import dev.moxing.data.Dataset;
import dev.moxing.data.FashionMnist;
import dev.moxing.data.Transforms;
import dev.moxing.nn.Module;
import dev.moxing.nn.callbacks.Callback;
import dev.moxing.nn.callbacks.TrainingCurvePlot;
import dev.moxing.nn.keras.FitOptions;
import dev.moxing.nn.init.Init;
import dev.moxing.nn.keras.History;
import dev.moxing.nn.keras.Model;
import dev.moxing.nn.keras.Sequential;
import dev.moxing.nn.layers.Conv2d;
import dev.moxing.nn.layers.Dense;
import dev.moxing.nn.layers.Dropout;
import dev.moxing.nn.layers.Flatten;
import dev.moxing.nn.layers.MaxPool2d;
import dev.moxing.nn.layers.ReLU;
import dev.moxing.optim.Adam;
import dev.moxing.optim.schedule.WarmupCosine;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fashion-MNIST classification, the textbook way and better.
 *
 * <p>The textbook model: {@code Dense(512, relu, input 784) → Dense(10, softmax)}, Adam, categorical
 * cross-entropy on one-hot labels, 10 epochs of batch 128 on pixels scaled by 1/255. The CNN:
 * conv 32 3×3 ReLU → max-pool → conv 64 3×3 ReLU → max-pool → dense 128 → dense 10, trained with
 * the choices of {@link CnnRecipe}.
 *
 * <p>A run saved with {@code outDir} can be continued with {@code resumeDir}: the model, Adam's
 * moments and step counts, the learning-rate schedule's position and the epoch count come back,
 * and each epoch's shuffle and augmentation depend on (seed, epoch) only, so training 2 epochs,
 * saving, and resuming to 5 gives the weights of 5 epochs straight, bit for bit.
 */
public final class FashionMnistExample {

    /** Which network to train. */
    public enum Architecture { MLP, CNN }

    /**
     * Settings of a run; trainLimit/testLimit 0 mean the whole split. epochs is the final epoch
     * count; resumeDir (or null) is a model saved by an earlier run to continue from; recipe says
     * how the CNN trains (learningRate is its peak rate).
     */
    public record Options(Architecture architecture, int epochs, int batchSize, double learningRate, long seed,
                          Path dataDir, Path outDir, int trainLimit, int testLimit, int verbose, Path resumeDir,
                          CnnRecipe recipe) {
        public Options(Architecture architecture, int epochs, int batchSize, double learningRate, long seed,
                       Path dataDir, Path outDir, int trainLimit, int testLimit, int verbose) {
            this(architecture, epochs, batchSize, learningRate, seed, dataDir, outDir, trainLimit, testLimit, verbose, null);
        }

        public Options(Architecture architecture, int epochs, int batchSize, double learningRate, long seed,
                       Path dataDir, Path outDir, int trainLimit, int testLimit, int verbose, Path resumeDir) {
            this(architecture, epochs, batchSize, learningRate, seed, dataDir, outDir, trainLimit, testLimit, verbose, resumeDir,
                    CnnRecipe.TUNED);
        }

        public static Options textbook(Architecture a) {
            return a == Architecture.MLP ? new Options(a, 10, 128, 1e-3, 0, null, null, 0, 0, 1)
                    : new Options(a, 5, 128, CnnRecipe.TUNED.peakLearningRate(), 0, null, null, 0, 0, 1);
        }

        public Options resume(Path dir) {
            return new Options(architecture, epochs, batchSize, learningRate, seed, dataDir, outDir, trainLimit, testLimit, verbose, dir, recipe);
        }

        public Options withOut(Path dir) {
            return new Options(architecture, epochs, batchSize, learningRate, seed, dataDir, dir, trainLimit, testLimit, verbose, resumeDir, recipe);
        }
    }

    /**
     * How the CNN is trained, beyond its layers (which stay as stated). Every choice is a standard
     * one; docs/fashion-mnist.md lists the configurations tried and their accuracy.
     *
     * @param samePadding      pad the convolutions by 1 so 3×3 kernels keep 28×28 and 14×14
     * @param heInit           He-normal convolution kernels, zero biases (else PyTorch's U(±1/√fanIn)); dense layers are Glorot either way
     * @param dropout          dropout rate before the dense 128 layer (0: none)
     * @param peakLearningRate the Adam rate reached after warm-up (the CLI's --lr for the CNN)
     * @param warmupEpochs     linear warm-up length, then cosine decay to 0 over the run (0: constant rate)
     * @param flip             random horizontal flips of the training images
     * @param cropPadding      random crops after zero padding by this much (0: none)
     */
    public record CnnRecipe(boolean samePadding, boolean heInit, double dropout, double peakLearningRate,
                            double warmupEpochs, boolean flip, int cropPadding) {
        /** The first recipe (0.9004 after 5 epochs, with the shuffling of the time): valid convolutions, PyTorch init, constant 1e-3. */
        public static final CnnRecipe PLAIN = new CnnRecipe(false, false, 0, 1e-3, 0, false, 0);
        /**
         * The default: 'same' padding, He/Glorot init, Adam warming up over half an epoch to 2e-3
         * then cosine decay to 0, no dropout, no augmentation. 0.9193 after 5 epochs, seed 0.
         */
        public static final CnnRecipe TUNED = new CnnRecipe(true, true, 0, 2e-3, 0.5, false, 0);
    }

    /** What a run produced. */
    public record Result(Model model, History history, double testAccuracy, double testLoss, double seconds) {
    }

    private FashionMnistExample() {
    }

    public static Sequential mlp(Rng rng) {
        return Sequential.of(
                new Dense(512, "relu", 784, rng),
                new Dense(10, "softmax", 512, rng));
    }

    /** The CNN with the default recipe. */
    public static Sequential cnn(Rng rng) {
        return cnn(rng, CnnRecipe.TUNED);
    }

    public static Sequential cnn(Rng rng, CnnRecipe r) {
        int pad = r.samePadding() ? 1 : 0;
        int side = r.samePadding() ? 7 : 5;                      // 28 → 14 → 7, or 28 → 26 → 13 → 11 → 5
        Conv2d conv1 = conv(1, 32, pad, rng), conv2 = conv(32, 64, pad, rng);
        if (r.heInit()) {
            Init.heNormal(conv1.weight(), rng);
            Init.heNormal(conv2.weight(), rng);
            Init.zeros(conv1.bias());
            Init.zeros(conv2.bias());
        }
        List<Module> layers = new ArrayList<>(List.of(
                conv1, new ReLU(), new MaxPool2d(2),                 // (N, 32, 14, 14)
                conv2, new ReLU(), new MaxPool2d(2),                 // (N, 64, 7, 7)
                new Flatten()));                                     // (N, 3136)
        if (r.dropout() > 0) layers.add(new Dropout(r.dropout(), rng));
        layers.add(new Dense(128, "relu", 64 * side * side, rng));
        layers.add(new Dense(10, "softmax", 128, rng));
        return Sequential.of(layers.toArray(Module[]::new));
    }

    private static Conv2d conv(int in, int out, int pad, Rng rng) {
        return new Conv2d(in, out, new int[] {3, 3}, new int[] {1, 1}, new int[] {pad, pad}, new int[] {1, 1}, 1, true, rng);
    }

    public static Result run(Options o, PrintStream out) throws IOException {
        FashionMnist.Layout layout = o.architecture() == Architecture.CNN ? FashionMnist.Layout.IMAGES : FashionMnist.Layout.FLAT;
        FashionMnist data = FashionMnist.load(requireDataDir(o.dataDir()), layout);
        Dataset train = o.trainLimit() > 0 ? data.train().take(o.trainLimit()) : data.train();
        Dataset test = o.testLimit() > 0 ? data.test().take(o.testLimit()) : data.test();
        Dataset trainSet = Dataset.of(train.features(), Tensor.oneHot(train.labels(), 10));
        Tensor yTest = Tensor.oneHot(test.labels(), 10);
        int[] shape = train.features().shape();
        int[] sample = Arrays.copyOfRange(shape, 1, shape.length);
        int stepsPerEpoch = (train.size() + o.batchSize() - 1) / o.batchSize();

        Model model;
        int initialEpoch = 0;
        if (o.resumeDir() != null) {
            model = resumed(o, sample, stepsPerEpoch);
            initialEpoch = model.epochsTrained();
        } else {
            Rng rng = new Rng(o.seed());
            CnnRecipe recipe = o.recipe();
            model = o.architecture() == Architecture.MLP ? mlp(rng) : cnn(rng, recipe);
            Adam adam = new Adam(o.learningRate());
            if (o.architecture() == Architecture.CNN && recipe.warmupEpochs() > 0) {
                long total = (long) o.epochs() * stepsPerEpoch;
                adam.schedule(new WarmupCosine(Math.round(recipe.warmupEpochs() * stepsPerEpoch), total, 0));
            }
            model.compile(adam, "categorical_crossentropy", "accuracy");
            model.build(sample);
        }
        if (out != null && o.verbose() > 0) model.summary(out);
        DataLoader.Builder loader = DataLoader.builder(trainSet).batchSize(o.batchSize()).seed(o.seed());
        if (o.architecture() == Architecture.CNN) {
            CnnRecipe recipe = o.recipe();
            if (recipe.cropPadding() > 0) loader.transform(Transforms.randomCrop(recipe.cropPadding(), new Rng(0)));
            if (recipe.flip()) loader.transform(Transforms.randomHorizontalFlip(new Rng(0))); // reseeded per epoch
        }

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
        if (o.outDir() != null) {
            callbacks.add(new Callback() { // a checkpoint per epoch: an interrupted run can be resumed from it
                @Override
                public void onEpochEnd(int epoch, Map<String, Double> logs) {
                    try {
                        model.save(o.outDir());
                    } catch (IOException e) {
                        throw new UncheckedIOException("saving the epoch " + (epoch + 1) + " checkpoint to " + o.outDir(), e);
                    }
                }
            });
        }
        long t0 = System.nanoTime();
        History h;
        try (DataLoader batches = loader.build()) {
            h = model.fit(batches, FitOptions.defaults().epochs(o.epochs()).initialEpoch(initialEpoch)
                    .verbose(out == null ? 0 : o.verbose()).callbacks(callbacks));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (h.terminatedOnNaN()) {
            throw new IllegalStateException("training diverged: " + h.stopReason() + "; try a lower --lr"
                    + (o.outDir() != null && model.epochsTrained() > initialEpoch
                    ? " (" + o.outDir() + " holds the last completed epoch)" : ""));
        }
        Map<String, Double> eval = model.evaluate(test.features(), yTest, 512, 0);
        double acc = eval.get("accuracy"), loss = eval.get("loss");
        if (o.outDir() != null) {
            TrainingCurvePlot.write(o.outDir().resolve("training-curve.png"), h.epochs());
        }
        if (out != null) {
            out.printf(Locale.ROOT, "train_seconds: %.1f (%.2f s/epoch)%n", seconds, seconds / (o.epochs() - initialEpoch));
            StringBuilder per = new StringBuilder("epoch_seconds:");
            for (double e : epochSeconds) per.append(String.format(Locale.ROOT, " %.3f", e));
            out.println(per);
            out.printf(Locale.ROOT, "test_loss: %.4f%n", loss);
            out.printf(Locale.ROOT, "test_accuracy: %.4f%n", acc);
            if (o.outDir() != null) out.println("saved: " + o.outDir().toAbsolutePath());
        }
        return new Result(model, h, acc, loss, seconds);
    }

    /** The saved model to continue, checked against the run's architecture and epoch count. */
    private static Model resumed(Options o, int[] sample, int stepsPerEpoch) throws IOException {
        Model model = Model.load(o.resumeDir());
        String where = "--resume " + o.resumeDir();
        if (!model.isCompiled()) throw new IllegalArgumentException(where + ": the saved model has no optimizer settings to continue with");
        if (!Arrays.equals(model.inputShape(), sample)) {
            throw new IllegalArgumentException(where + ": the saved model takes input " + Arrays.toString(model.inputShape())
                    + ", but --model " + o.architecture().name().toLowerCase(Locale.ROOT) + " feeds " + Arrays.toString(sample));
        }
        if (model.optimizer().schedule() instanceof WarmupCosine wc && wc.totalSteps() != (long) o.epochs() * stepsPerEpoch) {
            throw new IllegalArgumentException(where + ": the saved run's learning-rate schedule spans " + wc.totalSteps()
                    + " steps (" + wc.totalSteps() / (double) stepsPerEpoch + " epochs of " + stepsPerEpoch
                    + " steps); resume it with the --epochs and --batch-size it was started with");
        }
        if (model.epochsTrained() >= o.epochs()) {
            throw new IllegalArgumentException(where + ": the model has already trained " + model.epochsTrained()
                    + " epochs; --epochs is the final count, so pass more than that");
        }
        return model;
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
