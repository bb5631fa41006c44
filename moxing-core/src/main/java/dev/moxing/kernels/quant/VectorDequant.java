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

    /** Decodes n elements (a multiple of the block size) at byte off into dst[dstOff, dstOff + n). */
    static void row(DType t, MemorySegment w, long off, int n, float[] dst, int dstOff) {
        if (!VECTOR && t != DType.F32) {
            Dequantize.row(t, w, off, dst, dstOff, n);
            return;
        }
        switch (t) {
            case F32 -> MemorySegment.copy(w, Blocks.F32, off, dst, dstOff, n);
            case F16 -> f16Row(w, off, n, dst, dstOff);
            case BF16 -> bf16Row(w, off, n, dst, dstOff);
            case Q8_0 -> { for (int b = 0; b < n / 32; b++) q8_0(w, off + 34L * b, dst, dstOff + 32 * b); }
            case Q4_0 -> { for (int b = 0; b < n / 32; b++) q4_0(w, off + 18L * b, dst, dstOff + 32 * b); }
            case Q4_1 -> { for (int b = 0; b < n / 32; b++) q4_1(w, off + 20L * b, dst, dstOff + 32 * b); }
            case Q5_0 -> { for (int b = 0; b < n / 32; b++) q5(w, off + 22L * b, false, dst, dstOff + 32 * b); }
            case Q5_1 -> { for (int b = 0; b < n / 32; b++) q5(w, off + 24L * b, true, dst, dstOff + 32 * b); }
            case Q4_K -> { for (int b = 0; b < n / 256; b++) qk45(w, off + 144L * b, false, dst, dstOff + 256 * b); }
            case Q5_K -> { for (int b = 0; b < n / 256; b++) qk45(w, off + 176L * b, true, dst, dstOff + 256 * b); }
            case Q6_K -> { for (int b = 0; b < n / 256; b++) q6_k(w, off + 210L * b, dst, dstOff + 256 * b); }
            default -> Dequantize.row(t, w, off, dst, dstOff, n);
        }
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

    private static void q8_0(MemorySegment w, long o, float[] y, int i) {
        float d = f16(w, o);
        for (int p = 0; p < 32; p += L) {
            widen(ByteVector.fromMemorySegment(B, w, o + 2 + p, LE)).mul(d).intoArray(y, i + p);
        }
    }

    private static void q4_0(MemorySegment w, long o, float[] y, int i) {
        float d = f16(w, o);
        for (int p = 0; p < 16; p += L) {
            ByteVector q = ByteVector.fromMemorySegment(B, w, o + 2 + p, LE);
            widen(q.and((byte) 0xF).sub((byte) 8)).mul(d).intoArray(y, i + p);
            widen(q.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF).sub((byte) 8)).mul(d).intoArray(y, i + 16 + p);
        }
    }

    private static void q4_1(MemorySegment w, long o, float[] y, int i) {
        float d = f16(w, o), m = f16(w, o + 2);
        for (int p = 0; p < 16; p += L) {
            ByteVector q = ByteVector.fromMemorySegment(B, w, o + 4 + p, LE);
            widen(q.and((byte) 0xF)).mul(d).add(m).intoArray(y, i + p);
            widen(q.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF)).mul(d).add(m).intoArray(y, i + 16 + p);
        }
    }

    /** Q5_0 (offset 16, no min) or Q5_1 (min): nibbles widened to ints, fifth bit from qh by lane shift. */
    private static void q5(MemorySegment w, long o, boolean withMin, float[] y, int i) {
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

    /** Q4_K, or Q5_K (fifth bits in qh[32] at byte 16, nibbles at 48 instead of 16). */
    private static void qk45(MemorySegment w, long o, boolean five, float[] y, int i) {
        float d = f16(w, o), min = f16(w, o + 2);
        long qs = o + (five ? 48 : 16);
        for (int g = 0; g < 4; g++) {
            float d1 = d * Dequantize.k4Scale(w, o + 4, 2 * g), m1 = min * Dequantize.k4Min(w, o + 4, 2 * g);
            float d2 = d * Dequantize.k4Scale(w, o + 4, 2 * g + 1), m2 = min * Dequantize.k4Min(w, o + 4, 2 * g + 1);
            for (int p = 0; p < 32; p += L) {
                ByteVector q = ByteVector.fromMemorySegment(B, w, qs + 32 * g + p, LE);
                ByteVector lo = q.and((byte) 0xF);
                ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF);
                if (five) {
                    ByteVector h = ByteVector.fromMemorySegment(B, w, o + 16 + p, LE);
                    lo = lo.or(h.lanewise(VectorOperators.LSHR, 2 * g).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                    hi = hi.or(h.lanewise(VectorOperators.LSHR, 2 * g + 1).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                }
                widen(lo).mul(d1).sub(m1).intoArray(y, i + 64 * g + p);
                widen(hi).mul(d2).sub(m2).intoArray(y, i + 64 * g + 32 + p);
            }
        }
    }

    private static void q6_k(MemorySegment w, long o, float[] y, int i) {
        float d = f16(w, o + 208);
        for (int h = 0; h < 2; h++) {
            long ql = o + 64 * h, qh = o + 128 + 32 * h, sc = o + 192 + 8 * h;
            for (int p = 0; p < 32; p += L) {
                ByteVector a = ByteVector.fromMemorySegment(B, w, ql + p, LE);
                ByteVector b = ByteVector.fromMemorySegment(B, w, ql + 32 + p, LE);
                ByteVector hb = ByteVector.fromMemorySegment(B, w, qh + p, LE);
                int is = p / 16;
                ByteVector q1 = a.and((byte) 0xF).or(hb.and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                ByteVector q2 = b.and((byte) 0xF).or(hb.lanewise(VectorOperators.LSHR, 2).and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                ByteVector q3 = a.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF)
                        .or(hb.lanewise(VectorOperators.LSHR, 4).and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                ByteVector q4 = b.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF)
                        .or(hb.lanewise(VectorOperators.LSHR, 6).and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                int y0 = i + 128 * h + p;
                widen(q1.sub((byte) 32)).mul(d * w.get(Blocks.I8, sc + is)).intoArray(y, y0);
                widen(q2.sub((byte) 32)).mul(d * w.get(Blocks.I8, sc + is + 2)).intoArray(y, y0 + 32);
                widen(q3.sub((byte) 32)).mul(d * w.get(Blocks.I8, sc + is + 4)).intoArray(y, y0 + 64);
                widen(q4.sub((byte) 32)).mul(d * w.get(Blocks.I8, sc + is + 6)).intoArray(y, y0 + 96);
            }
        }
    }
}
