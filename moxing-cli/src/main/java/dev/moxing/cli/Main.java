package dev.moxing.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The {@code moxing} command. */
@Command(name = "moxing",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Moxing (模型): define, train, evaluate and run neural networks in pure Java.",
        subcommands = {TrainCommand.class, EvalCommand.class, PredictCommand.class, dev.moxing.cli.llm.GenerateCommand.class,
                dev.moxing.cli.llm.ChatCommand.class, dev.moxing.cli.llm.FinetuneCommand.class, dev.moxing.cli.llm.TokenizeCommand.class, dev.moxing.cli.llm.ConvertCommand.class,
                InspectCommand.class, ExampleCommand.class, BenchCommand.class,
                DemoCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    static {
        // Jinjava (chat templates) logs through SLF4J; with no logging backend, SLF4J would print a
        // three-line warning into every chat. The command line has nothing to log that way.
        if (System.getProperty("slf4j.internal.verbosity") == null) System.setProperty("slf4j.internal.verbosity", "ERROR");
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        int code;
        try {
            code = run(args);
        } catch (OutOfMemoryError e) {
            // Not bad input but a limit the user can raise: say which, and how.
            System.err.printf("moxing: out of memory (%s); the Java heap may grow to %,d MB. "
                    + "Raise it with MOXING_JAVA_OPTS=-Xmx<size>, e.g. MOXING_JAVA_OPTS=-Xmx8g%n",
                    e.getMessage(), Runtime.getRuntime().maxMemory() >> 20);
            code = 1;
        }
        System.exit(code);
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The configured command line (also used by commands that run other commands). */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            // Bad input is the user's to fix: one clear line, no stack trace (MOXING_DEBUG=1 shows it).
            if (System.getenv("MOXING_DEBUG") != null) ex.printStackTrace();
            cmd.getErr().println("moxing: " + ex.getMessage());
            return 1;
        });
        return cl;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/moxing-version.properties")) {
                if (in != null) p.load(in);
            }
            return new String[] {"moxing " + p.getProperty("version", "unknown"),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
