package dev.moxing.cli;

import dev.moxing.parallel.WorkerPool;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code moxing bench ops}: elementwise ops, reductions and softmax over large tensors through the
 * public Tensor API (allocation of the result included, as in PyTorch's out-of-place ops).
 * The thread count is the shared pool's: set MOXING_THREADS to compare; bench/ops.sh does.
 */
@Command(name = "ops", mixinStandardHelpOptions = true,
        description = "Time elementwise ops, sum and softmax on large tensors (threads: MOXING_THREADS).")
final class OpsBenchCommand implements Callable<Integer> {
    @Option(names = "--size", description = "Elements for the elementwise ops (default: ${DEFAULT-VALUE}).")
    int size = 1 << 22;
    @Option(names = "--rows", description = "Rows of the softmax matrix (default: ${DEFAULT-VALUE}).")
    int rows = 4096;
    @Option(names = "--cols", description = "Columns of the softmax matrix (default: ${DEFAULT-VALUE}).")
    int cols = 1024;
    @Option(names = "--repeat", description = "Timed repetitions per op; the median is printed (default: ${DEFAULT-VALUE}).")
    int repeat = 30;

    @Override
    public Integer call() {
        ExampleCommand.require(size >= 1 && size <= 1 << 28, "--size", size);
        ExampleCommand.require(rows >= 1 && cols >= 1 && (long) rows * cols <= 1 << 28, "--rows/--cols", rows + "x" + cols);
        ExampleCommand.require(repeat >= 1, "--repeat", repeat);
        Rng rng = new Rng(0);
        Tensor a = Tensor.randn(rng, size), b = Tensor.randn(rng, size);
        Tensor m = Tensor.randn(rng, rows, cols);
        int threads = WorkerPool.shared().threads();
        long n = size, mn = (long) rows * cols;
        run("add", n, 12 * n, threads, () -> a.add(b));
        run("mul", n, 12 * n, threads, () -> a.mul(b));
        run("exp", n, 8 * n, threads, a::exp);
        run("gelu", n, 8 * n, threads, a::gelu);
        run("relu", n, 8 * n, threads, a::relu);
        run("sum", n, 4 * n, threads, a::sum);
        run("softmax", mn, 8 * mn, threads, () -> m.softmax(-1));
        run("log_softmax", mn, 8 * mn, threads, () -> m.logSoftmax(-1));
        return 0;
    }

    private void run(String op, long n, long bytes, int threads, Supplier<Tensor> f) {
        for (int i = 0; i < Math.max(5, repeat / 3); i++) f.get(); // warm-up: JIT and page faults
        double[] ms = new double[repeat];
        for (int i = 0; i < repeat; i++) {
            long t0 = System.nanoTime();
            f.get();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        double med = ms[repeat / 2];
        System.out.printf(Locale.ROOT, "op=%s n=%d threads=%d ms=%.3f gbps=%.1f%n", op, n, threads, med, bytes / med / 1e6);
    }
}
