package dev.moxing.cli;

import dev.moxing.examples.FashionMnistExample;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code moxing train …}: training jobs. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a model.",
        subcommands = {TrainCommand.FashionMnistCommand.class, dev.moxing.cli.llm.TrainGptCommand.class})
final class TrainCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "fashion-mnist", mixinStandardHelpOptions = true,
            description = "Train the textbook MLP or a small CNN on Fashion-MNIST; prints Keras-style progress and test_accuracy.")
    static final class FashionMnistCommand implements Callable<Integer> {
        @Option(names = "--model", description = "mlp or cnn (default: ${DEFAULT-VALUE}).")
        String model = "mlp";
        @Option(names = "--epochs", description = "Epochs (default: 10 for mlp, 5 for cnn).")
        Integer epochs;
        @Option(names = "--batch-size", description = "Batch size (default: ${DEFAULT-VALUE}).")
        int batchSize = 128;
        @Option(names = "--lr", description = "Adam learning rate; for the CNN the peak of its warm-up + cosine schedule"
                + " (default: 0.001 for mlp, 0.002 for cnn).")
        Double lr;
        @Option(names = "--seed", description = "Seed for initialisation and shuffling (default: ${DEFAULT-VALUE}).")
        long seed = 0;
        @Option(names = "--data", description = "Directory with the four *-ubyte.gz files (default: /usr/share/datasets/fashion-mnist).")
        Path data;
        @Option(names = "--out", description = "Directory to save the model (after every epoch), optimizer state and training-curve.png.")
        Path out;
        @Option(names = "--train-limit", description = "Use only the first N training images (0 = all; default: ${DEFAULT-VALUE}).")
        int trainLimit = 0;
        @Option(names = "--test-limit", description = "Use only the first N test images (0 = all; default: ${DEFAULT-VALUE}).")
        int testLimit = 0;
        @Option(names = "--resume", paramLabel = "DIR", description = "Continue a run saved with --out DIR: weights,"
                + " optimizer state, schedule and epoch count come back; --epochs is the final epoch count. The result"
                + " equals an uninterrupted run bit for bit (same --seed and thread count). --out defaults to DIR.")
        Path resume;
        @Option(names = "--verbose", description = "0 silent, 1 progress bar, 2 one line per epoch (default: ${DEFAULT-VALUE}).")
        int verbose = 1;

        @Override
        public Integer call() throws Exception {
            FashionMnistExample.Architecture a = switch (model) {
                case "mlp" -> FashionMnistExample.Architecture.MLP;
                case "cnn" -> FashionMnistExample.Architecture.CNN;
                default -> throw new IllegalArgumentException("--model: expected mlp or cnn, got '" + model + "'");
            };
            int e = epochs != null ? epochs : FashionMnistExample.Options.textbook(a).epochs();
            ExampleCommand.require(e >= 1, "--epochs", e);
            ExampleCommand.require(batchSize >= 1, "--batch-size", batchSize);
            double rate = lr != null ? lr : FashionMnistExample.Options.textbook(a).learningRate();
            ExampleCommand.require(rate > 0 && Double.isFinite(rate), "--lr", rate);
            if (resume != null && lr != null) {
                throw new IllegalArgumentException("--lr: cannot be changed when resuming; the optimizer and its schedule come from " + resume);
            }
            ExampleCommand.require(trainLimit >= 0, "--train-limit", trainLimit);
            ExampleCommand.require(testLimit >= 0, "--test-limit", testLimit);
            FashionMnistExample.run(new FashionMnistExample.Options(a, e, batchSize, rate, seed, data, out, trainLimit,
                    testLimit, verbose, resume).withOut(out != null ? out : resume), System.out);
            return 0;
        }
    }
}
