package dev.moxing.cli.llm;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code moxing train …}: the training commands (so far, GPT pre-training). */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model.",
        subcommands = {TrainGptCommand.class})
public final class TrainCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
