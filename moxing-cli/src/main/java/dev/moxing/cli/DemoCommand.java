package dev.moxing.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code moxing demo}: the README's main job. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the main demo: the logistic-regression example, then the GEMM benchmark.")
final class DemoCommand implements Callable<Integer> {
    @CommandLine.Option(names = "--sizes", description = "GEMM sizes for the benchmark part (default: ${DEFAULT-VALUE}).")
    String sizes = "256,512,1024,2048";

    @Override
    public Integer call() {
        System.out.println("== moxing example logistic-regression");
        int rc = new CommandLine(new ExampleCommand.Logistic()).execute();
        if (rc != 0) return rc;
        System.out.println();
        System.out.println("== moxing bench gemm --sizes " + sizes);
        return new CommandLine(new GemmBenchCommand()).execute("--sizes", sizes);
    }
}
