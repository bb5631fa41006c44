package dev.moxing.cli.llm;

import dev.moxing.llm.LanguageModel;
import dev.moxing.llm.generate.Completion;
import dev.moxing.llm.generate.GenerateOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code moxing generate}: streams a continuation of a prompt from a trained model to stdout. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate text with a trained language model, streamed to stdout as it is produced.",
                "The prompt is printed first; generation stops at --max-tokens, an end-of-text token "
                        + "or a --stop string (which is not printed)."})
public final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", required = true, description = "Model: a moxing train gpt directory, a GGUF file, a Hugging Face directory or a llama2.c checkpoint.")
    Path model;
    @Option(names = "--prompt", paramLabel = "TEXT", description = "Text to continue (default: empty, start a new text).")
    String prompt = "";
    @Option(names = "--max-tokens", description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxTokens = 256;
    @Mixin
    SamplingOptions sampling;
    @Mixin
    KvCacheOption kvCache;
    @Option(names = "--no-echo", description = "Do not print the prompt before the continuation.")
    boolean noEcho;
    @Option(names = "--stats", description = "Print tokens generated and tokens/s to stderr at the end.")
    boolean stats;
    @Option(names = "--logprobs", description = "Print each generated token with its log-probability to stderr at the end "
            + "(log-softmax after penalties and temperature, before top-k/top-p/min-p).")
    boolean logprobs;

    @Override
    public Integer call() throws Exception {
        GenerateOptions options = sampling.toOptions(maxTokens);
        LanguageModel lm = LanguageModel.load(model, 0, kvCache.type());
        PrintWriter out = spec.commandLine().getOut();
        if (!noEcho) out.print(prompt);
        out.flush();
        long start = System.nanoTime();
        Completion c = lm.complete(prompt, options, piece -> {
            out.print(piece);
            out.flush(); // a token at a time: the point of streaming
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!(noEcho ? c.text() : prompt + c.text()).endsWith("\n")) out.println();
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        if (logprobs) printLogprobs(lm, c, err);
        if (stats) {
            err.printf(Locale.ROOT, "[%d tokens in %.2f s: %.1f tokens/s]%n", c.tokens().length, seconds, c.tokens().length / seconds);
        }
        err.flush();
        return 0;
    }

    /** One line per token: id, the token as the vocabulary writes it (quoted, escaped), its log-probability. */
    static void printLogprobs(LanguageModel lm, Completion c, PrintWriter err) {
        for (int i = 0; i < c.tokens().length; i++) {
            String text = lm.tokenizer().tokenText(c.tokens()[i]).replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t");
            err.printf(Locale.ROOT, "%6d  %-16s %9.4f%n", c.tokens()[i], "'" + text + "'", c.logprobs()[i]);
        }
        err.println("[stopped: " + c.stopReason().name().toLowerCase(Locale.ROOT) + "]");
    }
}
