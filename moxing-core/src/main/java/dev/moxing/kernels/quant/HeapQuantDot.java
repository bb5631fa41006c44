package dev.moxing.kernels.quant;

import static dev.moxing.kernels.quant.VectorDequant.B;
import static dev.moxing.kernels.quant.VectorDequant.F;
import static dev.moxing.kernels.quant.VectorDequant.I;
import static dev.moxing.kernels.quant.VectorDequant.L;

import dev.moxing.parallel.WorkerPool;
import dev.moxing.tensor.DType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The decode matvec ({@code y = x · Wᵀ}, one row of x) for Q8_0 and Q4_0 blocks held in a Java
 * byte array (a model loaded onto the heap, see {@code WeightPlacement} in moxing-llm), in the
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

    private HeapQuantDot() {}

    static boolean supports(DType t) {
        return VectorDequant.VECTOR && (t == DType.Q8_0 || t == DType.Q4_0);
    }

    /**
     * y[yOffset, +out) = x[xOffset, +in) · Wᵀ for W the (out, in) blocks at w[base..]. Rows are
     * split over the pool as QuantMatmul splits them: four quarters of a chunk streamed together.
     */
    static void matvec(WorkerPool pool, float[] x, int xOffset, int in, DType t, byte[] w, int base, int out, float[] y,
            int yOffset, int grain) {
        int rowBytes = Math.toIntExact(t.bytesFor(in));
        int blocks = in / 32;
        float[] m = t == DType.Q4_0 ? QuantMatmul.q4Offsets(x, xOffset, in) : null;
        pool.parallelFor(0, out, grain, (from, to) -> {
            float[] lanes = new float[4 * L];
            int q = (to - from) / 4, qb = q * rowBytes;
            int o = from;
            for (int j = 0; j < q; j++, o++) {
                int p = base + o * rowBytes;
                if (m == null) {
                    q8x4(x, xOffset, w, p, qb, blocks, y, yOffset + o, q, lanes);
                } else {
                    q4x2(x, xOffset, m, w, p, qb, blocks, y, yOffset + o, q, lanes);
                    q4x2(x, xOffset, m, w, p + 2 * qb, qb, blocks, y, yOffset + o + 2 * q, q, lanes);
                }
            }
            for (o += 3 * q; o < to; o++) {
                int p = base + o * rowBytes;
                if (m == null) {
                    q8x4(x, xOffset, w, p, 0, blocks, y, yOffset + o, 0, lanes); // four times the same row
                } else {
                    q4x2(x, xOffset, m, w, p, 0, blocks, y, yOffset + o, 0, lanes);
                }
            }
        });
    }

    private static float f16(byte[] w, int i) {
        return Float.float16ToFloat((short) F16.get(w, i));
    }

    /** QuantMatmul.dotQ8_0x4 over an array: rows at w[o], w[o + r], w[o + 2r], w[o + 3r] into y[yo + k·ys]. */
    private static void q8x4(float[] x, int xo, byte[] w, int o, int r, int blocks, float[] y, int yo, int ys, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < blocks; k++, o += 34, xo += 32) {
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            for (int p = 0; p < 32; p += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xo + p);
                int q = o + 2 + p;
                s0 = ((FloatVector) ByteVector.fromArray(B, w, q).convertShape(VectorOperators.B2F, F, 0)).fma(xv, s0);
                s1 = ((FloatVector) ByteVector.fromArray(B, w, q + r).convertShape(VectorOperators.B2F, F, 0)).fma(xv, s1);
                s2 = ((FloatVector) ByteVector.fromArray(B, w, q + 2 * r).convertShape(VectorOperators.B2F, F, 0)).fma(xv, s2);
                s3 = ((FloatVector) ByteVector.fromArray(B, w, q + 3 * r).convertShape(VectorOperators.B2F, F, 0)).fma(xv, s3);
            }
            a0 = s0.fma(FloatVector.broadcast(F, f16(w, o)), a0);
            a1 = s1.fma(FloatVector.broadcast(F, f16(w, o + r)), a1);
            a2 = s2.fma(FloatVector.broadcast(F, f16(w, o + 2 * r)), a2);
            a3 = s3.fma(FloatVector.broadcast(F, f16(w, o + 3 * r)), a3);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        a2.intoArray(lanes, 2 * L);
        a3.intoArray(lanes, 3 * L);
        y[yo] = QuantMatmul.lanesSum(lanes, 0);
        if (ys == 0) return;
        y[yo + ys] = QuantMatmul.lanesSum(lanes, L);
        y[yo + 2 * ys] = QuantMatmul.lanesSum(lanes, 2 * L);
        y[yo + 3 * ys] = QuantMatmul.lanesSum(lanes, 3 * L);
    }

    /** QuantMatmul.dotQ4_0x2 over an array: rows at w[o] and w[o + r] into y[yo], y[yo + ys]. */
    private static void q4x2(float[] x, int xo, float[] m, byte[] w, int o, int r, int blocks, float[] y, int yo, int ys,
            float[] lanes) {
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
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        y[yo] = QuantMatmul.lanesSum(lanes, 0);
        if (ys != 0) y[yo + ys] = QuantMatmul.lanesSum(lanes, L);
    }
}
