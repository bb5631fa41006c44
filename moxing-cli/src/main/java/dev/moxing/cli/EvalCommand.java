package dev.moxing.cli;

import dev.moxing.data.Dataset;
import dev.moxing.data.FashionMnist;
import dev.moxing.nn.keras.Model;
import dev.moxing.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code moxing eval --model DIR}: evaluates a saved classifier on the Fashion-MNIST test set. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a saved model (without a subcommand: a Fashion-MNIST classifier on the test set).",
        subcommands = {dev.moxing.cli.llm.EvalPerplexityCommand.class})
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", description = "Directory written by `moxing train fashion-mnist --out DIR`.")
    Path model;
    @Option(names = "--data", description = "Directory with the Fashion-MNIST files (default: /usr/share/datasets/fashion-mnist).")
    Path data;
    @Option(names = "--batch-size", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize = 512;

    @Override
    public Integer call() throws Exception {
        if (model == null) throw new IllegalArgumentException("eval: --model DIR is required (or use a subcommand, see --help)");
        Model m = Model.load(model);
        Dataset test = loadTest(m, data);
        Map<String, Double> r = m.evaluate(test.features(), Tensor.oneHot(test.labels(), 10), batchSize, 0);
        for (var e : r.entrySet()) System.out.printf(Locale.ROOT, "test_%s: %.4f%n", e.getKey(), e.getValue());
        return 0;
    }

    /** The test split in the layout the model was built for ((N, 784) or (N, 1, 28, 28)). */
    static Dataset loadTest(Model m, Path data) throws java.io.IOException {
        int[] in = m.inputShape();                        // per sample, without the batch dim
        FashionMnist.Layout layout;
        if (in == null || java.util.Arrays.equals(in, new int[] {784})) layout = FashionMnist.Layout.FLAT;
        else if (java.util.Arrays.equals(in, new int[] {1, 28, 28})) layout = FashionMnist.Layout.IMAGES;
        else throw new IllegalArgumentException("the model takes input " + java.util.Arrays.toString(in)
                + " per sample; Fashion-MNIST images are [784] (flat) or [1, 28, 28]");
        return FashionMnist.load(data, layout).test();
    }
}
