package dev.moxing.kernels.quant;

import static dev.moxing.kernels.quant.VectorDequant.B;
import static dev.moxing.kernels.quant.VectorDequant.F;
import static dev.moxing.kernels.quant.VectorDequant.I;
import static dev.moxing.kernels.quant.VectorDequant.L;
import static dev.moxing.kernels.quant.VectorDequant.S;

import dev.moxing.parallel.WorkerPool;
import dev.moxing.tensor.DType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * The decode matvec ({@code y = x · Wᵀ}, one row of x) for Q8_0, Q4_0, Q4_K and Q6_K blocks held in a Java
 * byte array, F16 in a short array and F32 in a float array (a model loaded onto the heap, see {@code WeightPlacement} in moxing-llm), in the
 * ggml block layout unchanged.
 *
 * <p>Why a second copy of {@link QuantMatmul}'s fused kernels: the same Vector API code over a
 * {@code byte[]} compiles to about half the instructions it takes over a memory segment. Every
 * segment load carries a long-indexed bounds check and an address rebuilt from spilled long
 * registers (seen in the disassembly of the Q8_0 kernel: two scalar instructions per vector
 * one); an int-indexed array load has neither. Measured on a 110M-shaped sweep of distinct
 * matrices, one thread: Q8_0 18 → 21 GB/s, Q4_0 9.8 → 12 GB/s (a native segment with the same
 * layout was no faster than the mapped file: the cost is the segment access, not the memory).
 *
 * <p>Each row's operations are those of QuantMatmul's kernels, in the same order, so the result
 * has the same bits as the mapped weights give ({@code HeapQuantDotTest}).
 */
final class HeapQuantDot {
    private static final VarHandle F16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * Lane permutations for summing an accumulator's lanes in registers: lane i + lane i ^ h for h
     * = L/2, L/4, … 1 is QuantMatmul.lanesSum's fold by halves, so a row's sum has the same bits
     * either way (and in the interpreter, unlike reduceLanes). Written out at the end of each
     * kernel, not in a helper: a Vector argument is boxed when C2 declines to inline (see
     * lanesSum). In registers it saves storing the accumulators and reloading them lane by lane:
     * stories15M one-thread decoding, best of 15 runs each, Q8_0 1,012 → 1,194 tokens/s, Q4_0 929 →
     * 1,125 (short rows, where one sum per row counts).
     */
    private static final VectorShuffle<Float> FOLD_H = VectorShuffle.fromOp(F, i -> i ^ (L / 2)),
            FOLD_Q = VectorShuffle.fromOp(F, i -> i ^ (L / 4)), FOLD_E = VectorShuffle.fromOp(F, i -> i ^ (L / 8)),
            FOLD_S = VectorShuffle.fromOp(F, i -> i ^ Math.max(1, L / 16));

    private HeapQuantDot() {}

    static boolean supports(DType t) {
        return VectorDequant.VECTOR && (t == DType.Q8_0 || t == DType.Q4_0 || t == DType.F16 || t == DType.F32)
                || KQuantDot.SUPPORTED && (t == DType.Q4_K || t == DType.Q6_K);
    }

    /**
     * y[yOffset, +out) = x[xOffset, +in) · Wᵀ for W the (out, in) F16 matrix at w[base..] (in
     * halves), in % L == 0: QuantMatmul's F16 path over a {@code short[]}, rows in the same order.
     */
    static void matvecF16(WorkerPool pool, float[] x, int xOffset, int in, short[] w, int base, int out, float[] y,
            int yOffset, int grain) {
        pool.parallelFor(0, out, grain, (from, to) -> {
            float[] lanes = new float[4 * L];
            int o = from;
            int q = (to - o) / 4, qs = q * in;
            for (int j = 0; j < q; j++, o++) f16x4(x, xOffset, w, base + o * in, qs, in, y, yOffset + o, q);
            for (o += 3 * q; o < to; o++) y[yOffset + o] = f16(x, xOffset, w, base + o * in, in, lanes);
        });
    }

    /**
     * y[yOffset, +out) = x[xOffset, +in) · Wᵀ for W the (out, in) F32 matrix at w[base..], in % 2L
     * == 0: QuantMatmul's F32 path over a {@code float[]}, rows in the same order.
     */
    static void matvecF32(WorkerPool pool, float[] x, int xOffset, int in, float[] w, int base, int out, float[] y,
            int yOffset, int grain) {
        pool.parallelFor(0, out, grain, (from, to) -> {
            float[] lanes = new float[4 * L];
            int o = from;
            int q = (to - o) / 4, qs = q * in;
            for (int j = 0; j < q; j++, o++) f32x4(x, xOffset, w, base + o * in, qs, in, y, yOffset + o, q);
            for (o += 3 * q; o < to; o++) y[yOffset + o] = f32(x, xOffset, w, base + o * in, in, lanes);
        });
    }

