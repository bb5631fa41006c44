package dev.moxing.cli;

import dev.moxing.kernels.Gemm;
import dev.moxing.parallel.WorkerPool;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import jdk.incubator.vector.FloatVector;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code moxing bench gemm}: float32 GEMM speed of {@link Gemm} on square sizes and on the
 * Transformer shapes (a 768-wide model, 4096 tokens, 3072-wide MLP), one line per
 * (shape, threads) in the format bench/gemm_numpy.py prints for OpenBLAS, so bench/gemm.sh can
 * pair them up:
 * <pre>gemm m=1024 n=1024 k=1024 trans=NN threads=1 ms=5.43 gflops=395.1</pre>
 * Each thread count gets its own {@link WorkerPool}, so the result does not depend on
 * MOXING_THREADS.
 */
@Command(name = "gemm", mixinStandardHelpOptions = true,
        description = "Time float32 GEMM (C = A @ B) on square sizes and Transformer shapes; prints GFLOP/s.")
public final class GemmBenchCommand implements Callable<Integer> {

    @Option(names = "--sizes", split = ",", paramLabel = "N",
            description = "Square sizes m=n=k (default: 256,512,1024,2048).")
    int[] sizes = {256, 512, 1024, 2048};

    @Option(names = "--threads", split = ",", paramLabel = "T",
            description = "Thread counts (default: 1 and the number of cores).")
    int[] threads;

    @Option(names = "--transformer", arity = "1", paramLabel = "BOOL",
            description = "Also the Transformer shapes: forward X@W (NN), dX = dY@W^T (NT), dW = X^T@dY (TN) "
                    + "(default: ${DEFAULT-VALUE}).")
    boolean transformer = true;

    @Option(names = "--shapes", split = ",", paramLabel = "MxNxK:TT",
            description = "Extra shapes, e.g. 4096x384x128:NT (op(A) is m x k, op(B) is k x n; TT = NN, NT, TN or TT).")
    String[] extraShapes = {};

    @Option(names = "--repeat", paramLabel = "N",
            description = "Timed calls per shape; the median is printed (default: ${DEFAULT-VALUE}).")
    int repeat = 10;

    @Option(names = "--warmup-ms", paramLabel = "MS",
            description = "Minimum untimed warm-up per shape; it goes on while calls keep getting faster "
                    + "(default: ${DEFAULT-VALUE}).")
    int warmupMs = 500;

    /** One benchmark shape: op(A) is (m,k), op(B) is (k,n). */
    record Shape(int m, int n, int k, boolean transA, boolean transB) {
        String trans() {
            return (transA ? "T" : "N") + (transB ? "T" : "N");
        }
    }

