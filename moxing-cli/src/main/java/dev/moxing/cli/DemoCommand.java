package dev.moxing.cli;

import dev.moxing.data.FashionMnist;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code moxing demo}: the README's main job. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the main demo: logistic regression, the textbook Fashion-MNIST MLP (10 epochs), "
                + "then the GEMM benchmark.",
                "Fashion-MNIST comes from --data, else /usr/share/datasets/fashion-mnist (Debian package "
                        + "dataset-fashion-mnist), else the 2,000-image subset shipped in data/fashion-mnist-subset."})
final class DemoCommand implements Callable<Integer> {
    @CommandLine.Option(names = "--sizes", description = "GEMM sizes for the benchmark part (default: ${DEFAULT-VALUE}).")
    String sizes = "256,512,1024";
    @CommandLine.Option(names = "--data", description = "Fashion-MNIST directory.")
    Path data;
    @CommandLine.Option(names = "--epochs", description = "Fashion-MNIST epochs (default: ${DEFAULT-VALUE}).")
    int epochs = 10;

    @Override
    public Integer call() {
        section("moxing example logistic-regression");
        int rc = new CommandLine(new ExampleCommand.Logistic()).execute();
        if (rc != 0) return rc;

        Path fm = fashionMnistDir();
        List<String> args = new ArrayList<>(List.of("--model", "mlp", "--epochs", Integer.toString(epochs)));
        if (fm != null) args.addAll(List.of("--data", fm.toString()));
        section("moxing train fashion-mnist " + String.join(" ", args));
        rc = Main.commandLine().execute(prepend("train", "fashion-mnist", args));
        if (rc != 0) return rc;

        section("moxing bench gemm --sizes " + sizes);
        return new CommandLine(new GemmBenchCommand()).execute("--sizes", sizes);
    }

    /** The full data set if installed, else the subset that ships with the project. */
    private Path fashionMnistDir() {
        if (data != null) return data;
        try {
            FashionMnist.locate(null);
            return null; // the Debian location is found by default
        } catch (java.io.FileNotFoundException e) {
            Path subset = Path.of(System.getProperty("moxing.home", "."), "data", "fashion-mnist-subset");
            if (Files.isDirectory(subset)) {
                System.out.println("(full Fashion-MNIST not installed: `apt-get install dataset-fashion-mnist` for all "
                        + "70,000 images; using the 2,000-image subset shipped in " + subset + ")");
                return subset;
            }
            return null; // let the training command explain how to get the data
        }
    }

    private static String[] prepend(String a, String b, List<String> rest) {
        List<String> all = new ArrayList<>(List.of(a, b));
        all.addAll(rest);
        return all.toArray(new String[0]);
    }

    private static void section(String title) {
        System.out.println();
        System.out.println("== " + title);
    }
}