    /** QuantMatmul.dotF32x4 over an array (n a multiple of 2L): rows at w[o + k·r] into y[yo + k·ys]. */
    private static void f32x4(float[] x, int xo, float[] w, int o, int r, int n, float[] y, int yo, int ys) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int i = 0; i < n; i += 2 * L) {
            FloatVector x0 = FloatVector.fromArray(F, x, xo + i), x1 = FloatVector.fromArray(F, x, xo + i + L);
            int p = o + i, q = p + L;
            a0 = FloatVector.fromArray(F, w, p).fma(x0, a0);
            b0 = FloatVector.fromArray(F, w, q).fma(x1, b0);
            a1 = FloatVector.fromArray(F, w, p + r).fma(x0, a1);
            b1 = FloatVector.fromArray(F, w, q + r).fma(x1, b1);
            a2 = FloatVector.fromArray(F, w, p + 2 * r).fma(x0, a2);
            b2 = FloatVector.fromArray(F, w, q + 2 * r).fma(x1, b2);
            a3 = FloatVector.fromArray(F, w, p + 3 * r).fma(x0, a3);
            b3 = FloatVector.fromArray(F, w, q + 3 * r).fma(x1, b3);
        }
        a0 = a0.add(b0);
        a1 = a1.add(b1);
        a2 = a2.add(b2);
        a3 = a3.add(b3);
        a0 = a0.add(a0.rearrange(FOLD_H)); a1 = a1.add(a1.rearrange(FOLD_H)); a2 = a2.add(a2.rearrange(FOLD_H)); a3 = a3.add(a3.rearrange(FOLD_H));
        a0 = a0.add(a0.rearrange(FOLD_Q)); a1 = a1.add(a1.rearrange(FOLD_Q)); a2 = a2.add(a2.rearrange(FOLD_Q)); a3 = a3.add(a3.rearrange(FOLD_Q));
        a0 = a0.add(a0.rearrange(FOLD_E)); a1 = a1.add(a1.rearrange(FOLD_E)); a2 = a2.add(a2.rearrange(FOLD_E)); a3 = a3.add(a3.rearrange(FOLD_E));
        if (L == 16) {
            a0 = a0.add(a0.rearrange(FOLD_S)); a1 = a1.add(a1.rearrange(FOLD_S)); a2 = a2.add(a2.rearrange(FOLD_S)); a3 = a3.add(a3.rearrange(FOLD_S));
        }
        y[yo] = a0.lane(0);
        y[yo + ys] = a1.lane(0);
        y[yo + 2 * ys] = a2.lane(0);
        y[yo + 3 * ys] = a3.lane(0);
    }

    /** QuantMatmul.dotF32 over an array (n a multiple of 2L). */
    private static float f32(float[] x, int xo, float[] w, int o, int n, float[] lanes) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        for (int i = 0; i < n; i += 2 * L) {
            acc0 = FloatVector.fromArray(F, w, o + i).fma(FloatVector.fromArray(F, x, xo + i), acc0);
            acc1 = FloatVector.fromArray(F, w, o + i + L).fma(FloatVector.fromArray(F, x, xo + i + L), acc1);
        }
        acc0.add(acc1).intoArray(lanes, 0);
        return QuantMatmul.lanesSum(lanes, 0);
    }

    /**
     * y[yOffset, +out) = x[xOffset, +in) · Wᵀ for W the (out, in) matrix at w[base..] in the 16-row
     * interleaved layout ({@link RowInterleave}; L = 16): one group of 16 rows per step, each
     * weight loaded once for its 16 rows, x broadcast, the 16 sums in the lanes of one vector.
     * The sum of a row runs in another order than the block-layout kernels', so the last bits
     * differ from theirs.
     */
    static void matvecInterleaved(WorkerPool pool, float[] x, int xOffset, int in, DType t, byte[] w, int base, int out,
            float[] y, int yOffset, int grain) {
        int groups = out / RowInterleave.ROWS, blocks = in / t.blockSize(), gb = RowInterleave.groupBlockBytes(t);
        // per 32 values of x, read-only and shared by all threads: Q4_K's min term, Q4_0's offset 8 (as -8 · sum)
        float[] xsum = t == DType.Q4_K_R16 || t == DType.Q4_0_R16 ? new float[in / 32] : null;
        if (xsum != null) KQuantDot.blockSums32(x, xOffset, in, xsum);
        if (t == DType.Q4_0_R16) for (int b = 0; b < xsum.length; b++) xsum[b] *= -8f;
        pool.parallelFor(0, groups, Math.max(1, grain / RowInterleave.ROWS), (from, to) -> {
            float[] scales = new float[16 * RowInterleave.ROWS], mins = t == DType.Q4_K_R16 ? new float[8 * RowInterleave.ROWS] : null;
            for (int g = from; g < to; g++) {
                int p = base + g * blocks * gb, yo = yOffset + g * RowInterleave.ROWS;
                switch (t) {
                    case Q8_0_R16 -> q8Group(x, xOffset, w, p, blocks, y, yo, scales);
                    case Q4_0_R16 -> q4Group(x, xOffset, xsum, w, p, blocks, y, yo, scales);
                    case Q4_K_R16 -> q4kGroup(x, xOffset, xsum, w, p, blocks, y, yo, scales, mins);
                    case Q6_K_R16 -> q6kGroup(x, xOffset, w, p, blocks, y, yo, scales);
                    default -> throw new AssertionError(t);
                }
            }
        });
    }

    /**
     * One group of 16 Q4_K_R16 rows at w[p] (blocks of 2,304 bytes, byte k of the 16 rows at p +
     * 16k): per sub-block of 32, sum q · x for the 16 rows (two chains per half), then scale by
     * d · sc and subtract dmin · m · (sum of x over the sub-block). The headers are unpacked into
     * dsc / dmm (RowInterleave.k4Scales), kept out of this method so that C2 inlines all of it.
     */
    private static void q4kGroup(float[] x, int xo, float[] xsum, byte[] w, int p, int blocks, float[] y, int yo, float[] dsc,
            float[] dmm) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++, p += 2304, xo += 256) {
            RowInterleave.k4Scales(w, p, dsc, dmm);
            for (int h = 0; h < 4; h++) {
                FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
                int q = p + (16 + 32 * h) * 16, xl = xo + 64 * h;
                for (int l = 0; l < 32; l += 2, q += 32) {
                    IntVector v0 = (IntVector) ByteVector.fromArray(B, w, q).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector v1 = (IntVector) ByteVector.fromArray(B, w, q + 16).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    s0 = ((FloatVector) v0.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, x[xl + l]), s0);
                    s1 = ((FloatVector) v1.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, x[xl + l + 1]), s1);
                    s2 = ((FloatVector) v0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(F, x[xl + 32 + l]), s2);
                    s3 = ((FloatVector) v1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(F, x[xl + 33 + l]), s3);
                }
                int j = 2 * h, k = 8 * b + j;
                acc = s0.add(s1).fma(FloatVector.fromArray(F, dsc, j * 16), acc);
                acc = s2.add(s3).fma(FloatVector.fromArray(F, dsc, (j + 1) * 16), acc);
                acc = FloatVector.fromArray(F, dmm, j * 16).fma(FloatVector.broadcast(F, -xsum[k]), acc);
                acc = FloatVector.fromArray(F, dmm, (j + 1) * 16).fma(FloatVector.broadcast(F, -xsum[k + 1]), acc);
            }
        }
        acc.intoArray(y, yo);
    }

    /**
     * One group of 16 Q6_K_R16 rows at w[p] (blocks of 3,360 bytes, byte k of the 16 rows at p +
     * 16k): per 16-value sub-block, four sums of q · x (ggml's four interleaved quarters of a half
     * block), each scaled by its d · scale (RowInterleave.k6Scales).
     */
    private static void q6kGroup(float[] x, int xo, byte[] w, int p, int blocks, float[] y, int yo, float[] dsc) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++, p += 3360, xo += 256) {
            RowInterleave.k6Scales(w, p, dsc);
            for (int h = 0; h < 2; h++) {
                int ql = p + 64 * h * 16, qh = p + (128 + 32 * h) * 16, x0 = xo + 128 * h;
                for (int half = 0; half < 2; half++) {
                    FloatVector c1 = FloatVector.zero(F), c2 = c1, c3 = c1, c4 = c1;
                    for (int l = 16 * half; l < 16 * half + 16; l++) {
                        IntVector a = (IntVector) ByteVector.fromArray(B, w, ql + l * 16).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                        IntVector bb = (IntVector) ByteVector.fromArray(B, w, ql + (l + 32) * 16)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                        IntVector hb = (IntVector) ByteVector.fromArray(B, w, qh + l * 16).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                        // value = low four bits | two bits of hb << 4, minus 32 (written out: a helper returning a vector would box)
                        IntVector v1 = a.and(0xF).or(hb.and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                        IntVector v2 = bb.and(0xF).or(hb.and(12).lanewise(VectorOperators.LSHL, 2)).sub(32);
                        IntVector v3 = a.lanewise(VectorOperators.LSHR, 4).or(hb.and(48)).sub(32);
                        IntVector v4 = bb.lanewise(VectorOperators.LSHR, 4).or(hb.lanewise(VectorOperators.LSHR, 2).and(48)).sub(32);
                        c1 = ((FloatVector) v1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, x[x0 + l]), c1);
                        c2 = ((FloatVector) v2.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, x[x0 + l + 32]), c2);
                        c3 = ((FloatVector) v3.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, x[x0 + l + 64]), c3);
                        c4 = ((FloatVector) v4.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, x[x0 + l + 96]), c4);
                    }
                    int s = 8 * h + half;
                    acc = c1.fma(FloatVector.fromArray(F, dsc, s * 16), acc);
                    acc = c2.fma(FloatVector.fromArray(F, dsc, (s + 2) * 16), acc);
                    acc = c3.fma(FloatVector.fromArray(F, dsc, (s + 4) * 16), acc);
                    acc = c4.fma(FloatVector.fromArray(F, dsc, (s + 6) * 16), acc);
                }
            }
        }
        acc.intoArray(y, yo);
    }

    /** One group of 16 Q8_0_R16 rows at w[p]: four partial sums per block column (the FMA latency), then its scales. */
    private static void q8Group(float[] x, int xo, byte[] w, int p, int blocks, float[] y, int yo, float[] scales) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++, p += 544, xo += 32) {
            RowInterleave.half(w, p, scales, 0);
            FloatVector d = FloatVector.fromArray(F, scales, 0);
            int q = p + 32;
            FloatVector s0 = ((FloatVector) ByteVector.fromArray(B, w, q).convertShape(VectorOperators.B2F, F, 0)).mul(x[xo]);
            FloatVector s1 = ((FloatVector) ByteVector.fromArray(B, w, q + 16).convertShape(VectorOperators.B2F, F, 0)).mul(x[xo + 1]);
            FloatVector s2 = ((FloatVector) ByteVector.fromArray(B, w, q + 32).convertShape(VectorOperators.B2F, F, 0)).mul(x[xo + 2]);
            FloatVector s3 = ((FloatVector) ByteVector.fromArray(B, w, q + 48).convertShape(VectorOperators.B2F, F, 0)).mul(x[xo + 3]);
            for (int j = 4; j < 32; j += 4) {
                int qj = q + 16 * j;
                s0 = ((FloatVector) ByteVector.fromArray(B, w, qj).convertShape(VectorOperators.B2F, F, 0))
                        .fma(FloatVector.broadcast(F, x[xo + j]), s0);
                s1 = ((FloatVector) ByteVector.fromArray(B, w, qj + 16).convertShape(VectorOperators.B2F, F, 0))
                        .fma(FloatVector.broadcast(F, x[xo + j + 1]), s1);
                s2 = ((FloatVector) ByteVector.fromArray(B, w, qj + 32).convertShape(VectorOperators.B2F, F, 0))
                        .fma(FloatVector.broadcast(F, x[xo + j + 2]), s2);
                s3 = ((FloatVector) ByteVector.fromArray(B, w, qj + 48).convertShape(VectorOperators.B2F, F, 0))
                        .fma(FloatVector.broadcast(F, x[xo + j + 3]), s3);
            }
            acc = s0.add(s1).add(s2.add(s3)).fma(d, acc);
        }
        acc.intoArray(y, yo);
    }

    /**
     * One group of 16 Q4_0_R16 rows at w[p]: byte j holds values j (low nibble) and j + 16 (high);
     * the offset 8 enters once per block as -8 · (sum of x), xs[b].
     */
    private static void q4Group(float[] x, int xo, float[] xs, byte[] w, int p, int blocks, float[] y, int yo, float[] scales) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++, p += 288, xo += 32) {
            RowInterleave.half(w, p, scales, 0);
            FloatVector d = FloatVector.fromArray(F, scales, 0);
            int q = p + 32;
            FloatVector s0 = FloatVector.broadcast(F, xs[b]), s1 = FloatVector.zero(F), s2 = s1, s3 = s1;
            for (int j = 0; j < 16; j += 2) {
                int qj = q + 16 * j;
                IntVector v0 = (IntVector) ByteVector.fromArray(B, w, qj).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector v1 = (IntVector) ByteVector.fromArray(B, w, qj + 16).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                s0 = ((FloatVector) v0.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, x[xo + j]), s0);
                s1 = ((FloatVector) v0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(F, x[xo + 16 + j]), s1);
                s2 = ((FloatVector) v1.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, x[xo + j + 1]), s2);
                s3 = ((FloatVector) v1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(F, x[xo + 17 + j]), s3);
            }
            acc = s0.add(s1).add(s2.add(s3)).fma(d, acc);
        }
        acc.intoArray(y, yo);
    }

    /** QuantMatmul.dotF16x4 over an array (n a multiple of L): rows at w[o + k·r] into y[yo + k·ys]. */
    private static void f16x4(float[] x, int xo, short[] w, int o, int r, int n, float[] y, int yo, int ys) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0; i < n; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            int p = o + i;
            IntVector h0 = (IntVector) ShortVector.fromArray(S, w, p).convertShape(VectorOperators.S2I, I, 0);
            IntVector h1 = (IntVector) ShortVector.fromArray(S, w, p + r).convertShape(VectorOperators.S2I, I, 0);
            IntVector h2 = (IntVector) ShortVector.fromArray(S, w, p + 2 * r).convertShape(VectorOperators.S2I, I, 0);
            IntVector h3 = (IntVector) ShortVector.fromArray(S, w, p + 3 * r).convertShape(VectorOperators.S2I, I, 0);
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
        a0 = a0.add(a0.rearrange(FOLD_H)); a1 = a1.add(a1.rearrange(FOLD_H)); a2 = a2.add(a2.rearrange(FOLD_H)); a3 = a3.add(a3.rearrange(FOLD_H));
        a0 = a0.add(a0.rearrange(FOLD_Q)); a1 = a1.add(a1.rearrange(FOLD_Q)); a2 = a2.add(a2.rearrange(FOLD_Q)); a3 = a3.add(a3.rearrange(FOLD_Q));
        a0 = a0.add(a0.rearrange(FOLD_E)); a1 = a1.add(a1.rearrange(FOLD_E)); a2 = a2.add(a2.rearrange(FOLD_E)); a3 = a3.add(a3.rearrange(FOLD_E));
        if (L == 16) {
            a0 = a0.add(a0.rearrange(FOLD_S)); a1 = a1.add(a1.rearrange(FOLD_S)); a2 = a2.add(a2.rearrange(FOLD_S)); a3 = a3.add(a3.rearrange(FOLD_S));
        }
        y[yo] = a0.lane(0);
        y[yo + ys] = a1.lane(0);
        y[yo + 2 * ys] = a2.lane(0);
        y[yo + 3 * ys] = a3.lane(0);
    }

    /** QuantMatmul.dotF16 over an array (n a multiple of L). */
    private static float f16(float[] x, int xo, short[] w, int o, int n, float[] lanes) {
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < n; i += L) {
            IntVector h = (IntVector) ShortVector.fromArray(S, w, o + i).convertShape(VectorOperators.S2I, I, 0);
            IntVector em = h.and(0x7fff);
            IntVector bits = em.lanewise(VectorOperators.LSHL, 13);
            bits = bits.blend(bits.or(0x7f800000), em.compare(VectorOperators.GE, 0x7c00));
            FloatVector v = bits.reinterpretAsFloats().mul(0x1p112f);
            v = v.reinterpretAsInts().or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
            acc = v.fma(FloatVector.fromArray(F, x, xo + i), acc);
        }
        acc.intoArray(lanes, 0);
        return QuantMatmul.lanesSum(lanes, 0);
    }

    /**
     * y[yOffset, +out) = x[xOffset, +in) · Wᵀ for W the (out, in) blocks at w[base..]. Rows are
     * split over the pool as QuantMatmul splits them: four quarters of a chunk streamed together.
     */
    static void matvec(WorkerPool pool, float[] x, int xOffset, int in, DType t, byte[] w, int base, int out, float[] y,
            int yOffset, int grain) {
        int rowBytes = Math.toIntExact(t.bytesFor(in));
        if (t == DType.Q4_K || t == DType.Q6_K) {
            kQuants(pool, x, xOffset, in, t, w, base, rowBytes, out, y, yOffset, grain);
            return;
        }
        int blocks = in / 32;
        float[] m = t == DType.Q4_0 ? QuantMatmul.q4Offsets(x, xOffset, in) : null;
        pool.parallelFor(0, out, grain, (from, to) -> {
            int q = (to - from) / 4, qb = q * rowBytes;
            int o = from;
            for (int j = 0; j < q; j++, o++) {
                int p = base + o * rowBytes;
                if (m == null) {
                    q8x4(x, xOffset, w, p, qb, blocks, y, yOffset + o, q);
                } else {
                    q4x2(x, xOffset, m, w, p, qb, blocks, y, yOffset + o, q);
                    q4x2(x, xOffset, m, w, p + 2 * qb, qb, blocks, y, yOffset + o + 2 * q, q);
                }
            }
            for (o += 3 * q; o < to; o++) {
                int p = base + o * rowBytes;
                if (m == null) {
                    q8x4(x, xOffset, w, p, 0, blocks, y, yOffset + o, 0); // four times the same row
                } else {
                    q4x2(x, xOffset, m, w, p, 0, blocks, y, yOffset + o, 0);
                }
            }
        });
    }

    private static float f16(byte[] w, int i) {
        return Float.float16ToFloat((short) F16.get(w, i));
    }

    /** QuantMatmul.dotQ8_0x4 over an array: rows at w[o], w[o + r], w[o + 2r], w[o + 3r] into y[yo + k·ys]. */
    private static void q8x4(float[] x, int xo, byte[] w, int o, int r, int blocks, float[] y, int yo, int ys) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < blocks; k++, o += 34, xo += 32) {
            FloatVector xl = FloatVector.fromArray(F, x, xo), xh = FloatVector.fromArray(F, x, xo + L);
            int q = o + 2; // the first product starts each block's sum: the same bits as an FMA into zero
            FloatVector s0 = ((FloatVector) ByteVector.fromArray(B, w, q).convertShape(VectorOperators.B2F, F, 0)).mul(xl);
            FloatVector s1 = ((FloatVector) ByteVector.fromArray(B, w, q + r).convertShape(VectorOperators.B2F, F, 0)).mul(xl);
            FloatVector s2 = ((FloatVector) ByteVector.fromArray(B, w, q + 2 * r).convertShape(VectorOperators.B2F, F, 0)).mul(xl);
            FloatVector s3 = ((FloatVector) ByteVector.fromArray(B, w, q + 3 * r).convertShape(VectorOperators.B2F, F, 0)).mul(xl);
            for (int p = L; p < 32; p += L) {
                FloatVector xv = p == L ? xh : FloatVector.fromArray(F, x, xo + p);
                int qp = q + p;
                s0 = ((FloatVector) ByteVector.fromArray(B, w, qp).convertShape(VectorOperators.B2F, F, 0)).fma(xv, s0);
                s1 = ((FloatVector) ByteVector.fromArray(B, w, qp + r).convertShape(VectorOperators.B2F, F, 0)).fma(xv, s1);
                s2 = ((FloatVector) ByteVector.fromArray(B, w, qp + 2 * r).convertShape(VectorOperators.B2F, F, 0)).fma(xv, s2);
                s3 = ((FloatVector) ByteVector.fromArray(B, w, qp + 3 * r).convertShape(VectorOperators.B2F, F, 0)).fma(xv, s3);
            }
            a0 = s0.fma(FloatVector.broadcast(F, f16(w, o)), a0);
            a1 = s1.fma(FloatVector.broadcast(F, f16(w, o + r)), a1);
            a2 = s2.fma(FloatVector.broadcast(F, f16(w, o + 2 * r)), a2);
            a3 = s3.fma(FloatVector.broadcast(F, f16(w, o + 3 * r)), a3);
        }
        a0 = a0.add(a0.rearrange(FOLD_H)); a1 = a1.add(a1.rearrange(FOLD_H)); a2 = a2.add(a2.rearrange(FOLD_H)); a3 = a3.add(a3.rearrange(FOLD_H));
        a0 = a0.add(a0.rearrange(FOLD_Q)); a1 = a1.add(a1.rearrange(FOLD_Q)); a2 = a2.add(a2.rearrange(FOLD_Q)); a3 = a3.add(a3.rearrange(FOLD_Q));
        a0 = a0.add(a0.rearrange(FOLD_E)); a1 = a1.add(a1.rearrange(FOLD_E)); a2 = a2.add(a2.rearrange(FOLD_E)); a3 = a3.add(a3.rearrange(FOLD_E));
        if (L == 16) {
            a0 = a0.add(a0.rearrange(FOLD_S)); a1 = a1.add(a1.rearrange(FOLD_S)); a2 = a2.add(a2.rearrange(FOLD_S)); a3 = a3.add(a3.rearrange(FOLD_S));
        }
        y[yo] = a0.lane(0);
        if (ys == 0) return;
        y[yo + ys] = a1.lane(0);
        y[yo + 2 * ys] = a2.lane(0);
        y[yo + 3 * ys] = a3.lane(0);
    }

    /** QuantMatmul.dotQ4_0x2 over an array: rows at w[o] and w[o + r] into y[yo], y[yo + ys]. */
    private static void q4x2(float[] x, int xo, float[] m, byte[] w, int o, int r, int blocks, float[] y, int yo, int ys) {
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
                int q = o + 2 + p;
                IntVector v0 = (IntVector) ByteVector.fromArray(B, w, q).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector v1 = (IntVector) ByteVector.fromArray(B, w, q + r).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                s0 = ((FloatVector) v0.and(0xF).convert(VectorOperators.I2F, 0)).fma(xl, s0);
                s1 = ((FloatVector) v1.and(0xF).convert(VectorOperators.I2F, 0)).fma(xl, s1);
                s0 = ((FloatVector) v0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, s0);
                s1 = ((FloatVector) v1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, s1);
            }
            a0 = s0.fma(FloatVector.broadcast(F, f16(w, o)), a0);
            a1 = s1.fma(FloatVector.broadcast(F, f16(w, o + r)), a1);
        }
        a0 = a0.add(a0.rearrange(FOLD_H)); a1 = a1.add(a1.rearrange(FOLD_H));
        a0 = a0.add(a0.rearrange(FOLD_Q)); a1 = a1.add(a1.rearrange(FOLD_Q));
        a0 = a0.add(a0.rearrange(FOLD_E)); a1 = a1.add(a1.rearrange(FOLD_E));
        if (L == 16) {
            a0 = a0.add(a0.rearrange(FOLD_S)); a1 = a1.add(a1.rearrange(FOLD_S));
        }
        y[yo] = a0.lane(0);
        if (ys != 0) y[yo + ys] = a1.lane(0);
    }

    /** QuantMatmul's Q4_K / Q6_K path over an array: one row at a time, rows in the same order. */
    private static void kQuants(WorkerPool pool, float[] x, int xOffset, int in, DType t, byte[] w, int base, int rowBytes,
            int out, float[] y, int yOffset, int grain) {
        float[] xsum = t == DType.Q4_K ? new float[in / 32] : null; // read-only, shared by all threads
        if (xsum != null) KQuantDot.blockSums32(x, xOffset, in, xsum);
        int blocks = in / 256;
        pool.parallelFor(0, out, grain, (from, to) -> {
            int q = (to - from) / 4;
            for (int k = 0; k < to - from; k++) {
                int o = k < 4 * q ? from + (k & 3) * q + (k >> 2) : from + k;
                int p = base + o * rowBytes;
                y[yOffset + o] = xsum != null ? q4k(x, xOffset, xsum, w, p, blocks) : q6k(x, xOffset, w, p, blocks);
            }
        });
    }

    /** KQuantDot.q4k over an array (see there for the block layout and the scale unpacking). */
    private static float q4k(float[] x, int xo, float[] xsum, byte[] w, int o, int blocks) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        float mins = 0f;
        for (int blk = 0; blk < blocks; blk++, o += 144, xo += 256) {
            int dd = (int) I32.get(w, o);
            float d = Float.float16ToFloat((short) dd), dmin = Float.float16ToFloat((short) (dd >>> 16));
            long lo = (long) I64.get(w, o + 4);
            int hi = (int) I32.get(w, o + 12);
            for (int g = 0; g < 4; g++) {
                int qs = o + 16 + 32 * g;
                int xb = xo + 64 * g;
                FloatVector vlo = FloatVector.zero(F), vhi = vlo;
                for (int p = 0; p < 32; p += 16) {
                    IntVector q = (IntVector) ByteVector.fromArray(B, w, qs + p).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    vlo = ((FloatVector) q.and(0xF).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromArray(F, x, xb + p), vlo);
                    vhi = ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0))
                            .fma(FloatVector.fromArray(F, x, xb + 32 + p), vhi);
                }
                int j0 = 2 * g, j1 = j0 + 1;
                int sc0, sc1, m0, m1;
                if (g < 2) {
                    sc0 = (int) (lo >>> (8 * j0)) & 63;
                    sc1 = (int) (lo >>> (8 * j1)) & 63;
                    m0 = (int) (lo >>> (8 * (j0 + 4))) & 63;
                    m1 = (int) (lo >>> (8 * (j1 + 4))) & 63;
                } else {
                    int b0 = hi >>> (8 * (j0 - 4)), b1 = hi >>> (8 * (j1 - 4));
                    int u0 = (int) (lo >>> (8 * (j0 - 4))), u1 = (int) (lo >>> (8 * (j1 - 4)));
                    int v0 = (int) (lo >>> (8 * j0)), v1 = (int) (lo >>> (8 * j1));
                    sc0 = (b0 & 0xF) | ((u0 >>> 6) & 3) << 4;
                    sc1 = (b1 & 0xF) | ((u1 >>> 6) & 3) << 4;
                    m0 = ((b0 >>> 4) & 0xF) | ((v0 >>> 6) & 3) << 4;
                    m1 = ((b1 >>> 4) & 0xF) | ((v1 >>> 6) & 3) << 4;
                }
                acc0 = vlo.fma(FloatVector.broadcast(F, d * sc0), acc0);
                acc1 = vhi.fma(FloatVector.broadcast(F, d * sc1), acc1);
                int j = blk * 8 + j0;
                mins = Math.fma(dmin * m0, xsum[j], mins);
                mins = Math.fma(dmin * m1, xsum[j + 1], mins);
            }
        }
        FloatVector v = acc0.add(acc1);
        v = v.add(v.rearrange(FOLD_H));
        v = v.add(v.rearrange(FOLD_Q));
        v = v.add(v.rearrange(FOLD_E));
        if (L == 16) v = v.add(v.rearrange(FOLD_S));
        return v.lane(0) - mins;
    }

    /** KQuantDot.q6k over an array (see there for the block layout). */
    private static float q6k(float[] x, int xo, byte[] w, int o, int blocks) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int blk = 0; blk < blocks; blk++, o += 210, xo += 256) {
            float d = f16(w, o + 208);
            for (int h = 0; h < 2; h++) {
                int ql = o + 64 * h, qh = o + 128 + 32 * h;
                long sc = (long) I64.get(w, o + 192 + 8 * h);
                int xb = xo + 128 * h;
                for (int p = 0; p < 32; p += 16) {
                    IntVector a = (IntVector) ByteVector.fromArray(B, w, ql + p).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector b = (IntVector) ByteVector.fromArray(B, w, ql + 32 + p).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector hb = (IntVector) ByteVector.fromArray(B, w, qh + p).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    int s = p / 16;
                    FloatVector q0 = (FloatVector) a.and(0xF).or(hb.and(3).lanewise(VectorOperators.LSHL, 4)).sub(32)
                            .convertShape(VectorOperators.I2F, F, 0);
                    FloatVector q1 = (FloatVector) b.and(0xF).or(hb.lanewise(VectorOperators.LSHR, 2).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32)
                            .convertShape(VectorOperators.I2F, F, 0);
                    FloatVector q2 = (FloatVector) a.lanewise(VectorOperators.LSHR, 4)
                            .or(hb.lanewise(VectorOperators.LSHR, 4).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32)
                            .convertShape(VectorOperators.I2F, F, 0);
                    FloatVector q3 = (FloatVector) b.lanewise(VectorOperators.LSHR, 4)
                            .or(hb.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4)).sub(32)
                            .convertShape(VectorOperators.I2F, F, 0);
                    acc0 = q0.mul(FloatVector.fromArray(F, x, xb + p)).fma(FloatVector.broadcast(F, d * (byte) (sc >>> (8 * s))), acc0);
                    acc1 = q1.mul(FloatVector.fromArray(F, x, xb + 32 + p)).fma(FloatVector.broadcast(F, d * (byte) (sc >>> (8 * (2 + s)))), acc1);
                    acc0 = q2.mul(FloatVector.fromArray(F, x, xb + 64 + p)).fma(FloatVector.broadcast(F, d * (byte) (sc >>> (8 * (4 + s)))), acc0);
                    acc1 = q3.mul(FloatVector.fromArray(F, x, xb + 96 + p)).fma(FloatVector.broadcast(F, d * (byte) (sc >>> (8 * (6 + s)))), acc1);
                }
            }
        }
        FloatVector v = acc0.add(acc1);
        v = v.add(v.rearrange(FOLD_H));
        v = v.add(v.rearrange(FOLD_Q));
        v = v.add(v.rearrange(FOLD_E));
        if (L == 16) v = v.add(v.rearrange(FOLD_S));
        return v.lane(0);
    }
}
