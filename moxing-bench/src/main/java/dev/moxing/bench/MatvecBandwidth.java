package dev.moxing.bench;

import dev.moxing.kernels.quant.QuantMatmul;
import dev.moxing.kernels.quant.Quantize;
import dev.moxing.kernels.quant.RowInterleave;
import dev.moxing.parallel.WorkerPool;
import dev.moxing.tensor.ArrayAddress;
import dev.moxing.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Weight bandwidth of the decode matvec ({@link QuantMatmul} with one row of x) on one thread:
 * a random (out, in) matrix is encoded in each type, written to a temporary file and memory-mapped
 * (as a GGUF model is), then y = x · Wᵀ is timed by the calling thread's CPU time (robust to other
 * processes on a shared machine), median of many calls. GB/s = stored weight bytes / time.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp moxing-bench/target/classes:moxing-core/target/classes \
 *   dev.moxing.bench.MatvecBandwidth [types, default F32,F16,Q8_0,Q4_0] [shapes out x in, default 32000x768,4096x4096] [heap]</pre>
 *
 * With {@code heap}, the mapped bytes are then copied into a {@code byte[]} (what a loaded model's
 * quantized matrices become, see WeightPlacement in moxing-llm); the types Q8_0_R16 and Q4_0_R16
 * (heap only) are Q8_0 / Q4_0 with 16 rows interleaved as WeightPlacement places them.
 *
 * bench/matvec.py times numpy's (OpenBLAS) float32 W @ x on the same shapes, the peer.
 */
public final class MatvecBandwidth {
    private MatvecBandwidth() {}

    public static void main(String[] args) throws Exception {
        String[] types = (args.length > 0 ? args[0] : "F32,F16,Q8_0,Q4_0").split(",");
        String[] shapes = (args.length > 1 ? args[1] : "32000x768,4096x4096").split(",");
        boolean heap = args.length > 2 && args[2].equals("heap");
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        WorkerPool pool = new WorkerPool(1); // one thread: every chunk runs on this thread
        for (String shape : shapes) {
            String[] p = shape.split("x");
            int out = Integer.parseInt(p[0]), in = Integer.parseInt(p[1]);
            SplittableRandom rnd = new SplittableRandom(7);
            float[] w = new float[out * in], x = new float[in], y = new float[out];
            for (int i = 0; i < w.length; i++) w[i] = (float) (rnd.nextDouble() - 0.5);
            for (int i = 0; i < in; i++) x[i] = (float) (rnd.nextDouble() - 0.5);
            for (String name : types) {
                DType placed = DType.valueOf(name);
                // the 16-row interleaved types are written as their block type, then interleaved on the heap
                DType t = placed.interleavedFrom() != null ? placed.interleavedFrom() : placed;
                if (placed != t && !(heap && RowInterleave.suits(t, out, in))) {
                    System.out.printf(Locale.ROOT, "%-9s %6d x %-6d skipped: needs heap, 16-row groups and 16 float lanes%n", name, out, in);
                    continue;
                }
                long bytes = t.bytesFor((long) out * in);
                Path file = Files.createTempFile("matvec", ".bin");
                try (Arena arena = Arena.ofShared()) {
                    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                        MemorySegment seg = ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
                        long rowBytes = t.bytesFor(in);
                        for (int r = 0; r < out; r++) Quantize.row(t, w, r * in, in, seg, r * rowBytes);
                        seg.force();
                    }
                    MemorySegment seg;
                    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                        seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, bytes, arena);
                    }
                    if (heap) { // as WeightPlacement places a loaded model's quantized matrices
                        // the array type WeightPlacement uses, viewed from a cache line as there
                        MemorySegment heapSeg = ArrayAddress.alignedArray(t, Math.toIntExact(bytes));
                        if (placed == t) {
                            heapSeg.copyFrom(seg);
                        } else {
                            RowInterleave.interleave(t, seg, 0, heapSeg, 0, out, in);
                        }
                        seg = heapSeg;
                    }
                    DType k = placed; // the type the kernels read
                    // Warm-up until C2 has compiled the kernel, then timed calls.
                    long warmEnd = System.nanoTime() + 3_000_000_000L;
                    while (System.nanoTime() < warmEnd) QuantMatmul.matmul(pool, x, 0, 1, in, k, seg, 0, out, y, 0);
                    int reps = (int) Math.max(20, Math.min(400, 4_000_000_000L / bytes));
                    double[] s = new double[reps];
                    for (int r = 0; r < reps; r++) {
                        long c0 = mx.getCurrentThreadCpuTime();
                        QuantMatmul.matmul(pool, x, 0, 1, in, k, seg, 0, out, y, 0);
                        s[r] = (mx.getCurrentThreadCpuTime() - c0) / 1e9;
                    }
                    Arrays.sort(s);
                    double med = s[reps / 2];
                    System.out.printf(Locale.ROOT, "%-8s %-6s %5d x %5d  %7.1f MB  %8.1f us  %6.1f GB/s  (best %.1f)%n", name, heap ? "heap" : "mapped", out, in,
                            bytes / 1e6, med * 1e6, bytes / med / 1e9, bytes / s[0] / 1e9);
                } finally {
                    Files.deleteIfExists(file);
                }
            }
        }
    }
}
