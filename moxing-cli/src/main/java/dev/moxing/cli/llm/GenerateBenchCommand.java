package dev.moxing.cli.llm;

import dev.moxing.llm.format.ModelFiles;
import dev.moxing.llm.model.KvCache;
import dev.moxing.llm.model.KvCacheType;
import dev.moxing.llm.model.Transformer;
import dev.moxing.parallel.WorkerPool;
import dev.moxing.random.Rng;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code moxing bench generate}: prompt-processing and generation speed of a model, like
 * llama.cpp's llama-bench pp/tg tests: pp = one batched forward pass over N random prompt tokens
 * into an empty cache; tg = N single-token steps from an empty cache. Also prints the weight
 * bandwidth that generation achieves (weight bytes × tokens/s) beside the machine's measured
 * copy bandwidth, the bound for memory-bound decoding.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measure prompt processing (pp) and generation (tg) tokens/s of a model (GGUF, llama2.c .bin or Moxing checkpoint).")
public final class GenerateBenchCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "FILE", required = true, description = "Model file or directory.")
    Path model;
    @Option(names = "--threads", description = "Threads (default: all cores; must be set before the pool starts).")
    Integer threads;
    @Option(names = "--prompt-tokens", description = "Prompt length for pp (default: ${DEFAULT-VALUE}).")
    int promptTokens = 128;
    @Option(names = "--gen-tokens", description = "Tokens for tg (default: ${DEFAULT-VALUE}).")
    int genTokens = 128;
    @Option(names = "--repeat", description = "Measured repetitions; the median is reported (default: ${DEFAULT-VALUE}).")
    int repeat = 5;
    @Mixin
    KvCacheOption kvCacheOption;

    @Override
    public Integer call() throws Exception {
        if (threads != null) {
            if (threads < 1 || threads > 1024) throw new IllegalArgumentException("--threads must be in 1..1024, got " + threads);
            System.setProperty("moxing.threads", threads.toString());
        }
        if (promptTokens < 1 || genTokens < 1 || repeat < 1) {
            throw new IllegalArgumentException("--prompt-tokens, --gen-tokens and --repeat must be >= 1");
        }
        int pool = WorkerPool.shared().threads();
        if (threads != null && pool != threads) {
            throw new IllegalStateException("--threads " + threads + ": the worker pool already runs " + pool
                    + " threads (set MOXING_THREADS instead)");
        }
        KvCacheType kvCache = kvCacheOption.type();
        PrintStream out = System.out;
        long t0 = System.nanoTime();
        Transformer m = ModelFiles.load(model, Math.max(promptTokens, genTokens) + 1);
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        // Quantized and F16 matrices move to the heap in the background (WeightPlacement): measure the
        // steady state, after they have.
        boolean moved = m.settleWeights();
        double settledSeconds = (System.nanoTime() - t0) / 1e9;
        m.eval();
        try {
            kvCache.checkHeadDim(m.config().headDim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(model + ": " + e.getMessage(), e);
        }
        long weightBytes = 0, params = 0;
        Map<DType, Long> types = new TreeMap<>();
        for (Tensor p : m.parameters()) {
            long bytes = p.dtype().bytesFor(p.numel());
            weightBytes += bytes;
            params += p.numel();
            types.merge(p.dtype(), bytes, Long::sum);
        }
        var c = m.config();
        out.printf(Locale.ROOT, "# model %s: %d layers, width %d, heads %d/%d, vocab %d, %,d parameters, %.1f MB weights %s%n",
                model.getFileName(), c.layers(), c.width(), c.heads(), c.kvHeads(), c.vocabSize(), params, weightBytes / 1e6, types);
        out.printf(Locale.ROOT, "# java %s, threads %d, loaded in %.3f s%s%n", Runtime.version(), pool, loadSeconds,
                moved ? String.format(Locale.ROOT, " (matrices copied to the heap in the background by %.3f s)", settledSeconds) : "");
        out.printf(Locale.ROOT, "# KV cache %s: %,d bytes (%.2f MB) for %d positions; F32 would be %,d bytes%n", kvCache.cliName(),
                kvCache.bytes(c, 1), kvCache.bytes(c, 1) / 1e6, c.contextLength(), KvCacheType.F32.bytes(c, 1));
        Rng rng = new Rng(1);
        int[] prompt = new int[promptTokens];
        for (int i = 0; i < prompt.length; i++) prompt[i] = (int) (rng.nextLong() >>> 33) % c.vocabSize();
        try (var ignored = Tensor.noGrad()) {
            // Warm-up: let C2 compile the kernels of both phases before anything is timed. On two
            // cores the compiler threads compete with the benchmark, so wait until the speed of
            // both phases has settled (three rounds within 5%), for at least 4 s and at most 30 s.
            // One cache, cleared before each run, as a generating session reuses its own.
            KvCache cache = m.newCache(kvCache);
            long start = System.nanoTime();
            double[] lastPp = new double[3], lastTg = new double[3];
            for (int round = 0; ; round++) {
                lastPp[round % 3] = 1 / pp(m, prompt, cache);
                lastTg[round % 3] = 1 / tg(m, prompt[0], Math.min(genTokens, 32), cache);
                double elapsed = (System.nanoTime() - start) / 1e9;
                if (elapsed > 30 || (elapsed > 4 && round >= 3 && settled(lastPp) && settled(lastTg))) break;
            }
            double[] ppRate = new double[repeat], tgRate = new double[repeat];
            for (int r = 0; r < repeat; r++) {
                ppRate[r] = promptTokens / pp(m, prompt, cache);
                tgRate[r] = genTokens / tg(m, prompt[0], genTokens, cache);
            }
            double pp = median(ppRate), tg = median(tgRate);
            out.printf(Locale.ROOT, "pp%d %.1f tokens/s (runs %s)%n", promptTokens, pp, rates(ppRate));
            out.printf(Locale.ROOT, "tg%d %.1f tokens/s (runs %s)%n", genTokens, tg, rates(tgRate));
            long file = java.nio.file.Files.isRegularFile(model) ? java.nio.file.Files.size(model) : 0;
            long kv = kvCache.bytes(c, 1);
            out.printf(Locale.ROOT, "memory: resident %.1f MB (peak %.1f MB), file %.1f MB, KV cache %s %.1f MB (context %d), Java heap used %.1f MB%n",
                    procStatus("VmRSS") / 1e6, procStatus("VmHWM") / 1e6, file / 1e6, kvCache.cliName(), kv / 1e6, c.contextLength(),
                    (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1e6);
            double copy = copyBandwidth(); // after the memory figures: its arrays would count
            out.printf(Locale.ROOT, "weight bandwidth in tg: %.1f GB/s; machine copy bandwidth (read+write, 1 thread): %.1f GB/s%n",
                    weightBytes * tg / 1e9, copy);

        }
        return 0;
    }

    /** A size field of /proc/self/status in bytes (Linux), or -1. */
    private static long procStatus(String field) {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (Exception ignored) {
            // not Linux: no figure
        }
        return -1;
    }

    private static double pp(Transformer m, int[] prompt, KvCache cache) {
        cache.clear();
        long s = System.nanoTime();
        m.forwardLast(Tensor.ofInts(prompt, 1, prompt.length), cache);
        return (System.nanoTime() - s) / 1e9;
    }

    private static double tg(Transformer m, int first, int n, KvCache cache) {
        cache.clear();
        int token = first;
        long s = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Tensor logits = m.forwardLast(Tensor.ofInts(new int[] {token}, 1, 1), cache);
            token = argmax(logits.toFloatArray());
        }
        return (System.nanoTime() - s) / 1e9;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /** Bytes read + written per second by System.arraycopy of a 64 MB array, past any cache (median of 5). */
    static double copyBandwidth() {
        float[] a = new float[16 << 20], b = new float[16 << 20];
        Arrays.fill(a, 1f);
        double[] r = new double[5];
        for (int i = 0; i < r.length; i++) {
            long s = System.nanoTime();
            System.arraycopy(a, 0, b, 0, a.length);
            r[i] = 2.0 * 4 * a.length / ((System.nanoTime() - s) / 1e9) / 1e9;
        }
        return median(r);
    }

    private static boolean settled(double[] v) {
        double lo = Math.min(v[0], Math.min(v[1], v[2])), hi = Math.max(v[0], Math.max(v[1], v[2]));
        return hi <= 1.05 * lo;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String rates(double[] v) {
        StringBuilder sb = new StringBuilder();
        for (double x : v) sb.append(sb.isEmpty() ? "" : " ").append(String.format(Locale.ROOT, "%.0f", x));
        return sb.toString();
    }
}
