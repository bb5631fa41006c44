package dev.moxing.kernels.quant;

import static dev.moxing.kernels.quant.VectorDequant.B;
import static dev.moxing.kernels.quant.VectorDequant.F;
import static dev.moxing.kernels.quant.VectorDequant.I;
import static dev.moxing.kernels.quant.VectorDequant.L;
import static dev.moxing.kernels.quant.VectorDequant.LE;
import static dev.moxing.kernels.quant.VectorDequant.S;

import dev.moxing.kernels.Gemm;
import dev.moxing.parallel.WorkerPool;
import dev.moxing.tensor.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code y = x · Wᵀ} with W stored in a ggml block format: x is (rows, in) F32, W is (out, in)
 * row-major (each row is in / blockSize whole blocks), y is (rows, out). The linear layer of LLM
 * inference on memory-mapped GGUF weights.
 *
 * <p>Three paths, chosen by rows and type only (never by thread count):
 * <ul>
 * <li>rows == 1 and F32, F16, BF16, Q8_0 or Q4_0 (token generation; memory-bound): fused kernels
 *     ({@link HeapQuantDot}'s copies when Q8_0 or Q4_0 blocks sit in a heap byte array)
 *     that widen the weight bytes to float lanes and multiply-add them with x without storing
 *     them, one block scale per block ({@code acc += d * (q · x_block)}). Four rows, one from each
 *     quarter of a thread's range, share each load of x.
 * <li>other rows up to {@link #FEW_ROWS}: each weight row is decoded once into a per-thread
 *     scratch row ({@link VectorDequant}) and dotted with every row of x.
 * <li>more rows (prompt processing): a panel of weight rows is decoded into per-thread scratch
 *     and multiplied with {@link Gemm#sgemm}, so the decoding is amortised over all rows of x.
 * </ul>
 * Activations are never quantized: results equal dequantize-then-dot up to the order of the
 * float additions (the fused kernels factor each block's scale out of its sum, and Q4_0's offset
 * 8 out of its nibbles).
 *
 * <p>Output columns (rows of W) are split in contiguous chunks over the pool; each y element is
 * computed by one thread in a fixed order, so the bits do not depend on the thread count.
 * Pool threads read W, so its segment must not be thread-confined (use a shared, global or
 * automatic arena, as a memory-mapped model file would).
 */
public final class QuantMatmul {

    /** Up to this many rows of x, weight rows are decoded one at a time rather than by panel. */
    static final int FEW_ROWS = 4;
    /** Weights (elements) per parallel chunk at least: below that, the hand-off costs more than it saves. */
    private static final int GRAIN_ELEMENTS = 1 << 15;
    /**
     * Decoded panel size (floats, 4 MiB per thread): Gemm re-packs the panel anyway, so it need not
     * fit in L2; what matters is that its n (weight rows) spans several NR-wide micro-panels, since
     * every Gemm call also re-packs all of x. 64..256 rows.
     */
    private static final int PANEL_FLOATS = 1 << 20;

    private QuantMatmul() {}

    /** Per-thread decode buffers; grown on demand, never shrunk. */
    private static final class Scratch {
        float[] buf = new float[0];

        float[] get(int size) {
            if (buf.length < size) buf = new float[size];
            return buf;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** y(rows, out) = x(rows, in) · W(out, in)ᵀ on {@link WorkerPool#shared()}; y is overwritten. */
    public static void matmul(float[] x, int xOffset, int rows, int in, DType wType, MemorySegment w, long wByteOffset,
            int out, float[] y, int yOffset) {
        matmul(WorkerPool.shared(), x, xOffset, rows, in, wType, w, wByteOffset, out, y, yOffset);
    }

    /** Same as {@link #matmul(float[], int, int, int, DType, MemorySegment, long, int, float[], int)} on an explicit pool. */
    /**
     * Whether decoding (one row of x) has kernels over a {@code byte[]} for weights of type t:
     * weights of such a type run faster held in a heap array (wrapped with
     * {@link MemorySegment#ofArray(byte[])}) than in a file mapping (see HeapQuantDot).
     */
    public static boolean decodesFasterOnHeap(DType t) {
        return HeapQuantDot.supports(t);
    }

    public static void matmul(WorkerPool pool, float[] x, int xOffset, int rows, int in, DType wType, MemorySegment w,
            long wByteOffset, int out, float[] y, int yOffset) {
        check(x, xOffset, rows, in, wType, w, wByteOffset, out, y, yOffset);
        if (rows == 0 || out == 0) return;
        long rowBytes = wType.bytesFor(in);
        if (in == 0) {
            java.util.Arrays.fill(y, yOffset, yOffset + rows * out, 0f);
            return;
        }
        int grain = Math.max(1, GRAIN_ELEMENTS / in);
        if (wType.interleavedFrom() != null) {
            interleaved(pool, x, xOffset, rows, in, wType, w, wByteOffset, out, y, yOffset, grain);
            return;
        }
        // Weights loaded onto the heap (blocks in a byte[], F16 in a short[], F32 in a float[]): the
        // same kernels over the array, faster (see HeapQuantDot). Other arrays take the segment
        // kernels below.
        Object array = rows == 1 && HeapQuantDot.supports(wType) ? w.heapBase().orElse(null) : null;
        if (wType == DType.F32 && array instanceof float[] a && in % (2 * L) == 0 && (w.address() + wByteOffset) % 4 == 0) {
            HeapQuantDot.matvecF32(pool, x, xOffset, in, a, Math.toIntExact((w.address() + wByteOffset) / 4), out, y, yOffset, grain);
        } else if (wType != DType.F16 && wType != DType.F32 && array instanceof byte[] a) {
            HeapQuantDot.matvec(pool, x, xOffset, in, wType, a, Math.toIntExact(w.address() + wByteOffset), out, y, yOffset, grain);
        } else if (wType == DType.F16 && array instanceof short[] a && in % L == 0 && (w.address() + wByteOffset) % 2 == 0) {
            HeapQuantDot.matvecF16(pool, x, xOffset, in, a, Math.toIntExact((w.address() + wByteOffset) / 2), out, y, yOffset, grain);
        } else if (rows == 1 && VectorDequant.VECTOR && fused(wType)) {
            float[] m = wType == DType.Q4_0 ? q4Offsets(x, xOffset, in) : null; // read-only, shared by all threads
            pool.parallelFor(0, out, grain, (from, to) -> {
                // Lane sums are read back through this array: extracting lane 0 of a 512-bit
                // vector (lane(0)) was not intrinsified and went through a boxed slow path.
                float[] lanes = new float[4 * L];
                int o = from;
                // Four weight rows at a time: x is loaded once per four rows, and the four
                // independent accumulator chains hide the FMA latency that bounds a single row.
                // Each row's arithmetic is the single-row kernel's, so the bits are the same.
                // The four rows are o, o + q, o + 2q, o + 3q (q a quarter of the chunk): four long
                // sequential streams through the quarters, which the hardware prefetcher follows
                // while the kernel computes. Four adjacent rows are four short streams of a few
                // cache lines each, and read from memory ran at 1/2-2/3 of that speed (Q8_0
                // 768-wide rows: 5.6 GB/s adjacent, 18 quartered, 10 copied into a heap buffer
                // first, as this path used to; F32 288-wide rows: 19 GB/s copied, 29 quartered).
                int q = wType == DType.BF16 ? 0 : (to - o) / 4; // BF16: one row at a time
                long qb = q * rowBytes;
                int blocks = in / 32;
                for (int j = 0; j < q; j++, o++) {
                    long p = wByteOffset + o * rowBytes;
                    int yo = yOffset + o;
                    switch (wType) {
                        case F32 -> dotF32x4(x, xOffset, w, p, qb, in, y, yo, q, lanes);
                        case F16 -> dotF16x4(x, xOffset, w, p, qb, in, y, yo, q, lanes);
                        case Q8_0 -> dotQ8_0x4(x, xOffset, w, p, qb, blocks, y, yo, q, lanes);
                        case Q4_0 -> {
                            dotQ4_0x2(x, xOffset, m, w, p, qb, blocks, y, yo, q, lanes);
                            dotQ4_0x2(x, xOffset, m, w, p + 2 * qb, qb, blocks, y, yo + 2 * q, q, lanes);
                        }
                        default -> throw new AssertionError(wType);
                    }
                }
                o += 3 * q;
                for (; o < to; o++) {
                    y[yOffset + o] = wType == DType.Q4_0
                            ? dotQ4_0(x, xOffset, m, w, wByteOffset + o * rowBytes, in / 32, lanes)
                            : fusedDot(wType, x, xOffset, w, wByteOffset + o * rowBytes, in, lanes);
                }
            });
        } else if (rows == 1 && KQuantDot.SUPPORTED && (wType == DType.Q4_K || wType == DType.Q6_K)) {
            // Q4_K_M files, the most common in the wild: fused dots, no decoded row in between.
            float[] xsum = wType == DType.Q4_K ? new float[in / 32] : null; // read-only, shared by all threads
            if (xsum != null) KQuantDot.blockSums32(x, xOffset, in, xsum);
            int blocks = in / 256;
            pool.parallelFor(0, out, grain, (from, to) -> {
                float[] lanes = new float[L];
                // Rows in the order o, o + q, o + 2q, o + 3q, o + 1, ... (q a quarter of the
                // chunk): four long sequential streams that the hardware prefetcher follows,
                // rather than one stream of short rows.
                int q = (to - from) / 4;
                for (int k = 0; k < to - from; k++) {
                    int o = k < 4 * q ? from + (k & 3) * q + (k >> 2) : from + k;
                    long p = wByteOffset + o * rowBytes;
                    y[yOffset + o] = xsum != null ? KQuantDot.q4k(x, xOffset, xsum, w, p, blocks, lanes)
                            : KQuantDot.q6k(x, xOffset, w, p, blocks, lanes);
                }
            });
        } else if (rows <= FEW_ROWS) {
            pool.parallelFor(0, out, grain, (from, to) -> {
                float[] wr = SCRATCH.get().get(in);
                float[] lanes = new float[L];
                for (int o = from; o < to; o++) {
                    VectorDequant.row(wType, w, wByteOffset + o * rowBytes, in, wr, 0);
                    for (int r = 0; r < rows; r++) y[yOffset + r * out + o] = dot(x, xOffset + r * in, wr, in, lanes);
                }
            });
        } else {
            int panel = Math.max(64, Math.min(256, PANEL_FLOATS / in));
            pool.parallelFor(0, out, Math.max(grain, 16), (from, to) -> {
                float[] p = SCRATCH.get().get(panel * in);
                for (int o0 = from; o0 < to; o0 += panel) {
                    int n = Math.min(panel, to - o0);
                    for (int j = 0; j < n; j++) VectorDequant.row(wType, w, wByteOffset + (o0 + j) * rowBytes, in, p, j * in);
                    // Inside a pool job Gemm runs inline on this thread (the pool's nesting rule).
                    Gemm.sgemm(false, true, rows, n, in, 1f, x, xOffset, in, p, 0, in, 0f, y, yOffset + o0, out);
                }
            });
        }
    }

    /**
     * Weights in the 16-row interleaved layout (always a heap byte array, see RowInterleave):
     * decoding one token reads them with HeapQuantDot's group kernels; a prompt decodes whole
     * groups straight into the GEMM's packed B panels (no separate packing pass).
     */
    private static void interleaved(WorkerPool pool, float[] x, int xOffset, int rows, int in, DType wType, MemorySegment w,
            long wByteOffset, int out, float[] y, int yOffset, int grain) {
        if (!(w.heapBase().orElse(null) instanceof byte[] a) || !RowInterleave.suits(wType.interleavedFrom(), out, in)) {
            throw new IllegalArgumentException("QuantMatmul: " + wType + " weights (" + out + ", " + in
                    + ") must be whole groups of 16 rows in a heap byte array on a 16-lane machine");
        }
        int base = Math.toIntExact(w.address() + wByteOffset);
        if (rows == 1) {
            HeapQuantDot.matvecInterleaved(pool, x, xOffset, in, wType, a, base, out, y, yOffset, grain);
            return;
        }
        int panelGroups = 16; // 256 rows of W at a time: a (k block × 256) packed B panel stays in L2
        pool.parallelFor(0, out / RowInterleave.ROWS, Math.max(1, Math.max(grain, 16) / RowInterleave.ROWS), (from, to) -> {
            for (int g0 = from; g0 < to; g0 += panelGroups) {
                int g = g0, g1 = Math.min(to, g0 + panelGroups), n = (g1 - g0) * RowInterleave.ROWS;
                // the weights decoded straight into the GEMM's packed B panels, k block by k block
                Gemm.sgemmPackedB(rows, n, in, wType.blockSize(), x, xOffset, in,
                        (p0, kc, bp) -> RowInterleave.decodePacked(wType, a, base, in, g, g1, p0, kc, bp), y,
                        yOffset + g0 * RowInterleave.ROWS, out);
            }
        });
    }

    private static void check(float[] x, int xOffset, int rows, int in, DType wType, MemorySegment w, long wByteOffset,
            int out, float[] y, int yOffset) {
        if (wType == DType.I32 || wType == DType.I8) {
            throw new IllegalArgumentException("QuantMatmul: unsupported weight type " + wType);
        }
        if (rows < 0 || in < 0 || out < 0) {
            throw new IllegalArgumentException("QuantMatmul: negative size rows=" + rows + " in=" + in + " out=" + out);
        }
        if (in % wType.blockSize() != 0) {
            throw new IllegalArgumentException("QuantMatmul: in=" + in + " is not a multiple of the " + wType
                    + " block size " + wType.blockSize());
        }
        Blocks.checkArray("QuantMatmul", "x", x.length, xOffset, (long) rows * in);
        Blocks.checkArray("QuantMatmul", "y", y.length, yOffset, (long) rows * out);
        Blocks.checkSegment("QuantMatmul: weights", wType, w, wByteOffset, (long) out * in);
    }

    private static boolean fused(DType t) {
        return switch (t) {
            case F32, F16, BF16, Q8_0, Q4_0 -> true;
            default -> false;
        };
    }

    /**
     * The Q4_0 offset folded out of the nibbles: (q − 8)·x = q·x − 8·x, so each block's sum starts
     * from m = −8·(x_lo + x_hi) (16 floats per block: lane i holds elements i and 16 + i) and the
     * kernels multiply the raw nibbles 0..15, which saves the per-lane subtraction for every weight
     * row. Computed once per matvec, before the rows are split over threads (same bits for any
     * thread count). The float rounding differs slightly from dequantize-then-dot, as the order of
     * the additions does.
     */
    static float[] q4Offsets(float[] x, int xo, int in) {
        float[] m = new float[in / 2]; // (in / 32 blocks, 16)
        for (int k = 0; k < in / 32; k++) {
            for (int i = 0; i < 16; i++) m[16 * k + i] = -8f * (x[xo + 32 * k + i] + x[xo + 32 * k + 16 + i]);
        }
        return m;
    }

    private static float fusedDot(DType t, float[] x, int xo, MemorySegment w, long o, int n, float[] lanes) {
        return switch (t) {
            case F32 -> dotF32(x, xo, w, o, n, lanes);
            case F16 -> dotF16(x, xo, w, o, n, lanes);
            case BF16 -> dotBF16(x, xo, w, o, n, lanes);
            case Q8_0 -> dotQ8_0(x, xo, w, o, n / 32, lanes);
            default -> throw new AssertionError(t);
        };
    }


    /**
     * The lanes stored at t[off, off + L), summed in a fixed order: the pairwise tree of folding
     * by halves (lane i + lane i + h, h = L/2 … 1), so interpreted and compiled code agree
     * (reduceLanes(ADD) has no fixed order: C2 folds by halves, the interpreter sums lane by lane).
     * HeapQuantDot's kernels do the same fold in registers (rearrange, add), written out at the end
     * of each kernel, which saves the store and reload; in these segment kernels that fold once
     * fell back to boxed Java code (C2 stopped inlining inside the larger methods), so they store
     * and sum here. Either way a row's sum has the same bits.
     */
    static float lanesSum(float[] t, int off) {
        if (L == 16) { // unrolled: this runs once per output row, and short rows make it count
            float a0 = t[off] + t[off + 8], a1 = t[off + 1] + t[off + 9], a2 = t[off + 2] + t[off + 10];
            float a3 = t[off + 3] + t[off + 11], a4 = t[off + 4] + t[off + 12], a5 = t[off + 5] + t[off + 13];
            float a6 = t[off + 6] + t[off + 14], a7 = t[off + 7] + t[off + 15];
            float b0 = a0 + a4, b1 = a1 + a5, b2 = a2 + a6, b3 = a3 + a7;
            return (b0 + b2) + (b1 + b3);
        }
        if (L == 8) {
            float a0 = t[off] + t[off + 4], a1 = t[off + 1] + t[off + 5], a2 = t[off + 2] + t[off + 6], a3 = t[off + 3] + t[off + 7];
            return (a0 + a2) + (a1 + a3);
        }
        for (int h = L / 2; h >= 1; h /= 2) {
            for (int i = 0; i < h; i++) t[off + i] += t[off + i + h];
        }
        return t[off];
    }



    /** Plain dot of x[xo, xo + n) with a[0, n); two accumulators to cover the FMA latency. */
    static float dot(float[] x, int xo, float[] a, int n, float[] lanes) {
        return dot(x, xo, a, 0, n, lanes);
    }

    /** Plain dot of x[xo, xo + n) with a[ao, ao + n), in {@link #dotF32}'s order. */
    static float dot(float[] x, int xo, float[] a, int ao, int n, float[] lanes) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            acc0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, x, xo + i), acc0);
            acc1 = FloatVector.fromArray(F, a, ao + i + L).fma(FloatVector.fromArray(F, x, xo + i + L), acc1);
        }
        for (; i <= n - L; i += L) acc0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, x, xo + i), acc0);
        (acc0.add(acc1)).intoArray(lanes, 0);
        float s = lanesSum(lanes, 0);
        for (; i < n; i++) s = Math.fma(a[ao + i], x[xo + i], s);
        return s;
    }

    private static float dotF32(float[] x, int xo, MemorySegment w, long o, int n, float[] lanes) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            acc0 = FloatVector.fromMemorySegment(F, w, o + 4L * i, LE).fma(FloatVector.fromArray(F, x, xo + i), acc0);
            acc1 = FloatVector.fromMemorySegment(F, w, o + 4L * (i + L), LE).fma(FloatVector.fromArray(F, x, xo + i + L), acc1);
        }
        for (; i <= n - L; i += L) {
            acc0 = FloatVector.fromMemorySegment(F, w, o + 4L * i, LE).fma(FloatVector.fromArray(F, x, xo + i), acc0);
        }
        (acc0.add(acc1)).intoArray(lanes, 0);
        float s = lanesSum(lanes, 0);
        for (; i < n; i++) s = Math.fma(w.get(Blocks.F32, o + 4L * i), x[xo + i], s);
        return s;
    }

    /** f16 widened exactly with integer ops (see VectorDequant.f16Row), then FMA. */
    private static float dotF16(float[] x, int xo, MemorySegment w, long o, int n, float[] lanes) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - L; i += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, o + 2L * i, LE).convertShape(VectorOperators.S2I, I, 0);
            IntVector em = h.and(0x7fff);
            IntVector bits = em.lanewise(VectorOperators.LSHL, 13);
            bits = bits.blend(bits.or(0x7f800000), em.compare(VectorOperators.GE, 0x7c00));
            FloatVector v = bits.reinterpretAsFloats().mul(0x1p112f);
            v = v.reinterpretAsInts().or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
            acc = v.fma(FloatVector.fromArray(F, x, xo + i), acc);
        }
        (acc).intoArray(lanes, 0);
        float s = lanesSum(lanes, 0);
        for (; i < n; i++) s = Math.fma(Blocks.f16(w, o + 2L * i), x[xo + i], s);
        return s;
    }

    private static float dotBF16(float[] x, int xo, MemorySegment w, long o, int n, float[] lanes) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - L; i += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, o + 2L * i, LE).convertShape(VectorOperators.S2I, I, 0);
            acc = h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xo + i), acc);
        }
        (acc).intoArray(lanes, 0);
        float s = lanesSum(lanes, 0);
        for (; i < n; i++) s = Math.fma(Float.intBitsToFloat(w.get(Blocks.I16, o + 2L * i) << 16), x[xo + i], s);
        return s;
    }

    /** Per block of 34 bytes: d (f16), 32 int8. acc += d * (q · x_block). */
    private static float dotQ8_0(float[] x, int xo, MemorySegment w, long o, int blocks, float[] lanes) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++, o += 34, xo += 32) {
            FloatVector s = FloatVector.zero(F);
            for (int p = 0; p < 32; p += L) {
                FloatVector q = (FloatVector) ByteVector.fromMemorySegment(B, w, o + 2 + p, LE).convertShape(VectorOperators.B2F, F, 0);
                s = q.fma(FloatVector.fromArray(F, x, xo + p), s);
            }
            acc = s.fma(FloatVector.broadcast(F, Blocks.f16(w, o)), acc);
        }
        (acc).intoArray(lanes, 0);
        return lanesSum(lanes, 0);
    }

    /**
     * Per block of 18 bytes: d (f16), 16 bytes of nibbles (low: elements 0..15, high: 16..31),
     * offset 8, folded into m (see {@link #q4Offsets}). The same operations per row, in the same
     * order, as {@link #dotQ4_0x2}, so a row's bits do not depend on which kernel computed it.
     */
    private static float dotQ4_0(float[] x, int xo, float[] m, MemorySegment w, long o, int blocks, float[] lanes) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, mo = 0; b < blocks; b++, o += 18, xo += 32, mo += 16) {
            FloatVector s = FloatVector.fromArray(F, m, mo);
            for (int p = 0; p < 16; p += L) {
                if (p > 0) s = s.add(FloatVector.fromArray(F, m, mo + p));
                IntVector v = (IntVector) ByteVector.fromMemorySegment(B, w, o + 2 + p, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                s = ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xo + p), s);
                s = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xo + 16 + p), s);
            }
            acc = s.fma(FloatVector.broadcast(F, Blocks.f16(w, o)), acc);
        }
        (acc).intoArray(lanes, 0);
        return lanesSum(lanes, 0);
    }

    /** {@link #dotF32} for rows o, o+r, o+2r, o+3r (r in bytes) into y[yo + k·ys]. */
    private static void dotF32x4(float[] x, int xo, MemorySegment w, long o, long r, int n, float[] y, int yo, int ys, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            FloatVector x0 = FloatVector.fromArray(F, x, xo + i), x1 = FloatVector.fromArray(F, x, xo + i + L);
            long p = o + 4L * i, q = p + 4L * L;
            a0 = FloatVector.fromMemorySegment(F, w, p, LE).fma(x0, a0);
            b0 = FloatVector.fromMemorySegment(F, w, q, LE).fma(x1, b0);
            a1 = FloatVector.fromMemorySegment(F, w, p + r, LE).fma(x0, a1);
            b1 = FloatVector.fromMemorySegment(F, w, q + r, LE).fma(x1, b1);
            a2 = FloatVector.fromMemorySegment(F, w, p + 2 * r, LE).fma(x0, a2);
            b2 = FloatVector.fromMemorySegment(F, w, q + 2 * r, LE).fma(x1, b2);
            a3 = FloatVector.fromMemorySegment(F, w, p + 3 * r, LE).fma(x0, a3);
            b3 = FloatVector.fromMemorySegment(F, w, q + 3 * r, LE).fma(x1, b3);
        }
        if (i != n) { // a tail the single-row kernel handles with its own order: keep the bits identical
            for (int k = 0; k < 4; k++) y[yo + k * ys] = dotF32(x, xo, w, o + k * r, n, lanes);
            return;
        }
        (a0.add(b0)).intoArray(lanes, 0 * L);
        (a1.add(b1)).intoArray(lanes, 1 * L);
        (a2.add(b2)).intoArray(lanes, 2 * L);
        (a3.add(b3)).intoArray(lanes, 3 * L);
        for (int k = 0; k < 4; k++) y[yo + k * ys] = lanesSum(lanes, k * L);
    }

    /**
     * {@link #dotF16} for rows o, o+r, o+2r, o+3r (r in bytes) into y[yo + k·ys]: x is loaded once per four rows
     * and the four accumulator chains overlap (one row's chain is FMA-latency bound). The f16
     * values are widened exactly as in dotF16, in fewer operations: the lanes are sign-extended,
     * so the f16 sign is already the int sign bit (one AND keeps it), and Inf/NaN get their
     * exponent by a masked OR. Same floats, same order per row: the same bits as dotF16.
     */
    private static void dotF16x4(float[] x, int xo, MemorySegment w, long o, long r, int n, float[] y, int yo, int ys, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            long p = o + 2L * i;
            IntVector h0 = (IntVector) ShortVector.fromMemorySegment(S, w, p, LE).convertShape(VectorOperators.S2I, I, 0);
            IntVector h1 = (IntVector) ShortVector.fromMemorySegment(S, w, p + r, LE).convertShape(VectorOperators.S2I, I, 0);
            IntVector h2 = (IntVector) ShortVector.fromMemorySegment(S, w, p + 2 * r, LE).convertShape(VectorOperators.S2I, I, 0);
            IntVector h3 = (IntVector) ShortVector.fromMemorySegment(S, w, p + 3 * r, LE).convertShape(VectorOperators.S2I, I, 0);
            IntVector e0 = h0.and(0x7fff), e1 = h1.and(0x7fff), e2 = h2.and(0x7fff), e3 = h3.and(0x7fff);
            FloatVector v0 = e0.lanewise(VectorOperators.LSHL, 13).lanewise(VectorOperators.OR, 0x7f800000, e0.compare(VectorOperators.GE, 0x7c00))
                    .reinterpretAsFloats().mul(0x1p112f);
            FloatVector v1 = e1.lanewise(VectorOperators.LSHL, 13).lanewise(VectorOperators.OR, 0x7f800000, e1.compare(VectorOperators.GE, 0x7c00))
                    .reinterpretAsFloats().mul(0x1p112f);
            FloatVector v2 = e2.lanewise(VectorOperators.LSHL, 13).lanewise(VectorOperators.OR, 0x7f800000, e2.compare(VectorOperators.GE, 0x7c00))
                    .reinterpretAsFloats().mul(0x1p112f);
            FloatVector v3 = e3.lanewise(VectorOperators.LSHL, 13).lanewise(VectorOperators.OR, 0x7f800000, e3.compare(VectorOperators.GE, 0x7c00))
                    .reinterpretAsFloats().mul(0x1p112f);
            a0 = v0.reinterpretAsInts().or(h0.and(0x80000000)).reinterpretAsFloats().fma(xv, a0);
            a1 = v1.reinterpretAsInts().or(h1.and(0x80000000)).reinterpretAsFloats().fma(xv, a1);
            a2 = v2.reinterpretAsInts().or(h2.and(0x80000000)).reinterpretAsFloats().fma(xv, a2);
            a3 = v3.reinterpretAsInts().or(h3.and(0x80000000)).reinterpretAsFloats().fma(xv, a3);
        }
        if (i != n) { // the single-row kernel, with its scalar tail
            for (int k = 0; k < 4; k++) y[yo + k * ys] = dotF16(x, xo, w, o + k * r, n, lanes);
            return;
        }
        (a0).intoArray(lanes, 0 * L);
        (a1).intoArray(lanes, 1 * L);
        (a2).intoArray(lanes, 2 * L);
        (a3).intoArray(lanes, 3 * L);
        for (int k = 0; k < 4; k++) y[yo + k * ys] = lanesSum(lanes, k * L);
    }

    /** {@link #dotQ8_0} for rows o, o+r, o+2r, o+3r (r in bytes) into y[yo + k·ys]. */
    private static void dotQ8_0x4(float[] x, int xo, MemorySegment w, long o, long r, int blocks, float[] y, int yo, int ys,
            float[] lanes) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < blocks; k++, o += 34, xo += 32) {
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            for (int p = 0; p < 32; p += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xo + p);
                long q = o + 2 + p;
                s0 = ((FloatVector) ByteVector.fromMemorySegment(B, w, q, LE).convertShape(VectorOperators.B2F, F, 0)).fma(xv, s0);
                s1 = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + r, LE).convertShape(VectorOperators.B2F, F, 0)).fma(xv, s1);
                s2 = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 2 * r, LE).convertShape(VectorOperators.B2F, F, 0)).fma(xv, s2);
                s3 = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 3 * r, LE).convertShape(VectorOperators.B2F, F, 0)).fma(xv, s3);
            }
            a0 = s0.fma(FloatVector.broadcast(F, Blocks.f16(w, o)), a0);
            a1 = s1.fma(FloatVector.broadcast(F, Blocks.f16(w, o + r)), a1);
            a2 = s2.fma(FloatVector.broadcast(F, Blocks.f16(w, o + 2 * r)), a2);
            a3 = s3.fma(FloatVector.broadcast(F, Blocks.f16(w, o + 3 * r)), a3);
        }
        (a0).intoArray(lanes, 0 * L);
        (a1).intoArray(lanes, 1 * L);
        (a2).intoArray(lanes, 2 * L);
        (a3).intoArray(lanes, 3 * L);
        for (int k = 0; k < 4; k++) y[yo + k * ys] = lanesSum(lanes, k * L);
    }

    /**
     * {@link #dotQ4_0} for rows o and o + r (r in bytes) into y[yo], y[yo + ys]. Two rows, not
     * four: C2 stops inlining Vector API calls once a method's inlined bytecode passes its limit,
     * and four rows of nibble unpacking crossed it (boxing every vector, 5× slower). The bytes are
     * zero-extended to int lanes (x86 has no byte shift), so the high nibble is a plain shift and
     * the low one a mask; the offset 8 is in m (see {@link #q4Offsets}): 1.5-2× fewer cycles than
     * masking, shifting and subtracting each nibble (an L2-resident 64 × 4,096 matrix).
     */
    private static void dotQ4_0x2(float[] x, int xo, float[] m, MemorySegment w, long o, long r, int blocks, float[] y, int yo,
            int ys, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int k = 0, mo = 0; k < blocks; k++, o += 18, xo += 32, mo += 16) {
            FloatVector s0 = FloatVector.fromArray(F, m, mo), s1 = s0;
            for (int p = 0; p < 16; p += L) {
                if (p > 0) {
                    FloatVector mv = FloatVector.fromArray(F, m, mo + p);
                    s0 = s0.add(mv);
                    s1 = s1.add(mv);
                }
                FloatVector xl = FloatVector.fromArray(F, x, xo + p), xh = FloatVector.fromArray(F, x, xo + 16 + p);
                long q = o + 2 + p;
                IntVector v0 = (IntVector) ByteVector.fromMemorySegment(B, w, q, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector v1 = (IntVector) ByteVector.fromMemorySegment(B, w, q + r, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                s0 = ((FloatVector) v0.and(0xF).convert(VectorOperators.I2F, 0)).fma(xl, s0);
                s1 = ((FloatVector) v1.and(0xF).convert(VectorOperators.I2F, 0)).fma(xl, s1);
                s0 = ((FloatVector) v0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, s0);
                s1 = ((FloatVector) v1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, s1);
            }
            a0 = s0.fma(FloatVector.broadcast(F, Blocks.f16(w, o)), a0);
            a1 = s1.fma(FloatVector.broadcast(F, Blocks.f16(w, o + r)), a1);
        }
        (a0).intoArray(lanes, 0 * L);
        (a1).intoArray(lanes, 1 * L);
        y[yo] = lanesSum(lanes, 0);
        y[yo + ys] = lanesSum(lanes, L);
    }
}
