package dev.moxing.cli.llm;

import dev.moxing.llm.LanguageModel;
import dev.moxing.llm.eval.Perplexity;
import dev.moxing.llm.train.Corpus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code moxing eval perplexity}: mean negative log-likelihood and perplexity of a text under a model. */
@Command(name = "perplexity", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Mean negative log-likelihood (nats/token) and perplexity of a text.",
                "Texts longer than the context are scored with a sliding window: every token after the first "
                        + "is scored once, with at least context - stride + 1 tokens of left context where the text has them."})
public final class EvalPerplexityCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", required = true, description = "Model directory (from moxing train gpt).")
    Path model;
    @Option(names = "--text", paramLabel = "FILE", required = true, description = "UTF-8 text to score.")
    Path text;
    @Option(names = "--context", paramLabel = "N", description = "Window length in tokens (default: the model's context).")
    Integer context;
    @Option(names = "--stride", paramLabel = "N", description = "Tokens the window moves each time (default: half the window).")
    Integer stride;
    @Mixin
    KvCacheOption kvCache;

    @Override
    public Integer call() throws Exception {
        LanguageModel lm = LanguageModel.load(model, 0, kvCache.type());
        String s = Corpus.read(text).text();
        int window = context != null ? context : lm.model().config().contextLength();
        int step = stride != null ? stride : Math.max(1, window / 2);
        int max = lm.model().config().contextLength();
        if (window < 1 || window > max) {
            throw new IllegalArgumentException("--context must be in [1, " + max + "] (the model's context length), got " + window);
        }
        if (step < 1 || step > window) throw new IllegalArgumentException("--stride must be in [1, " + window + "], got " + step);
        int[] ids;
        try {
            ids = lm.tokenizer().encode(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(text + " cannot be encoded with the model's tokenizer: " + e.getMessage(), e);
        }
        if (ids.length < 2) throw new IllegalArgumentException(text + " is too short: " + ids.length + " tokens, need at least 2");
        long start = System.nanoTime();
        Perplexity.Result r = Perplexity.of(lm.model(), ids, window, step, lm.kvCacheType());
        double seconds = (System.nanoTime() - start) / 1e9;
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "text: %s, %,d tokens (%,d scored), window %d, stride %d, KV cache %s%n", text, ids.length, r.tokens(), window, step,
                lm.kvCacheType().cliName());
        out.printf(Locale.ROOT, "mean NLL: %.4f nats/token (%.4f bits/token)%n", r.meanNll(), r.bitsPerToken());
        out.printf(Locale.ROOT, "perplexity: %.4f%n", r.perplexity());
        out.printf(Locale.ROOT, "time: %.1f s (%,.0f tokens/s)%n", seconds, r.tokens() / seconds);
        out.flush();
        return 0;
    }
}