    private static Shape parseShape(String spec) {
        var m = java.util.regex.Pattern.compile("(\\d+)x(\\d+)x(\\d+):([NT])([NT])").matcher(spec);
        if (!m.matches()) {
            throw new CommandLine.ParameterException(new CommandLine(new GemmBenchCommand()),
                    "--shapes: '" + spec + "' is not MxNxK:TT (e.g. 4096x384x128:NT)");
        }
        int mm = Integer.parseInt(m.group(1)), n = Integer.parseInt(m.group(2)), k = Integer.parseInt(m.group(3));
        require(mm >= 1 && n >= 1 && k >= 1 && (long) mm * k <= 1 << 28 && (long) k * n <= 1 << 28
                && (long) mm * n <= 1 << 28, "--shapes", spec);
        return new Shape(mm, n, k, m.group(4).equals("T"), m.group(5).equals("T"));
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new GemmBenchCommand()).execute(args));
    }

    @Override
    public Integer call() {
        int cores = Runtime.getRuntime().availableProcessors();
        int[] ts = threads != null ? threads : (cores > 1 ? new int[] {1, cores} : new int[] {1});
        for (int t : ts) require(t >= 1 && t <= 1024, "--threads", t);
        for (int s : sizes) require(s >= 1 && (long) s * s <= 1 << 28, "--sizes", s);
        require(repeat >= 1, "--repeat", repeat);
        require(warmupMs >= 0, "--warmup-ms", warmupMs);

        List<Shape> shapes = new ArrayList<>();
        for (int s : sizes) shapes.add(new Shape(s, s, s, false, false));
        if (transformer) {
            shapes.add(new Shape(4096, 3072, 768, false, false)); // forward: X(4096x768) @ W(768x3072)
            shapes.add(new Shape(4096, 768, 3072, false, true));  // dX = dY(4096x3072) @ W^T, W (768,3072)
            shapes.add(new Shape(768, 3072, 4096, true, false));  // dW = X^T (X is 4096x768) @ dY(4096x3072)
        }
        for (String spec : extraShapes) shapes.add(parseShape(spec));
        System.out.printf(Locale.ROOT, "# moxing gemm: java %s, %s, cores=%d%n",
                Runtime.version(), FloatVector.SPECIES_PREFERRED, cores);

        WorkerPool[] pools = new WorkerPool[ts.length];
        for (int i = 0; i < ts.length; i++) pools[i] = new WorkerPool(ts[i]);
        jitWarmup(pools);
        for (Shape s : shapes) {
            // Allocate once per shape: every thread count times the same operands.
            float[][] ops = operands(s);
            for (int i = 0; i < ts.length; i++) {
                double ms = time(pools[i], s, ops);
                double gflops = 2.0 * s.m() * s.n() * s.k() / (ms * 1e6);
                System.out.printf(Locale.ROOT, "gemm m=%d n=%d k=%d trans=%s threads=%d ms=%.2f gflops=%.1f%n",
                        s.m(), s.n(), s.k(), s.trans(), ts[i], ms, gflops);
            }
        }
        return 0;
    }

    /**
     * The kernels start interpreted, where every Vector API call allocates (1000x slower); run
     * every transpose combination until C2 has compiled the kernel and packing loops, so that the
     * first measured shape is not a JIT measurement.
     */
    private void jitWarmup(WorkerPool[] pools) {
        long end = System.nanoTime() + 1_500_000_000L;
        int round = 0;
        while (System.nanoTime() < end || round < 8) {
            Shape s = new Shape(384, 384, 384, (round & 2) != 0, (round & 1) != 0);
            float[][] ops = operands(s);
            for (WorkerPool p : pools) call(p, s, ops);
            round++;
        }
    }

    private double time(WorkerPool pool, Shape s, float[][] ops) {
        // Warm up until the call time stops improving (5 calls in a row not 3% faster than the
        // best so far) and at least --warmup-ms have passed: C2 may still be compiling, or the
        // machine busy, when a fixed count of calls is done. Give up waiting at 20x --warmup-ms.
        long start = System.nanoTime();
        double best = Double.MAX_VALUE;
        for (int stale = 0; ; ) {
            long t0 = System.nanoTime();
            call(pool, s, ops);
            long t1 = System.nanoTime();
            if (t1 - t0 < best * 0.97) {
                best = t1 - t0;
                stale = 0;
            } else {
                stale++;
            }
            double elapsedMs = (t1 - start) / 1e6;
            if ((stale >= 5 && elapsedMs >= warmupMs) || elapsedMs >= 20.0 * Math.max(warmupMs, 100)) break;
        }
        double[] ms = new double[repeat];
        for (int r = 0; r < repeat; r++) {
            long t0 = System.nanoTime();
            call(pool, s, ops);
            ms[r] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return repeat % 2 == 1 ? ms[repeat / 2] : (ms[repeat / 2 - 1] + ms[repeat / 2]) / 2;
    }

    private static void call(WorkerPool pool, Shape s, float[][] ops) {
        int lda = s.transA() ? s.m() : s.k();
        int ldb = s.transB() ? s.k() : s.n();
        Gemm.sgemm(pool, s.transA(), s.transB(), s.m(), s.n(), s.k(), 1f,
                ops[0], 0, lda, ops[1], 0, ldb, 0f, ops[2], 0, s.n());
    }

    private static float[][] operands(Shape s) {
        SplittableRandom rnd = new SplittableRandom(1);
        float[] a = new float[s.m() * s.k()], b = new float[s.k() * s.n()];
        for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextDouble() - 0.5);
        for (int i = 0; i < b.length; i++) b[i] = (float) (rnd.nextDouble() - 0.5);
        return new float[][] {a, b, new float[s.m() * s.n()]};
    }

    private static void require(boolean ok, String option, Object value) {
        if (!ok) throw new CommandLine.ParameterException(new CommandLine(new GemmBenchCommand()),
                "invalid value for " + option + ": " + value);
    }
}
