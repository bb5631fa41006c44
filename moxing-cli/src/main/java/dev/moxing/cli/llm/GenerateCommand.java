package dev.moxing.cli.llm;

import dev.moxing.llm.LanguageModel;
import dev.moxing.llm.generate.GenerateOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code moxing generate}: streams a continuation of a prompt from a trained model to stdout. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate text with a trained language model, streamed to stdout as it is produced.",
                "The prompt is printed first; generation stops at --max-tokens, an end-of-text token "
                        + "or a --stop string (which is not printed)."})
public final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", required = true, description = "Model directory (from moxing train gpt).")
    Path model;
    @Option(names = "--prompt", paramLabel = "TEXT", description = "Text to continue (default: empty, start a new text).")
    String prompt = "";
    @Option(names = "--max-tokens", description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxTokens = 256;
    @Option(names = "--temperature", description = "Sampling temperature; 0 = greedy (default: ${DEFAULT-VALUE}).")
    float temperature = 0.8f;
    @Option(names = "--top-k", description = "Sample among the K most likely tokens; 0 = all (default: ${DEFAULT-VALUE}).")
    int topK = 0;
    @Option(names = "--top-p", description = "Nucleus sampling: smallest set with this much probability; 1 = off (default: ${DEFAULT-VALUE}).")
    float topP = 1f;
    @Option(names = "--repetition-penalty", description = "Penalise tokens already seen (CTRL-style); 1 = off (default: ${DEFAULT-VALUE}).")
    float repetitionPenalty = 1f;
    @Option(names = "--seed", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed = 42;
    @Option(names = "--stop", paramLabel = "STR", description = "Stop when this text appears (repeatable; \\n means newline).")
    List<String> stop = new ArrayList<>();
    @Option(names = "--no-echo", description = "Do not print the prompt before the continuation.")
    boolean noEcho;
    @Option(names = "--stats", description = "Print tokens generated and tokens/s to stderr at the end.")
    boolean stats;

    @Override
    public Integer call() throws Exception {
        List<String> stops = new ArrayList<>();
        for (String s : stop) {
            String unescaped = s.replace("\\n", "\n").replace("\\t", "\t");
            if (unescaped.isEmpty()) throw new IllegalArgumentException("--stop: an empty stop string would stop at once");
            stops.add(unescaped);
        }
        GenerateOptions options;
        try {
            options = new GenerateOptions(maxTokens, temperature, topK, topP, repetitionPenalty, seed, stops);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(optionName(e.getMessage()), e);
        }
        LanguageModel lm = LanguageModel.load(model);
        PrintWriter out = spec.commandLine().getOut();
        if (!noEcho) out.print(prompt);
        out.flush();
        long start = System.nanoTime();
        int[] tokens = {0};
        String text = lm.generate(prompt, options, piece -> {
            out.print(piece);
            out.flush(); // a token at a time: the point of streaming
        }, id -> tokens[0]++);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!(noEcho ? text : prompt + text).endsWith("\n")) out.println();
        out.flush();
        if (stats) {
            spec.commandLine().getErr().printf(java.util.Locale.ROOT, "[%d tokens in %.2f s: %.1f tokens/s]%n",
                    tokens[0], seconds, tokens[0] / seconds);
        }
        return 0;
    }

    /** GenerateOptions names its fields (maxTokens); the user typed options (--max-tokens). */
    private static String optionName(String message) {
        return message.replace("maxTokens", "--max-tokens").replace("temperature", "--temperature")
                .replace("topK", "--top-k").replace("topP", "--top-p").replace("repetitionPenalty", "--repetition-penalty");
    }
}
