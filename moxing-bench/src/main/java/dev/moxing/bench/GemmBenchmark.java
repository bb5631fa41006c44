package dev.moxing.bench;

import dev.moxing.kernels.Gemm;
import dev.moxing.parallel.WorkerPool;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH benchmark of {@link Gemm#sgemm}: square size x size x size, on a private pool of
 * {@code threads} threads. GFLOP/s = 2 * size^3 / (score in ms * 1e6).
 *
 * <pre>java --add-modules jdk.incubator.vector -jar moxing-bench/target/moxing-benchmarks.jar GemmBenchmark -p size=1024</pre>
 *
 * For the usual comparison with OpenBLAS use bench/gemm.sh (same kernel, via the CLI); this one
 * is for careful A/B runs of kernel changes with JMH's forking and statistics.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class GemmBenchmark {

    @Param({"256", "512", "1024", "2048"})
    public int size;

    @Param({"1", "2"})
    public int threads;

    /** op(A), op(B) transposes: NN, NT, TN or TT. */
    @Param({"NN"})
    public String trans;

    private float[] a;
    private float[] b;
    private float[] c;
    private WorkerPool pool;
    private boolean transA;
    private boolean transB;

    @Setup
    public void setup() {
        if (!trans.matches("[NT][NT]")) throw new IllegalArgumentException("trans must be NN, NT, TN or TT: " + trans);
        transA = trans.charAt(0) == 'T';
        transB = trans.charAt(1) == 'T';
        SplittableRandom rnd = new SplittableRandom(1);
        a = new float[size * size];
        b = new float[size * size];
        c = new float[size * size];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (rnd.nextDouble() - 0.5);
            b[i] = (float) (rnd.nextDouble() - 0.5);
        }
        pool = new WorkerPool(threads); // daemon workers: nothing to tear down
    }

    @Benchmark
    public float[] sgemm() {
        Gemm.sgemm(pool, transA, transB, size, size, size, 1f, a, 0, size, b, 0, size, 0f, c, 0, size);
        return c;
    }
}
