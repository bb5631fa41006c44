package dev.moxing.cli;

import dev.moxing.data.Dataset;
import dev.moxing.data.FashionMnist;
import dev.moxing.nn.keras.Model;
import dev.moxing.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code moxing predict --model DIR}: class predictions of a saved classifier for Fashion-MNIST test images. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict classes of Fashion-MNIST test images with a saved model.")
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Directory written by `moxing train fashion-mnist --out DIR`.")
    Path model;
    @Option(names = "--data", description = "Directory with the Fashion-MNIST files (default: /usr/share/datasets/fashion-mnist).")
    Path data;
    @Option(names = "--first", description = "Index of the first test image (default: ${DEFAULT-VALUE}).")
    int first = 0;
    @Option(names = "--count", description = "Number of images (default: ${DEFAULT-VALUE}).")
    int count = 10;

    @Override
    public Integer call() throws Exception {
        Model m = Model.load(model);
        Dataset test = EvalCommand.loadTest(m, data);
        ExampleCommand.require(first >= 0 && first < test.size(), "--first", first);
        ExampleCommand.require(count >= 1, "--count", count);
        int n = Math.min(count, test.size() - first);
        Tensor x = test.features().narrow(0, first, n);
        Tensor p = m.predict(x, 256);                         // (n, 10) probabilities
        int[] predicted = p.argmax(1, false).toIntArray();
        int[] truth = test.labels().narrow(0, first, n).toIntArray();
        for (int i = 0; i < n; i++) {
            System.out.printf(Locale.ROOT, "image %5d: %-12s p=%.4f   true: %s%n", first + i,
                    FashionMnist.CLASS_NAMES.get(predicted[i]), p.get(i, predicted[i]), FashionMnist.CLASS_NAMES.get(truth[i]));
        }
        return 0;
    }
}
