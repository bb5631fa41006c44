package dev.moxing.kernels.quant;

import static dev.moxing.kernels.quant.VectorDequant.B;
import static dev.moxing.kernels.quant.VectorDequant.F;
import static dev.moxing.kernels.quant.VectorDequant.I;
import static dev.moxing.kernels.quant.VectorDequant.L;

import dev.moxing.kernels.Gemm;
import dev.moxing.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The 16-row interleaved layout of Q8_0, Q4_0, Q4_K and Q6_K matrices ({@link DType#Q8_0_R16} …
 * {@link DType#Q6_K_R16}): rows in groups of 16, and inside a group, block column by block column,
 * byte k of each of the 16 rows' blocks for every k of a block (k = 0…33 for Q8_0, 0…17 Q4_0,
 * 0…143 Q4_K, 0…209 Q6_K): byte k of row r at 16k + r. So the quantized values of 16 rows lie in
 * 16-byte runs, and an f16 scale is its 16 low bytes followed by its 16 high bytes. Same size as the
 * block layout, same values.
 *
 * <p>Why: decoding one token reads each weight once, and in the block layout every block of every
 * row pays for its own unpacking and every row for a horizontal sum at the end. Interleaved, one
 * 16-byte load is one weight of 16 rows, the activation is broadcast, and the 16 sums stay in the
 * 16 lanes of one vector (stored with one write). One thread, MatvecBandwidth (moxing-bench), block
 * layout → interleaved: Q8_0 25 → 36 GB/s and Q4_0 10 → 24 GB/s on a 32,000 × 288 head, Q4_K 6.1 →
 * 14.1 and Q6_K 7.6 → 20.1 on 2,048 × 768. It is a heap layout
 * only (weights moved by WeightPlacement); files keep ggml's.
 *
 * <p>Rows are not contiguous, so readers that address a row by byte offset cannot read these
 * types: {@link Dequantize#row} refuses them, and the decoders here take a row range.
 */
public final class RowInterleave {
    /** Rows per group. */
    public static final int ROWS = 16;

    private RowInterleave() {}

    /**
     * Whether a (rows, cols) matrix of type t is moved to the heap interleaved: Q8_0, Q4_0, Q4_K or
     * Q6_K, whole groups of rows, and 16 float lanes (the kernels hold one group in one vector).
     */
    public static boolean suits(DType t, long rows, long cols) {
        return (t == DType.Q8_0 || t == DType.Q4_0 || t == DType.Q4_K || t == DType.Q6_K) && L == ROWS && VectorDequant.VECTOR
                && Gemm.panelWidth() == 2 * ROWS && rows > 0 && rows % ROWS == 0 && cols > 0 && cols % t.blockSize() == 0;
    }

    /** The interleaved counterpart of Q8_0, Q4_0, Q4_K, Q6_K. */
    public static DType interleaved(DType t) {
        return switch (t) {
            case Q8_0 -> DType.Q8_0_R16;
            case Q4_0 -> DType.Q4_0_R16;
            case Q4_K -> DType.Q4_K_R16;
            case Q6_K -> DType.Q6_K_R16;
            default -> throw new IllegalArgumentException("RowInterleave: no interleaved layout for " + t);
        };
    }

    /** Bytes of one block column of a group: the 16 rows' blocks. */
    static int groupBlockBytes(DType r16) {
        return ROWS * r16.blockBytes();
    }

    /**
     * Writes the (rows, cols) matrix of block type t at src[srcOffset..] (ggml's layout) into
     * dst[dstOffset..] interleaved. rows and cols as {@link #suits} requires. A group of 16 rows
     * is contiguous in both layouts, so each is read and written in one piece.
     */
    public static void interleave(DType t, MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int rows, int cols) {
        if (!(t == DType.Q8_0 || t == DType.Q4_0 || t == DType.Q4_K || t == DType.Q6_K) || rows % ROWS != 0
                || cols % t.blockSize() != 0) {
            throw new IllegalArgumentException("RowInterleave.interleave: " + t + " (" + rows + ", " + cols + ")");
        }
        int bb = t.blockBytes(), blocks = cols / t.blockSize(), rowBytes = blocks * bb, gb = ROWS * bb;
        byte[] in = new byte[ROWS * rowBytes], out = new byte[in.length];
        for (int g = 0; g < rows / ROWS; g++) {
            long at = (long) g * in.length;
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, srcOffset + at, in, 0, in.length);
            for (int r = 0; r < ROWS; r++) {
                for (int b = 0; b < blocks; b++) {
                    int from = r * rowBytes + b * bb, col = b * gb; // block b of row r; block column b of the group
                    for (int k = 0; k < bb; k++) out[col + k * ROWS + r] = in[from + k];
                }
            }
            MemorySegment.copy(out, 0, dst, ValueLayout.JAVA_BYTE, dstOffset + at, out.length);
        }
    }

    /**
     * Decodes rows [first, first + count) of the interleaved (rows, cols) matrix at w[offset..]
     * into dst[d0..] row after row: each block is gathered back into ggml's layout and decoded by
     * {@link Dequantize#row}, so the values are the block layout's exactly.
     */
    public static void decodeRows(DType r16, MemorySegment w, long offset, int cols, int first, int count, float[] dst, int d0) {
        DType t = r16.interleavedFrom();
        if (t == null) throw new IllegalArgumentException("RowInterleave.decodeRows: " + r16 + " is not interleaved");
        int blocks = cols / t.blockSize();
        long gb = groupBlockBytes(r16);
        byte[] block = new byte[t.blockBytes()];
        MemorySegment blockSegment = MemorySegment.ofArray(block);
        for (int i = 0; i < count; i++) {
            int row = first + i, g = row / ROWS, r = row % ROWS;
            for (int b = 0; b < blocks; b++) {
                long col = offset + ((long) g * blocks + b) * gb;
                for (int k = 0; k < block.length; k++) block[k] = w.get(ValueLayout.JAVA_BYTE, col + (long) k * ROWS + r);
                Dequantize.row(t, blockSegment, 0, dst, d0 + i * cols + b * t.blockSize(), t.blockSize());
            }
        }
    }

    /**
     * Decodes groups [g0, g1) of the interleaved matrix at w[base..] (cols wide), weights [p0, p0 +
     * kc) of each row (whole blocks), straight into the packed layout of Gemm's B panels:
     * bp[q·32·kc + (k − p0)·32 + j] is weight k of row 16·g0 + 32q + j, and the second half of a
     * last, half-filled 32-column panel is zero. A GEMM then multiplies it with no packing step.
     */
    static void decodePacked(DType r16, byte[] w, int base, int cols, int g0, int g1, int p0, int kc, float[] bp) {
        if ((g1 - g0) % 2 != 0) { // the unused half of the last panel
            int q = (g1 - g0) / 2;
            for (int k = 0; k < kc; k++) java.util.Arrays.fill(bp, q * 32 * kc + k * 32 + ROWS, q * 32 * kc + k * 32 + 32, 0f);
        }
        if (r16 == DType.Q4_K_R16) {
            k4Panel(w, base, cols, g0, g1, p0, kc, bp);
            return;
        }
        if (r16 == DType.Q6_K_R16) {
            k6Panel(w, base, cols, g0, g1, p0, kc, bp);
            return;
        }
        int blocks = cols / 32, gb = groupBlockBytes(r16);
        boolean q8 = r16 == DType.Q8_0_R16;
        float[] scales = new float[ROWS];
        for (int g = g0; g < g1; g++) {
            int c = panelOffset(g - g0, p0, kc); // + k·32 for weight k
            for (int b = p0 / 32; b < (p0 + kc) / 32; b++) {
                int col = base + (g * blocks + b) * gb;
                half(w, col, scales, 0);
                FloatVector d = FloatVector.fromArray(F, scales, 0);
                int k = 32 * b;
                if (q8) {
                    for (int j = 0; j < 32; j++) {
                        ((FloatVector) ByteVector.fromArray(B, w, col + 2 * ROWS + j * ROWS).convertShape(VectorOperators.B2F, F, 0))
                                .mul(d).intoArray(bp, c + (k + j) * 32);
                    }
                } else {
                    for (int j = 0; j < 16; j++) {
                        IntVector q = (IntVector) ByteVector.fromArray(B, w, col + 2 * ROWS + j * ROWS)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                        ((FloatVector) q.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(bp, c + (k + j) * 32);
                        ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).mul(d)
                                .intoArray(bp, c + (k + 16 + j) * 32);
                    }
                }
            }
        }
    }

    /** Where group i (from g0) of a packed block starting at weight p0 puts weight 0: bp[that + k·32] holds weight k. */
    private static int panelOffset(int i, int p0, int kc) {
        return (i / 2) * 32 * kc + (i % 2) * ROWS - p0 * 32;
    }

    /** decodePacked for Q4_K_R16: per block column, the 16 rows' sub-block scales and mins, then y = d·sc·q − dmin·m. */
    private static void k4Panel(byte[] w, int base, int cols, int g0, int g1, int p0, int kc, float[] bp) {
        int blocks = cols / 256, gb = 2304;
        float[] dsc = new float[8 * ROWS], dmm = new float[8 * ROWS];
        for (int g = g0; g < g1; g++) {
            int c = panelOffset(g - g0, p0, kc);
            for (int b = p0 / 256; b < (p0 + kc) / 256; b++) {
                int col = base + (g * blocks + b) * gb;
                k4Scales(w, col, dsc, dmm);
                for (int h = 0; h < 4; h++) {
                    FloatVector s1 = FloatVector.fromArray(F, dsc, 2 * h * ROWS), s2 = FloatVector.fromArray(F, dsc, (2 * h + 1) * ROWS);
                    FloatVector m1 = FloatVector.fromArray(F, dmm, 2 * h * ROWS), m2 = FloatVector.fromArray(F, dmm, (2 * h + 1) * ROWS);
                    int k = 256 * b + 64 * h;
                    for (int l = 0; l < 32; l++) {
                        IntVector q = (IntVector) ByteVector.fromArray(B, w, col + (16 + 32 * h + l) * ROWS)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                        ((FloatVector) q.and(0xF).convert(VectorOperators.I2F, 0)).mul(s1).sub(m1).intoArray(bp, c + (k + l) * 32);
                        ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).mul(s2).sub(m2)
                                .intoArray(bp, c + (k + 32 + l) * 32);
                    }
                }
            }
        }
    }

    /**
     * The 16 rows' Q4_K header at block column col (bytes transposed: byte k of row r at col + 16k
     * + r): dsc[16j + r] = d · scale j, dmm[16j + r] = dmin · min j for the eight 32-value
     * sub-blocks j (ggml's 6-bit packing), as Dequantize.q4_k computes them.
     */
    static void k4Scales(byte[] w, int col, float[] dsc, float[] dmm) {
        half(w, col, dsc, 0); // d and dmin, parked in slots the loop below overwrites last
        half(w, col + 2 * ROWS, dmm, 0);
        FloatVector d = FloatVector.fromArray(F, dsc, 0), dmin = FloatVector.fromArray(F, dmm, 0);
        int q = col + 4 * ROWS;
        for (int j = 0; j < 4; j++) {
            IntVector lo = (IntVector) ByteVector.fromArray(B, w, q + j * ROWS).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector mid = (IntVector) ByteVector.fromArray(B, w, q + (j + 4) * ROWS).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector hi = (IntVector) ByteVector.fromArray(B, w, q + (j + 8) * ROWS).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            // sub-block j: 6 bits of byte j / j + 4; sub-block j + 4: a nibble of byte j + 8 and the top 2 bits of byte j / j + 4
            d.mul((FloatVector) lo.and(63).convert(VectorOperators.I2F, 0)).intoArray(dsc, j * ROWS);
            dmin.mul((FloatVector) mid.and(63).convert(VectorOperators.I2F, 0)).intoArray(dmm, j * ROWS);
            IntVector sc = hi.and(0xF).or(lo.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4));
            IntVector m = hi.lanewise(VectorOperators.LSHR, 4).or(mid.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4));
            d.mul((FloatVector) sc.convert(VectorOperators.I2F, 0)).intoArray(dsc, (j + 4) * ROWS);
            dmin.mul((FloatVector) m.convert(VectorOperators.I2F, 0)).intoArray(dmm, (j + 4) * ROWS);
        }
    }

    /** decodePacked for Q6_K_R16: y = d · scale · (6-bit value − 32), 16 rows per vector. */
    private static void k6Panel(byte[] w, int base, int cols, int g0, int g1, int p0, int kc, float[] bp) {
        int blocks = cols / 256, gb = 3360;
        float[] dsc = new float[16 * ROWS];
        for (int g = g0; g < g1; g++) {
            int c = panelOffset(g - g0, p0, kc);
            for (int b = p0 / 256; b < (p0 + kc) / 256; b++) {
                int col = base + (g * blocks + b) * gb;
                k6Scales(w, col, dsc);
                for (int h = 0; h < 2; h++) {
                    int ql = col + 64 * h * ROWS, qh = col + (128 + 32 * h) * ROWS, k = 256 * b + 128 * h;
                    for (int l = 0; l < 32; l++) {
                        IntVector a = (IntVector) ByteVector.fromArray(B, w, ql + l * ROWS).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                        IntVector bb = (IntVector) ByteVector.fromArray(B, w, ql + (l + 32) * ROWS)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                        IntVector hb = (IntVector) ByteVector.fromArray(B, w, qh + l * ROWS).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                        int s = 8 * h + l / 16;
                        // value = low four bits | two bits of hb << 4, minus 32
                        IntVector v1 = a.and(0xF).or(hb.and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                        IntVector v2 = bb.and(0xF).or(hb.and(12).lanewise(VectorOperators.LSHL, 2)).sub(32);
                        IntVector v3 = a.lanewise(VectorOperators.LSHR, 4).or(hb.and(48)).sub(32);
                        IntVector v4 = bb.lanewise(VectorOperators.LSHR, 4).or(hb.lanewise(VectorOperators.LSHR, 2).and(48)).sub(32);
                        ((FloatVector) v1.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, dsc, s * ROWS)).intoArray(bp, c + (k + l) * 32);
                        ((FloatVector) v2.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, dsc, (s + 2) * ROWS))
                                .intoArray(bp, c + (k + l + 32) * 32);
                        ((FloatVector) v3.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, dsc, (s + 4) * ROWS))
                                .intoArray(bp, c + (k + l + 64) * 32);
                        ((FloatVector) v4.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, dsc, (s + 6) * ROWS))
                                .intoArray(bp, c + (k + l + 96) * 32);
                    }
                }
            }
        }
    }

    /** The 16 rows' Q6_K scales at block column col: dsc[16s + r] = d · scale s (int8), as Dequantize.q6_k computes d · sc. */
    static void k6Scales(byte[] w, int col, float[] dsc) {
        half(w, col + 208 * ROWS, dsc, 0); // parked in the slot scale 0 overwrites first, after reading it
        FloatVector d = FloatVector.fromArray(F, dsc, 0);
        for (int s = 0; s < 16; s++) {
            IntVector sc = (IntVector) ByteVector.fromArray(B, w, col + (192 + s) * ROWS).convertShape(VectorOperators.B2I, I, 0);
            d.mul((FloatVector) sc.convert(VectorOperators.I2F, 0)).intoArray(dsc, s * ROWS);
        }
    }

    /**
     * The f16 whose low bytes are at w[at, +16) and high bytes at w[at + 16, +16), one per lane, as
     * floats (exactly) into out[off, +16) — the block's scale d for 16 rows. Through an array, not
     * a returned vector: a vector crossing a method boundary is boxed whenever C2 does not inline
     * the call, and it did not at every site.
     */
    static void half(byte[] w, int at, float[] out, int off) {
        IntVector lo = (IntVector) ByteVector.fromArray(B, w, at).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
        IntVector hi = (IntVector) ByteVector.fromArray(B, w, at + ROWS).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
        IntVector h = lo.or(hi.lanewise(VectorOperators.LSHL, 8));
        IntVector e = h.and(0x7fff);
        FloatVector v = e.lanewise(VectorOperators.LSHL, 13).lanewise(VectorOperators.OR, 0x7f800000, e.compare(VectorOperators.GE, 0x7c00))
                .reinterpretAsFloats().mul(0x1p112f);
        v.reinterpretAsInts().or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().intoArray(out, off);
    }
}
