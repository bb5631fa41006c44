package dev.moxing.cli;

import picocli.CommandLine.Command;

/** {@code moxing bench …}: performance measurements (not tests). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure kernel speed.",
        subcommands = {GemmBenchCommand.class, OpsBenchCommand.class, dev.moxing.cli.llm.GenerateBenchCommand.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
