package dev.moxing.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * exp, log and tanh on float vectors from IEEE basic operations only (Cephes' single-precision
 * polynomials, about 1 ulp).
 *
 * <p>Why not {@code lanewise(VectorOperators.EXP)}: the JDK computes it with a different algorithm
 * in interpreted code than in C2-compiled code (an SVML stub), so the same call returned different
 * bits before and after the JIT warmed up, and training was not reproducible run to run. Adds,
 * multiplies, fused multiply-adds and bit operations round identically in every tier.
 *
 * <p>These are small static methods meant to be inlined into the calling loop by C2; a Vector
 * crossing them is scalar-replaced after inlining.
 */
public final class VectorMath {
    private VectorMath() {
    }

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 · 2^23: adding then subtracting it rounds a float to the nearest integer. */
    private static final float ROUNDER = 12582912f;

    /** e^x; overflow gives +inf, underflow 0 (through denormals), NaN stays NaN. */
    public static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(-110f).min(100f);                       // keeps n within int range, ±inf handled by scaling
        FloatVector t = c.mul(LOG2E).add(ROUNDER);                    // bits: 0x4B400000 + round(c / ln2)
        FloatVector n = t.sub(ROUNDER);                               // round(c / ln2), exact for |c| < 2^22
        FloatVector r = c.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));      // c − n·ln2, ln2 in two parts
        FloatVector z = r.mul(r);
        FloatVector p = r.mul(1.9875691500E-4f).add(1.3981999507E-3f)
                .mul(r).add(8.3334519073E-3f)
                .mul(r).add(4.1665795894E-2f)
                .mul(r).add(1.6666665459E-1f)
                .mul(r).add(5.0000001201E-1f)
                .mul(z).add(r).add(1f);
        // Scale by 2^n as 2^(n/2) · 2^(n - n/2): each factor is a normal float for n in [-159, 145].
        // n as an int read from t's bits, not n.convert(F2I): the same integer, and the convert was
        // at times left as a slow non-intrinsic call in big compiled methods (JFR: most of
        // FlashAttention's softmax time inside convert0).
        IntVector ni = t.reinterpretAsInts().sub(0x4B400000);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2);
    }

    /** Natural log; 0 → -inf, negative → NaN, +inf → +inf, NaN → NaN, denormals handled. */
    public static FloatVector log(FloatVector x) {
        VectorMask<Float> tiny = x.lt(1.17549435e-38f);               // denormals (and <= 0): pre-scale by 2^25
        FloatVector xs = x.blend(x.mul(33554432f), tiny);
        IntVector bits = xs.reinterpretAsInts();
        IntVector expo = bits.lanewise(VectorOperators.LSHR, 23).and(0xff).sub(126);
        FloatVector m = bits.and(0x807fffff).or(0x3f000000).reinterpretAsFloats(); // [0.5, 1)
        FloatVector e = (FloatVector) expo.convert(VectorOperators.I2F, 0);
        e = e.blend(e.sub(25f), tiny);
        VectorMask<Float> small = m.lt(0.707106781186547524f);
        e = e.blend(e.sub(1f), small);
        m = m.blend(m.add(m), small).sub(1f);
        FloatVector z = m.mul(m);
        FloatVector y = m.mul(7.0376836292E-2f).add(-1.1514610310E-1f)
                .mul(m).add(1.1676998740E-1f)
                .mul(m).add(-1.2420140846E-1f)
                .mul(m).add(1.4249322787E-1f)
                .mul(m).add(-1.6668057665E-1f)
                .mul(m).add(2.0000714765E-1f)
                .mul(m).add(-2.4999993993E-1f)
                .mul(m).add(3.3333331174E-1f)
                .mul(m).mul(z);
        y = y.add(e.mul(LN2_LO)).sub(z.mul(0.5f));
        FloatVector r = m.add(y).add(e.mul(LN2_HI));
        r = r.blend(Float.NEGATIVE_INFINITY, x.eq(0f));
        r = r.blend(Float.NaN, x.lt(0f));
        r = r.blend(Float.POSITIVE_INFINITY, x.eq(Float.POSITIVE_INFINITY));
        return r.blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** tanh: an odd polynomial near 0 (no cancellation), 1 − 2/(e^{2|x|} + 1) elsewhere. */
    public static FloatVector tanh(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector z = x.mul(x);
        FloatVector near = z.mul(-5.70498872745E-3f).add(2.06390887954E-2f)
                .mul(z).add(-5.37397155531E-2f)
                .mul(z).add(1.33314422036E-1f)
                .mul(z).add(-3.33332819422E-1f)
                .mul(z).mul(x).add(x);
        FloatVector e = exp(ax.min(20f).mul(2f));
        FloatVector far = FloatVector.broadcast(x.species(), 1f).sub(FloatVector.broadcast(x.species(), 2f).div(e.add(1f)));
        far = far.blend(far.neg(), x.lt(0f));
        return far.blend(near, ax.lt(0.625f)).blend(x, x.eq(0f)); // tanh(±0) = ±0
    }
}
