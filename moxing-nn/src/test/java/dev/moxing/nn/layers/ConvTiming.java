package dev.moxing.nn.layers;

import dev.moxing.kernels.Gemm;
import dev.moxing.parallel.WorkerPool;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * A throwaway timing harness (not a unit test): Conv2d forward + backward for the two MNIST-CNN
 * shapes, next to one GEMM with the same multiply-adds as each pass, so "close to GEMM speed"
 * can be read off directly. Run from the moxing-nn test classpath:
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp ... dev.moxing.nn.layers.ConvTiming [iterations]
 * </pre>
 *
 * Prints the best wall time over the iterations and, with {@code -Dmoxing.threads=1}, also the
 * best thread CPU time, which stays meaningful on a shared, oversubscribed machine.
 */
public final class ConvTiming {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private record Best(double wallMs, double cpuMs) {
        Best min(double wall, double cpu) {
            return new Best(Math.min(wallMs, wall), Math.min(cpuMs, cpu));
        }

        Best min(Best o) {
            return min(o.wallMs, o.cpuMs);
        }

        @Override
        public String toString() {
            // Thread CPU time only measures the caller's share when the pool has helpers.
            return WorkerPool.shared().threads() == 1 ? String.format("%7.2f ms wall, %7.2f ms cpu", wallMs, cpuMs)
                    : String.format("%7.2f ms wall", wallMs);
        }
    }

    private interface Body {
        void run();
    }

    private static Best time(int iterations, Body body) {
        Best best = new Best(Double.MAX_VALUE, Double.MAX_VALUE);
        for (int i = 0; i < iterations; i++) {
            long w0 = System.nanoTime(), c0 = CPU.getCurrentThreadCpuTime();
            body.run();
            best = best.min((System.nanoTime() - w0) / 1e6, (CPU.getCurrentThreadCpuTime() - c0) / 1e6);
        }
        return best;
    }

    private static void conv(String name, Conv2d conv, Tensor x, int iterations) {
        Tensor[] y = new Tensor[1];
        Tensor g = Tensor.ones(conv.forward(x).shape());
        Best fwd = new Best(Double.MAX_VALUE, Double.MAX_VALUE);
        Best bwd = fwd;
        for (int i = 0; i < iterations; i++) {
            fwd = fwd.min(time(1, () -> y[0] = conv.forward(x)));
            bwd = bwd.min(time(1, () -> y[0].backward(g)));
            conv.zeroGrad();
            x.zeroGrad();
        }
        int[] o = y[0].shape();
        long macs = (long) o[0] * o[1] * o[2] * o[3] * conv.weight().numel() / conv.weight().size(0);
        Best gemm = gemm(o[1], o[0] * o[2] * o[3], conv.weight().numel() / conv.weight().size(0), iterations);
        System.out.printf("%s%n  forward  %s%n  backward %s (%s)%n  one GEMM %dx%dx%d (= forward MACs, %.0f M) %s%n",
                name, fwd, bwd, x.requiresGrad() ? "dx, dW, db" : "dW, db", o[1], o[0] * o[2] * o[3],
                conv.weight().numel() / conv.weight().size(0), macs / 1e6, gemm);
    }

    private static Best gemm(int m, int n, int k, int iterations) {
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        return time(iterations, () -> Gemm.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n));
    }

    public static void main(String[] args) {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        System.out.println("threads: " + WorkerPool.shared().threads() + ", iterations: " + iterations);
        Rng rng = new Rng(1);
        Conv2d c1 = new Conv2d(1, 32, 3);
        Tensor x1 = Tensor.randn(rng, 128, 1, 28, 28);
        Conv2d c2 = new Conv2d(32, 64, 3);
        Tensor x2 = Tensor.randn(rng, 128, 32, 13, 13).setRequiresGrad(true);
        conv("Conv2d(1 → 32, 3×3) on (128, 1, 28, 28)", c1, x1, iterations);
        conv("Conv2d(32 → 64, 3×3) on (128, 32, 13, 13)", c2, x2, iterations);
    }
}
