package dev.moxing.kernels;

import static dev.moxing.kernels.VectorOps.L;
import static dev.moxing.kernels.VectorOps.S;
import static dev.moxing.kernels.VectorOps.check;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Activation kernels and their fused backward kernels over contiguous {@code float} ranges; same
 * conventions as {@link VectorOps} (in-place allowed, single-threaded, allocation-free). The
 * scalar reference is {@link ScalarActivations}.
 *
 * <p>Backward kernels take the upstream gradient {@code g} and write {@code dx}; each says
 * whether its second operand is the forward input {@code x} or output {@code y}.
 *
 * <p>erf has no JDK intrinsic, so {@link #erf}, {@link #gelu} and {@link #geluBackward} use the
 * polynomials below, fitted for this class (minimax by iteratively reweighted least squares
 * against 40-digit erf/erfc, coefficients rounded to float one at a time with the rest refitted)
 * and evaluated by Estrin's scheme, plus the JDK's vector exp. Measured in compiled code against
 * the double reference on 10 million floats spread over [-16, 16]: erf within 7.6e-8 absolute
 * (worst just above 0.9, where the tail formula 1 - erfc starts); gelu within 7.4e-7 relative
 * everywhere its value is above 1e-37 (worst just below x = -1.3, where 0.5 + x P(x^2) cancels
 * most), typically 1e-7; geluBackward within 1.4e-7 absolute. The tanh-form gelu's relative
 * error grows with its exponent, about 1e-7 * |2u| (3e-6 at x = -6, where the value is 1e-10),
 * from rounding that exponent in float.
 */
public final class VectorActivations {

    private VectorActivations() {}

    private static final int SIGN = 0x8000_0000;

    // erf(t) = t + t*R(t^2) for 0 <= t < 0.9 (relative error of the fit 1e-9).
    private static final float ER0 = 0.12837916612625122f, ER1 = -0.3761262893676758f,
            ER2 = 0.11283622682094574f, ER3 = -0.026855403557419777f, ER4 = 0.005191216245293617f,
            ER5 = -0.0008032298646867275f, ER6 = 7.906868268037215e-05f;
    // erfc(t) = exp(Q(t - 3.75) - t^2) for 0.9 <= t <= 6.5 (Q is log(erfc t) + t^2; fit error 1.5e-8,
    // i.e. relative error of erfc); larger t is clamped to 6.5, where erfc = 4e-20 and erf is 1.
    private static final float EQ0 = -1.9269627332687378f, EQ1 = -0.25040408968925476f,
            EQ2 = 0.02963368408381939f, EQ3 = -0.004436811897903681f, EQ4 = 0.0007103719399310648f,
            EQ5 = -0.00011545470624696463f, EQ6 = 1.8576243746792898e-05f, EQ7 = -2.8366130209178664e-06f,
            EQ8 = 4.0413678448203427e-07f, EQ9 = -6.879805170001418e-08f, EQ10 = 1.1424476475951906e-08f,
            EQ11 = 2.541104826558893e-11f, EQ12 = -2.454523251316232e-10f;
    // Standard normal CDF Phi(x) = 0.5 + x*P(x^2) for |x| < 1.3 (fit error 1.1e-8 absolute).
    private static final float PS0 = 0.3989422917366028f, PS1 = -0.06649085879325867f,
            PS2 = 0.009976830333471298f, PS3 = -0.0011954901274293661f, PS4 = 0.00012456830882001668f,
            PS5 = -1.4061034562473651e-05f, PS6 = 1.4603378986066673e-06f;
    // Phi(-u) = exp(G(w) - u^2/2), w = u/8 - PW, for 1.3 <= u <= 13.5 (G is log Phi(-u) + u^2/2;
    // fit error 8e-8; u is clamped to 13.5 inside G, below which Phi(-u) < 1e-41 is subnormal).
    // Fitting Phi directly in x (rather than erf at x/sqrt 2) avoids rounding x/sqrt 2, and
    // computing the lower tail as Phi(-u) (not 1 + erf) keeps gelu's relative accuracy for x < 0.
    private static final float PW = 0.925f;
    private static final float PQ0 = -2.937912940979004f, PQ1 = -1.0447851419448853f,
            PQ2 = 0.5285661816596985f, PQ3 = -0.3457828164100647f, PQ4 = 0.2469620406627655f,
            PQ5 = -0.18226070702075958f, PQ6 = 0.13678288459777832f, PQ7 = -0.1046583279967308f,
            PQ8 = 0.07247799634933472f, PQ9 = -0.04215836897492409f, PQ10 = 0.04283532127737999f,
            PQ11 = -0.04690856486558914f, PQ12 = 0.013907885178923607f, PQ13 = 0.006235284265130758f;
    private static final float INV_SQRT_2PI = 0.3989422804014327f;
    // gelu tanh form: u = K0 (x + K1 x^3).
    private static final float K0 = 0.7978845608028654f, K1 = 0.044715f;

    // ---------------------------------------------------------------- forward

    /**
     * {@code max(x, 0)} as a compare-and-blend, like PyTorch's AVX path: NaN stays NaN and
     * -0 stays -0.
     */
    public static void relu(float[] a, int ao, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, ao + i);
            v.blend(0f, v.compare(VectorOperators.LT, 0f)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = a[ao + i] < 0f ? 0f : a[ao + i];
    }

    /** {@code 1 / (1 + exp(-x))}: no cancellation anywhere; exp overflow gives exactly 0. */
    public static void sigmoid(float[] a, int ao, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, ao + i);
            one.div(one.add(VectorMath.exp(v.neg()))).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = 1f / (1f + (float) Math.exp(-a[ao + i]));
    }

    /** JDK vector intrinsic tanh. */
    public static void tanh(float[] a, int ao, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            VectorMath.tanh(FloatVector.fromArray(S, a, ao + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = (float) Math.tanh(a[ao + i]);
    }

    /** {@code x / (1 + exp(-x))}, as PyTorch; for x below about -88 this gives -0 (true value < 3e-37). */
    public static void silu(float[] a, int ao, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, ao + i);
            v.div(one.add(VectorMath.exp(v.neg()))).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = a[ao + i] / (1f + (float) Math.exp(-a[ao + i]));
    }

    /** Error function, within 6e-8 absolute (see the class comment); erf(-0) = -0, NaN stays NaN. */
    public static void erf(float[] a, int ao, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, ao + i);
            FloatVector t = x.abs();
            // Beyond 6.5, erfc < 4e-20 and erf rounds to 1, so t is clamped there once for both
            // branches (the small branch only uses lanes below 0.9).
            FloatVector tc = t.min(6.5f);
            FloatVector t2 = tc.mul(tc);
            // Both branches for every lane, then a blend: cheaper than branching on a 16-lane mask.
            // Polynomials by Estrin's scheme: shorter dependency chains than Horner, same accuracy here.
            FloatVector v2 = t2.mul(t2);
            FloatVector r = v2.mul(v2).fma(
                    v2.fma(FloatVector.broadcast(S, ER6), t2.fma(ER5, ER4)),
                    v2.fma(t2.fma(ER3, ER2), t2.fma(ER1, ER0)));
            FloatVector small = r.fma(t, t);
            FloatVector w = tc.sub(3.75f);
            FloatVector w2 = w.mul(w), w4 = w2.mul(w2);
            FloatVector q = w4.mul(w4).fma(
                    w4.fma(FloatVector.broadcast(S, EQ12), w2.fma(w.fma(EQ11, EQ10), w.fma(EQ9, EQ8))),
                    w4.fma(w2.fma(w.fma(EQ7, EQ6), w.fma(EQ5, EQ4)), w2.fma(w.fma(EQ3, EQ2), w.fma(EQ1, EQ0))));
            FloatVector big = one.sub(VectorMath.exp(q.sub(t2)));
            // NaN fails the compare, so it takes the small branch, which propagates it.
            FloatVector res = small.blend(big, t.compare(VectorOperators.GE, 0.9f));
            // copysign(res, x): res is non-negative here.
            res.viewAsIntegralLanes().or(x.viewAsIntegralLanes().and(SIGN)).viewAsFloatingLanes()
                    .intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = erfScalar(a[ao + i]);
    }

    /**
     * GELU, erf form: {@code x * Phi(x)} = 0.5x(1 + erf(x/sqrt 2)). Phi's lower tail is computed
     * directly, so gelu keeps its relative accuracy for negative x down to underflow (PyTorch's
     * 1 + erf loses it below about -3 and returns 0 below about -5.5; the values there differ by
     * less than 1e-7). gelu(-inf) = NaN, as in PyTorch (-inf * 0).
     */
    public static void gelu(float[] a, int ao, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector mhalf = FloatVector.broadcast(S, -0.5f);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, ao + i);
            FloatVector u = x.abs();
            // |x| < 1.3: Phi = 0.5 + x P(x^2).
            FloatVector y = x.mul(x), y2 = y.mul(y);
            FloatVector p = y2.mul(y2).fma(
                    y2.fma(FloatVector.broadcast(S, PS6), y.fma(PS5, PS4)),
                    y2.fma(y.fma(PS3, PS2), y.fma(PS1, PS0)));
            FloatVector phiSmall = p.fma(x, FloatVector.broadcast(S, 0.5f));
            // |x| >= 1.3: Phi(-u) = exp(G(w) - u^2/2).
            FloatVector w = u.min(13.5f).fma(0.125f, -PW);
            FloatVector w2 = w.mul(w), w4 = w2.mul(w2);
            FloatVector q = w4.mul(w4).fma(
                    w4.fma(w.fma(PQ13, PQ12), w2.fma(w.fma(PQ11, PQ10), w.fma(PQ9, PQ8))),
                    w4.fma(w2.fma(w.fma(PQ7, PQ6), w.fma(PQ5, PQ4)), w2.fma(w.fma(PQ3, PQ2), w.fma(PQ1, PQ0))));
            // The float sum q - u^2/2 would round by up to half an ulp of numbers as large as 91,
            // a relative error of 4e-6 in the result; so the rounding errors of u^2 (fma) and of
            // the sum (two-sum) are kept and applied as a factor 1 + err.
            FloatVector uc = u.min(16f);                                // keeps u^2 and its error finite
            FloatVector hh = uc.mul(uc).mul(mhalf);                     // -u^2/2 rounded (exact halving)
            FloatVector lo = uc.fma(uc, hh.mul(2f));                    // uc^2 - fl(uc^2), exactly
            FloatVector s = q.add(hh);
            FloatVector bb = s.sub(q);
            FloatVector err = q.sub(s.sub(bb)).add(hh.sub(bb));         // q + hh - s, exactly
            FloatVector es = VectorMath.exp(s);
            FloatVector lower = es.fma(lo.fma(mhalf, err), es);         // Phi(-|x|)
            FloatVector phiTail = lower.blend(one.sub(lower), x.compare(VectorOperators.GE, 0f));
            FloatVector phi = phiSmall.blend(phiTail, u.compare(VectorOperators.GE, 1.3f));
            x.mul(phi).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = a[ao + i] * phiScalar(a[ao + i]);
    }

    /**
     * GELU, tanh form: 0.5x(1 + tanh(u)), u = sqrt(2/pi)(x + 0.044715x^3), evaluated through the
     * identity 0.5(1 + tanh u) = 1/(1 + exp(-2u)): one exp instead of tanh, and no cancellation
     * for negative x (where PyTorch's literal formula loses relative accuracy).
     */
    public static void geluTanh(float[] a, int ao, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, ao + i);
            FloatVector m2u = x.mul(x.mul(x).fma(-2f * K0 * K1, -2f * K0)); // -2u
            x.div(one.add(VectorMath.exp(m2u))).intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            float x = a[ao + i];
            out[oo + i] = x / (1f + (float) Math.exp(x * Math.fma(x * x, -2f * K0 * K1, -2f * K0)));
        }
    }

    // ---------------------------------------------------------------- backward

    /**
     * {@code dx = x <= 0 ? 0 : g}, PyTorch's threshold_backward; x may be the input or the relu
     * output (same sign). A NaN x passes g through, as in PyTorch.
     */
    public static void reluBackward(float[] g, int go, float[] x, int xo, float[] dx, int dxo, int n) {
        check(g, go, n); check(x, xo, n); check(dx, dxo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector.fromArray(S, g, go + i)
                    .blend(0f, FloatVector.fromArray(S, x, xo + i).compare(VectorOperators.LE, 0f))
                    .intoArray(dx, dxo + i);
        }
        for (; i < n; i++) dx[dxo + i] = x[xo + i] <= 0f ? 0f : g[go + i];
    }

    /** From the forward output y: {@code dx = g * y * (1 - y)}. */
    public static void sigmoidBackward(float[] g, int go, float[] y, int yo, float[] dx, int dxo, int n) {
        check(g, go, n); check(y, yo, n); check(dx, dxo, n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector vy = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(vy.mul(one.sub(vy))).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) dx[dxo + i] = g[go + i] * (y[yo + i] * (1f - y[yo + i]));
    }

    /** From the forward output y: {@code dx = g * (1 - y^2)}, with 1 - y^2 as one fma (no cancellation near |y| = 1). */
    public static void tanhBackward(float[] g, int go, float[] y, int yo, float[] dx, int dxo, int n) {
        check(g, go, n); check(y, yo, n); check(dx, dxo, n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector vy = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(vy.neg().fma(vy, one)).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) dx[dxo + i] = g[go + i] * Math.fma(-y[yo + i], y[yo + i], 1f);
    }

    /** From the forward input x: {@code dx = g * s * (1 + x(1 - s))}, s = sigmoid(x). */
    public static void siluBackward(float[] g, int go, float[] x, int xo, float[] dx, int dxo, int n) {
        check(g, go, n); check(x, xo, n); check(dx, dxo, n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector vx = FloatVector.fromArray(S, x, xo + i);
            FloatVector s = one.div(one.add(VectorMath.exp(vx.neg())));
            FloatVector d = s.mul(vx.fma(one.sub(s), one));
            FloatVector.fromArray(S, g, go + i).mul(d).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            float v = x[xo + i], s = 1f / (1f + (float) Math.exp(-v));
            dx[dxo + i] = g[go + i] * (s * Math.fma(v, 1f - s, 1f));
        }
    }

    /**
     * From the forward input x, the exact derivative of the erf form:
     * {@code dx = g * (Phi(x) + x phi(x))}, phi the standard normal density. exp(-x^2/2) is
     * computed with the rounding error of x^2 folded back in, and Phi's lower tail is
     * exp(G(w)) * exp(-x^2/2), reusing it.
     */
    public static void geluBackward(float[] g, int go, float[] x, int xo, float[] dx, int dxo, int n) {
        check(g, go, n); check(x, xo, n); check(dx, dxo, n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector u = v.abs();
            FloatVector uc = u.min(16f);                                // exp(-128) is 0 in float anyway
            FloatVector hi = uc.mul(uc);
            FloatVector lo = uc.fma(uc, hi.neg());                      // uc^2 - hi, exactly
            FloatVector eh = VectorMath.exp(hi.mul(-0.5f));
            FloatVector ex = eh.fma(lo.mul(-0.5f), eh);                 // exp(-uc^2/2)
            FloatVector y = v.mul(v), y2 = y.mul(y);
            FloatVector p = y2.mul(y2).fma(
                    y2.fma(FloatVector.broadcast(S, PS6), y.fma(PS5, PS4)),
                    y2.fma(y.fma(PS3, PS2), y.fma(PS1, PS0)));
            FloatVector phiSmall = p.fma(v, FloatVector.broadcast(S, 0.5f));
            FloatVector w = u.min(13.5f).fma(0.125f, -PW);
            FloatVector w2 = w.mul(w), w4 = w2.mul(w2);
            FloatVector q = w4.mul(w4).fma(
                    w4.fma(w.fma(PQ13, PQ12), w2.fma(w.fma(PQ11, PQ10), w.fma(PQ9, PQ8))),
                    w4.fma(w2.fma(w.fma(PQ7, PQ6), w.fma(PQ5, PQ4)), w2.fma(w.fma(PQ3, PQ2), w.fma(PQ1, PQ0))));
            FloatVector lower = VectorMath.exp(q).mul(ex);   // Phi(-|x|)
            FloatVector phiTail = lower.blend(one.sub(lower), v.compare(VectorOperators.GE, 0f));
            FloatVector cdf = phiSmall.blend(phiTail, u.compare(VectorOperators.GE, 1.3f));
            FloatVector d = v.fma(ex.mul(INV_SQRT_2PI), cdf);
            FloatVector.fromArray(S, g, go + i).mul(d).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            float v = x[xo + i], uc = Math.min(Math.abs(v), 16f), hi = uc * uc;
            float ex = (float) Math.exp(-0.5f * hi);
            ex = Math.fma(ex, -0.5f * Math.fma(uc, uc, -hi), ex);
            dx[dxo + i] = g[go + i] * Math.fma(v, ex * INV_SQRT_2PI, phiScalar(v));
        }
    }

    /**
     * From the forward input x, the derivative of the tanh form, through s = 0.5(1 + tanh u) =
     * 1/(1 + exp(-2u)): {@code dx = g * s * (1 + 2x(1 - s)u')}, u' = sqrt(2/pi)(1 + 3*0.044715x^2)
     * (equal to PyTorch's 0.5(1 + tanh u) + 0.5x(1 - tanh^2 u)u').
     */
    public static void geluTanhBackward(float[] g, int go, float[] x, int xo, float[] dx, int dxo, int n) {
        check(g, go, n); check(x, xo, n); check(dx, dxo, n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector x2 = v.mul(v);
            FloatVector m2u = v.mul(x2.fma(-2f * K0 * K1, -2f * K0));
            FloatVector s = one.div(one.add(VectorMath.exp(m2u)));
            FloatVector c = v.mul(x2.fma(6f * K0 * K1, 2f * K0));       // 2x u'
            FloatVector d = s.mul(c.fma(one.sub(s), one));
            FloatVector.fromArray(S, g, go + i).mul(d).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            float v = x[xo + i], x2 = v * v;
            float s = 1f / (1f + (float) Math.exp(v * Math.fma(x2, -2f * K0 * K1, -2f * K0)));
            float c = v * Math.fma(x2, 6f * K0 * K1, 2f * K0);
            dx[dxo + i] = g[go + i] * (s * Math.fma(c, 1f - s, 1f));
        }
    }

    // ---------------------------------------------------------------- scalar twins for the tails

    private static final float[] ER = {ER0, ER1, ER2, ER3, ER4, ER5, ER6};
    private static final float[] EQ = {EQ0, EQ1, EQ2, EQ3, EQ4, EQ5, EQ6, EQ7, EQ8, EQ9, EQ10, EQ11, EQ12};
    private static final float[] PS = {PS0, PS1, PS2, PS3, PS4, PS5, PS6};
    private static final float[] PQ = {PQ0, PQ1, PQ2, PQ3, PQ4, PQ5, PQ6, PQ7, PQ8, PQ9, PQ10, PQ11, PQ12, PQ13};

    /** c[0] + c[1] z + ... + c[6] z^6, with the vector bodies' Estrin grouping (same bits). */
    private static float poly7(float[] c, float z) {
        float z2 = z * z;
        return Math.fma(z2 * z2, Math.fma(z2, c[6], Math.fma(z, c[5], c[4])),
                Math.fma(z2, Math.fma(z, c[3], c[2]), Math.fma(z, c[1], c[0])));
    }

    /** Degree 12 or 13 (c.length 13 or 14), with the vector bodies' Estrin grouping. */
    private static float poly14(float[] c, float z) {
        float z2 = z * z, z4 = z2 * z2;
        float top = c.length == 14 ? Math.fma(z, c[13], c[12]) : c[12];
        float r1 = Math.fma(z4, top, Math.fma(z2, Math.fma(z, c[11], c[10]), Math.fma(z, c[9], c[8])));
        float r0 = Math.fma(z4, Math.fma(z2, Math.fma(z, c[7], c[6]), Math.fma(z, c[5], c[4])),
                Math.fma(z2, Math.fma(z, c[3], c[2]), Math.fma(z, c[1], c[0])));
        return Math.fma(z4 * z4, r1, r0);
    }

    /** Scalar twin of the erf vector body, for the last n % lanes elements. */
    private static float erfScalar(float x) {
        float t = Math.abs(x), tc = Math.min(t, 6.5f), t2 = tc * tc;
        float res = t >= 0.9f
                ? 1f - (float) Math.exp(poly14(EQ, tc - 3.75f) - t2)
                : Math.fma(poly7(ER, t2), t, t);
        return Math.copySign(res, x);
    }

    /** Scalar twin of gelu's vector Phi (the backward body's Phi differs in the last ulp only). */
    private static float phiScalar(float x) {
        float u = Math.abs(x);
        if (!(u >= 1.3f)) return Math.fma(poly7(PS, x * x), x, 0.5f);
        float q = poly14(PQ, Math.fma(Math.min(u, 13.5f), 0.125f, -PW));
        float uc = Math.min(u, 16f), hh = uc * uc * -0.5f, lo = Math.fma(uc, uc, hh * 2f);
        float s = q + hh, bb = s - q, err = (q - (s - bb)) + (hh - bb);
        float es = (float) Math.exp(s);
        float lower = Math.fma(es, Math.fma(lo, -0.5f, err), es);
        return x >= 0f ? 1f - lower : lower;
    }
}
