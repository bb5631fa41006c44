package dev.moxing.kernels.quant;

import static dev.moxing.kernels.quant.Blocks.I32;
import static dev.moxing.kernels.quant.Blocks.f16;

import dev.moxing.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API versions of {@link Dequantize}: the same single float operation per element (so the
 * same bits), with bytes widened to float lanes L at a time. Used by {@link QuantMatmul} to decode
 * a weight row (or a panel of rows) into per-thread scratch. No argument checks: callers check.
 *
 * <p>Works for 8 or 16 float lanes (AVX2, AVX-512): then a block's 16 or 32 bytes split into whole
 * byte vectors of L lanes. Other widths ({@link #VECTOR} false) use the scalar decoders.
 */
final class VectorDequant {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final boolean VECTOR = L == 8 || L == 16;
    /** L bytes, shorts, ints: the lanes that widen into one float vector. */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(VECTOR ? L * 8 : 64));
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(VECTOR ? L * 16 : 128));
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Lane shift counts for Q5 fifth bits: element k's bit is bit k of qh. */
    private static final int[] IOTA = java.util.stream.IntStream.range(0, 32).toArray();

    private VectorDequant() {}

    /** A whole-row decoder for one type. */
    @FunctionalInterface
    private interface Decoder {
        void decode(MemorySegment w, long off, int n, float[] dst, int dstOff);
    }

    // Each decoder owns its loop over blocks and is reached through this table rather than a
    // switch: a call site that sees several types stays a virtual call instead of inlining every
    // decoder into one method, which exhausted C2's node budget and left vectors boxed (10-30x
    // slower). The large decoders are split further (per group / quarter) for the same reason.
    private static final Decoder[] DECODERS = new Decoder[DType.values().length];

    static {
        for (DType t : DType.values()) DECODERS[t.ordinal()] = (w, off, n, dst, d0) -> Dequantize.row(t, w, off, dst, d0, n);
        DECODERS[DType.F32.ordinal()] = (w, off, n, dst, d0) -> MemorySegment.copy(w, Blocks.F32, off, dst, d0, n);
        if (VECTOR) {
            DECODERS[DType.F16.ordinal()] = VectorDequant::f16Row;
            DECODERS[DType.BF16.ordinal()] = VectorDequant::bf16Row;
            DECODERS[DType.Q8_0.ordinal()] = (w, off, n, dst, d0) -> q8_0(w, off, n / 32, dst, d0);
            DECODERS[DType.Q4_0.ordinal()] = (w, off, n, dst, d0) -> q4_0(w, off, n / 32, dst, d0);
            DECODERS[DType.Q4_1.ordinal()] = (w, off, n, dst, d0) -> q4_1(w, off, n / 32, dst, d0);
            DECODERS[DType.Q5_0.ordinal()] = (w, off, n, dst, d0) -> q5(w, off, n / 32, false, dst, d0);
            DECODERS[DType.Q5_1.ordinal()] = (w, off, n, dst, d0) -> q5(w, off, n / 32, true, dst, d0);
            DECODERS[DType.Q4_K.ordinal()] = (w, off, n, dst, d0) -> qk45(w, off, n / 256, false, dst, d0);
            DECODERS[DType.Q5_K.ordinal()] = (w, off, n, dst, d0) -> qk45(w, off, n / 256, true, dst, d0);
            DECODERS[DType.Q6_K.ordinal()] = (w, off, n, dst, d0) -> q6_k(w, off, n / 256, dst, d0);
        }
    }

    /** Decodes n elements (a multiple of the block size) at byte off into dst[dstOff, dstOff + n). */
    static void row(DType t, MemorySegment w, long off, int n, float[] dst, int dstOff) {
        DECODERS[t.ordinal()].decode(w, off, n, dst, dstOff);
    }

    private static void f16Row(MemorySegment w, long off, int n, float[] dst, int d0) {
        int i = 0;
        for (; i <= n - L; i += L) {
            // Exact f16 -> f32 with integer ops: place exponent and mantissa in the f32 fields and
            // scale by 2^112 (re-biases normals, normalises subnormals). Inf and NaN get exponent
            // 255 first, which the multiply leaves inf or NaN (quieted, as vcvtph2ps does).
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, off + 2L * i, LE).convertShape(VectorOperators.S2I, I, 0);
            IntVector em = h.and(0x7fff);
            IntVector bits = em.lanewise(VectorOperators.LSHL, 13);
            bits = bits.blend(bits.or(0x7f800000), em.compare(VectorOperators.GE, 0x7c00));
            FloatVector v = bits.reinterpretAsFloats().mul(0x1p112f);
            v.reinterpretAsInts().or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().intoArray(dst, d0 + i);
        }
        for (; i < n; i++) dst[d0 + i] = f16(w, off + 2L * i);
    }

    private static void bf16Row(MemorySegment w, long off, int n, float[] dst, int d0) {
        int i = 0;
        for (; i <= n - L; i += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, off + 2L * i, LE).convertShape(VectorOperators.S2I, I, 0);
            h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, d0 + i);
        }
        for (; i < n; i++) dst[d0 + i] = Float.intBitsToFloat(w.get(Blocks.I16, off + 2L * i) << 16);
    }

    private static FloatVector widen(ByteVector b) {
        return (FloatVector) b.convertShape(VectorOperators.B2F, F, 0);
    }

    private static void q8_0(MemorySegment w, long o, int blocks, float[] y, int i) {
        for (int blk = 0; blk < blocks; blk++, o += 34, i += 32) {
            float d = f16(w, o);
            for (int p = 0; p < 32; p += L) {
                widen(ByteVector.fromMemorySegment(B, w, o + 2 + p, LE)).mul(d).intoArray(y, i + p);
            }
        }
    }

    private static void q4_0(MemorySegment w, long o, int blocks, float[] y, int i) {
        for (int blk = 0; blk < blocks; blk++, o += 18, i += 32) {
            float d = f16(w, o);
            for (int p = 0; p < 16; p += L) {
                ByteVector q = ByteVector.fromMemorySegment(B, w, o + 2 + p, LE);
                widen(q.and((byte) 0xF).sub((byte) 8)).mul(d).intoArray(y, i + p);
                widen(q.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF).sub((byte) 8)).mul(d).intoArray(y, i + 16 + p);
            }
        }
    }

    private static void q4_1(MemorySegment w, long o, int blocks, float[] y, int i) {
        for (int blk = 0; blk < blocks; blk++, o += 20, i += 32) {
            float d = f16(w, o), m = f16(w, o + 2);
            for (int p = 0; p < 16; p += L) {
                ByteVector q = ByteVector.fromMemorySegment(B, w, o + 4 + p, LE);
                widen(q.and((byte) 0xF)).mul(d).add(m).intoArray(y, i + p);
                widen(q.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF)).mul(d).add(m).intoArray(y, i + 16 + p);
            }
        }
    }

    /** Q5_0 (offset 16, no min) or Q5_1 (min): nibbles widened to ints, fifth bit from qh by lane shift. */
    private static void q5(MemorySegment w, long o, int blocks, boolean withMin, float[] y, int i) {
        for (int blk = 0; blk < blocks; blk++, o += withMin ? 24 : 22, i += 32) {
            float d = f16(w, o);
            float m = withMin ? f16(w, o + 2) : 0f;
            long qs = withMin ? o + 8 : o + 6;
            IntVector qh = IntVector.broadcast(I, w.get(I32, withMin ? o + 4 : o + 2));
            int bias = withMin ? 0 : 16;
            for (int p = 0; p < 16; p += L) {
                ByteVector q = ByteVector.fromMemorySegment(B, w, qs + p, LE);
                IntVector lo = (IntVector) q.and((byte) 0xF).convertShape(VectorOperators.B2I, I, 0);
                IntVector hi = (IntVector) q.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF).convertShape(VectorOperators.B2I, I, 0);
                IntVector hbLo = qh.lanewise(VectorOperators.LSHR, IntVector.fromArray(I, IOTA, p)).and(1).lanewise(VectorOperators.LSHL, 4);
                IntVector hbHi = qh.lanewise(VectorOperators.LSHR, IntVector.fromArray(I, IOTA, 16 + p)).and(1).lanewise(VectorOperators.LSHL, 4);
                FloatVector a = (FloatVector) lo.or(hbLo).sub(bias).convert(VectorOperators.I2F, 0);
                FloatVector b = (FloatVector) hi.or(hbHi).sub(bias).convert(VectorOperators.I2F, 0);
                (withMin ? a.mul(d).add(m) : a.mul(d)).intoArray(y, i + p);
                (withMin ? b.mul(d).add(m) : b.mul(d)).intoArray(y, i + 16 + p);
            }
        }
    }

    /** Q4_K, or Q5_K (fifth bits in qh[32] at byte 16, nibbles at 48 instead of 16). */
    private static void qk45(MemorySegment w, long o, int blocks, boolean five, float[] y, int i) {
        for (int blk = 0; blk < blocks; blk++, o += five ? 176 : 144, i += 256) {
            float d = f16(w, o), min = f16(w, o + 2);
            for (int g = 0; g < 4; g++) {
                float d1 = d * Dequantize.k4Scale(w, o + 4, 2 * g), m1 = min * Dequantize.k4Min(w, o + 4, 2 * g);
                float d2 = d * Dequantize.k4Scale(w, o + 4, 2 * g + 1), m2 = min * Dequantize.k4Min(w, o + 4, 2 * g + 1);
                if (five) q5kGroup(w, o, g, d1, m1, d2, m2, y, i + 64 * g);
                else q4kGroup(w, o + 16 + 32 * g, d1, m1, d2, m2, y, i + 64 * g);
            }
        }
    }

    /** 64 elements of a Q4_K block: low nibbles of qs[32] with (d1, m1), high nibbles with (d2, m2). */
    private static void q4kGroup(MemorySegment w, long qs, float d1, float m1, float d2, float m2, float[] y, int i) {
        for (int p = 0; p < 32; p += L) {
            ByteVector q = ByteVector.fromMemorySegment(B, w, qs + p, LE);
            widen(q.and((byte) 0xF)).mul(d1).sub(m1).intoArray(y, i + p);
            widen(q.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF)).mul(d2).sub(m2).intoArray(y, i + 32 + p);
        }
    }

    /** Group g of a Q5_K block at o: as Q4_K, plus bits 2g and 2g + 1 of qh[l] as fifth bits. */
    private static void q5kGroup(MemorySegment w, long o, int g, float d1, float m1, float d2, float m2, float[] y, int i) {
        for (int p = 0; p < 32; p += L) {
            ByteVector q = ByteVector.fromMemorySegment(B, w, o + 48 + 32 * g + p, LE);
            ByteVector h = ByteVector.fromMemorySegment(B, w, o + 16 + p, LE);
            ByteVector lo = q.and((byte) 0xF).or(h.lanewise(VectorOperators.LSHR, 2 * g).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
            ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF)
                    .or(h.lanewise(VectorOperators.LSHR, 2 * g + 1).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
            widen(lo).mul(d1).sub(m1).intoArray(y, i + p);
            widen(hi).mul(d2).sub(m2).intoArray(y, i + 32 + p);
        }
    }

    /**
     * Q6_K. Half h, l in 0..31: the four elements 128h + l + 32k (k = 0..3) take nibble k / 2 of
     * ql[64h + l + 32(k % 2)] and bits 2k..2k+1 of qh[32h + l].
     */
    private static void q6_k(MemorySegment w, long o, int blocks, float[] y, int i) {
        for (int blk = 0; blk < blocks; blk++, o += 210, i += 256) {
            float d = f16(w, o + 208);
            for (int h = 0; h < 2; h++) {
                long sc = o + 192 + 8 * h;
                for (int k = 0; k < 4; k++) {
                    // One output quarter per call: keeps each compiled unit small (see the note above).
                    q6kQuarter(w, o + 64 * h + 32 * (k % 2), 4 * (k / 2), o + 128 + 32 * h, 2 * k,
                            d * w.get(Blocks.I8, sc + 2 * k), d * w.get(Blocks.I8, sc + 2 * k + 1), y, i + 128 * h + 32 * k);
                }
            }
        }
    }

    /** 32 Q6_K values: nibble at bit nib of ql[l], two high bits at bit hs of qh[l]; scale s0 for l < 16, s1 after. */
    private static void q6kQuarter(MemorySegment w, long ql, int nib, long qh, int hs, float s0, float s1, float[] y, int i) {
        for (int p = 0; p < 32; p += L) {
            ByteVector a = ByteVector.fromMemorySegment(B, w, ql + p, LE);
            ByteVector hb = ByteVector.fromMemorySegment(B, w, qh + p, LE);
            ByteVector q = a.lanewise(VectorOperators.LSHR, nib).and((byte) 0xF)
                    .or(hb.lanewise(VectorOperators.LSHR, hs).and((byte) 3).lanewise(VectorOperators.LSHL, 4));
            widen(q.sub((byte) 32)).mul(p < 16 ? s0 : s1).intoArray(y, i + p);
        }
    }
}
