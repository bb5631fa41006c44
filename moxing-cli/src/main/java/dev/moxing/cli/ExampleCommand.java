package dev.moxing.cli;

import dev.moxing.examples.LogisticRegression;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code moxing example …}: the worked examples. */
@Command(name = "example", mixinStandardHelpOptions = true,
        description = "Run a worked example.",
        subcommands = {ExampleCommand.Logistic.class})
final class ExampleCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "logistic-regression", mixinStandardHelpOptions = true,
            description = "Binary logistic regression trained by gradient descent on two noisy synthetic classes.")
    static final class Logistic implements Callable<Integer> {
        private final LogisticRegression.Config d = LogisticRegression.Config.defaults();

        @Option(names = "--dims", description = "Feature dimensions (default: ${DEFAULT-VALUE}).")
        int dims = d.dims();
        @Option(names = "--train", description = "Training examples (default: ${DEFAULT-VALUE}).")
        int train = d.trainSize();
        @Option(names = "--test", description = "Held-out examples (default: ${DEFAULT-VALUE}).")
        int test = d.testSize();
        @Option(names = "--separation", description = "Distance of each class mean from the origin, in noise std (default: ${DEFAULT-VALUE}).")
        double separation = d.separation();
        @Option(names = {"--lr", "--learning-rate"}, description = "Learning rate α (default: ${DEFAULT-VALUE}).")
        float lr = d.learningRate();
        @Option(names = "--epochs", description = "Full-batch gradient steps (default: ${DEFAULT-VALUE}).")
        int epochs = d.epochs();
        @Option(names = "--print-every", description = "Print the loss every N epochs (default: ${DEFAULT-VALUE}).")
        int printEvery = d.printEvery();
        @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
        long seed = d.seed();

        @Override
        public Integer call() {
            require(dims >= 1 && dims <= 100_000, "--dims", dims);
            require(train >= 2 && train <= 10_000_000, "--train", train);
            require(test >= 1 && test <= 10_000_000, "--test", test);
            require(epochs >= 1, "--epochs", epochs);
            require(printEvery >= 1, "--print-every", printEvery);
            require(lr > 0 && Float.isFinite(lr), "--lr", lr);
            require(separation >= 0 && Double.isFinite(separation), "--separation", separation);
            LogisticRegression.train(new LogisticRegression.Config(dims, train, test, separation, lr, epochs, printEvery, seed),
                    System.out);
            return 0;
        }
    }

    static void require(boolean ok, String option, Object value) {
        if (!ok) throw new IllegalArgumentException(option + ": invalid value " + value);
    }
}
