package dev.moxing.kernels;

import static dev.moxing.kernels.VectorOps.L;
import static dev.moxing.kernels.VectorOps.S;
import static dev.moxing.kernels.VectorOps.check;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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
 * against 40-digit erf/erfc, with coefficients rounded to float one at a time and the rest
 * refitted). Measured against the double reference over every float in [-10, 10]: erf within
 * 6.0e-8 absolute (about one float ulp of values near 1); gelu within 2.4e-7 relative where
 * |gelu| > 1e-30 (the far negative tail, |x| > 5, where gelu < 1.5e-6 in magnitude, reaches
 * 2e-6 relative from rounding the exp argument).
 */
public final class VectorActivations {

    private VectorActivations() {}

    private static final int SIGN = 0x8000_0000;

    // erf(t) = t + t*R(t^2) for 0 <= t < 0.9 (relative error of the fit 1e-9).
    private static final float ER0 = 0.12837916612625122f, ER1 = -0.3761262893676758f,
            ER2 = 0.11283622682094574f, ER3 = -0.026855403557419777f, ER4 = 0.005191216245293617f,
            ER5 = -0.0008032298646867275f, ER6 = 7.906868268037215e-05f;
    // erfc(t) = exp(Q(t - 3.75) - t^2) for 0.9 <= t <= 6.5 (Q is log(erfc t) + t^2; fit error 1.5e-8,
    // i.e. relative error of erfc); t is clamped to 6.5 inside Q, which keeps erfc positive,
    // decreasing and far below float resolution of erf beyond.
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
    // Inline exp(z) for the erf/gelu bodies: a call to the JDK's EXP stub (SVML) there costs about
    // twice the stub's own time, because every vector live across the call is spilled. z (clamped
    // to [-104, 89], beyond which the result is 0 or +inf anyway) = k ln2 + r, |r| <= ln2/2;
    // e^r = 1 + r + r^2 P(r) (fit error 3e-9 relative, about 1 ulp in float); 2^k is applied as two
    // exact power-of-two factors so that k down to -150 (subnormal results) needs no special case.
    private static final float LOG2E = 1.4426950216293335f, LN2_HI = 0.6931471824645996f,
            LN2_LO = -1.9046542121259336e-09f, MAGIC = 0x1.8p23f; // adding MAGIC rounds to an integer
    private static final int MAGIC_BITS = Float.floatToRawIntBits(MAGIC);
    private static final float XP0 = 0.4999999403953552f, XP1 = 0.1666652113199234f,
            XP2 = 0.04166825860738754f, XP3 = 0.008368666283786297f, XP4 = 0.0013821172760799527f;
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
            one.div(one.add(v.neg().lanewise(VectorOperators.EXP))).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = 1f / (1f + (float) Math.exp(-a[ao + i]));
    }

    /** JDK vector intrinsic tanh. */
    public static void tanh(float[] a, int ao, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector.fromArray(S, a, ao + i).lanewise(VectorOperators.TANH).intoArray(out, oo + i);
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
            v.div(one.add(v.neg().lanewise(VectorOperators.EXP))).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = a[ao + i] / (1f + (float) Math.exp(-a[ao + i]));
    }

    /** Error function, within 6e-8 absolute (see the class comment); erf(-0) = -0, NaN stays NaN. */
    public static void erf(float[] a, int ao, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector nln2hi = FloatVector.broadcast(S, -LN2_HI);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, ao + i);
            FloatVector t = x.abs();
            FloatVector t2 = t.mul(t);
            // Both branches for every lane, then a blend: cheaper than branching on a 16-lane mask.
            FloatVector r = FloatVector.broadcast(S, ER6);
            r = r.fma(t2, FloatVector.broadcast(S, ER5));
            r = r.fma(t2, FloatVector.broadcast(S, ER4));
            r = r.fma(t2, FloatVector.broadcast(S, ER3));
            r = r.fma(t2, FloatVector.broadcast(S, ER2));
            r = r.fma(t2, FloatVector.broadcast(S, ER1));
            r = r.fma(t2, FloatVector.broadcast(S, ER0));
            FloatVector small = r.fma(t, t);
            FloatVector w = t.min(6.5f).sub(3.75f);
            FloatVector q = FloatVector.broadcast(S, EQ12);
            q = q.fma(w, FloatVector.broadcast(S, EQ11));
            q = q.fma(w, FloatVector.broadcast(S, EQ10));
            q = q.fma(w, FloatVector.broadcast(S, EQ9));
            q = q.fma(w, FloatVector.broadcast(S, EQ8));
            q = q.fma(w, FloatVector.broadcast(S, EQ7));
            q = q.fma(w, FloatVector.broadcast(S, EQ6));
            q = q.fma(w, FloatVector.broadcast(S, EQ5));
            q = q.fma(w, FloatVector.broadcast(S, EQ4));
            q = q.fma(w, FloatVector.broadcast(S, EQ3));
            q = q.fma(w, FloatVector.broadcast(S, EQ2));
            q = q.fma(w, FloatVector.broadcast(S, EQ1));
            q = q.fma(w, FloatVector.broadcast(S, EQ0));
            // ec = exp(q.sub(t2)), inline (see XP0 ...).
            FloatVector ez = q.sub(t2).max(-104f).min(89f);
            FloatVector et = ez.fma(LOG2E, MAGIC);
            FloatVector ek = et.sub(MAGIC);
            FloatVector er = ek.fma(nln2hi, ez).add(ek.mul(-LN2_LO));
            IntVector ei = et.viewAsIntegralLanes().sub(MAGIC_BITS);
            IntVector eh = ei.lanewise(VectorOperators.ASHR, 1);
            FloatVector ep = FloatVector.broadcast(S, XP4);
            ep = ep.fma(er, FloatVector.broadcast(S, XP3));
            ep = ep.fma(er, FloatVector.broadcast(S, XP2));
            ep = ep.fma(er, FloatVector.broadcast(S, XP1));
            ep = ep.fma(er, FloatVector.broadcast(S, XP0));
            FloatVector ec = ep.fma(er.mul(er), er).add(1f)
                    .mul(eh.add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes())
                    .mul(ei.sub(eh).add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes());
            FloatVector big = one.sub(ec);
            // NaN fails the compare, so it takes the small branch, which propagates it.
            FloatVector res = small.blend(big, t.compare(VectorOperators.GE, 0.9f));
            // copysign(res, x): res is non-negative here.
            res.viewAsIntegralLanes().or(x.viewAsIntegralLanes().and(SIGN)).viewAsFloatingLanes()
                    .intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = erfTail(a[ao + i]);
    }

    /**
     * GELU, erf form: {@code x * Phi(x)} = 0.5x(1 + erf(x/sqrt 2)). Phi's lower tail is computed
     * directly, so gelu keeps its relative accuracy for negative x (PyTorch's 1 + erf loses it
     * below about -3 and returns 0 below about -5.5; the values there differ by less than 1e-7).
     * gelu(-inf) = NaN, as in PyTorch (-inf * 0).
     */
    public static void gelu(float[] a, int ao, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector half = FloatVector.broadcast(S, 0.5f);
        FloatVector mhalf = FloatVector.broadcast(S, -0.5f);
        FloatVector nln2hi = FloatVector.broadcast(S, -LN2_HI);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, ao + i);
            FloatVector u = x.abs();
            FloatVector x2 = x.mul(x);
            FloatVector p = FloatVector.broadcast(S, PS6);
            p = p.fma(x2, FloatVector.broadcast(S, PS5));
            p = p.fma(x2, FloatVector.broadcast(S, PS4));
            p = p.fma(x2, FloatVector.broadcast(S, PS3));
            p = p.fma(x2, FloatVector.broadcast(S, PS2));
            p = p.fma(x2, FloatVector.broadcast(S, PS1));
            p = p.fma(x2, FloatVector.broadcast(S, PS0));
            FloatVector phiSmall = p.fma(x, half);
            FloatVector w = u.min(13.5f).fma(0.125f, -PW);
            FloatVector q = FloatVector.broadcast(S, PQ13);
            q = q.fma(w, FloatVector.broadcast(S, PQ12));
            q = q.fma(w, FloatVector.broadcast(S, PQ11));
            q = q.fma(w, FloatVector.broadcast(S, PQ10));
            q = q.fma(w, FloatVector.broadcast(S, PQ9));
            q = q.fma(w, FloatVector.broadcast(S, PQ8));
            q = q.fma(w, FloatVector.broadcast(S, PQ7));
            q = q.fma(w, FloatVector.broadcast(S, PQ6));
            q = q.fma(w, FloatVector.broadcast(S, PQ5));
            q = q.fma(w, FloatVector.broadcast(S, PQ4));
            q = q.fma(w, FloatVector.broadcast(S, PQ3));
            q = q.fma(w, FloatVector.broadcast(S, PQ2));
            q = q.fma(w, FloatVector.broadcast(S, PQ1));
            q = q.fma(w, FloatVector.broadcast(S, PQ0));
            // Phi(-u) = exp(q - u^2/2). The float sum q - hi/2 would round by up to half an ulp of
            // numbers as large as 91, a relative error of 4e-6 in the result; so the rounding error
            // of the sum (two-sum) and of u^2 (fma) are kept and applied as a factor 1 + err.
            FloatVector uc = u.min(16f);                                // keeps hi and lo finite
            FloatVector hh = uc.mul(uc).mul(mhalf);                     // -hi/2, exact halving
            FloatVector lo = uc.fma(uc, hh.mul(2f));                    // uc^2 - hi, exactly
            FloatVector s = q.add(hh);
            FloatVector bb = s.sub(q);
            FloatVector err = q.sub(s.sub(bb)).add(hh.sub(bb));         // q + hh - s, exactly
            // es = exp(s), inline (see XP0 ...).
            FloatVector ez = s.max(-104f).min(89f);
            FloatVector et = ez.fma(LOG2E, MAGIC);
            FloatVector ek = et.sub(MAGIC);
            FloatVector er = ek.fma(nln2hi, ez).add(ek.mul(-LN2_LO));
            IntVector ei = et.viewAsIntegralLanes().sub(MAGIC_BITS);
            IntVector eh = ei.lanewise(VectorOperators.ASHR, 1);
            FloatVector ep = FloatVector.broadcast(S, XP4);
            ep = ep.fma(er, FloatVector.broadcast(S, XP3));
            ep = ep.fma(er, FloatVector.broadcast(S, XP2));
            ep = ep.fma(er, FloatVector.broadcast(S, XP1));
            ep = ep.fma(er, FloatVector.broadcast(S, XP0));
            FloatVector es = ep.fma(er.mul(er), er).add(1f)
                    .mul(eh.add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes())
                    .mul(ei.sub(eh).add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes());
            FloatVector lower = es.fma(lo.fma(mhalf, err), es);         // Phi(-|x|)
            FloatVector phiTail = lower.blend(one.sub(lower), x.compare(VectorOperators.GE, 0f));
            FloatVector phi = phiSmall.blend(phiTail, u.compare(VectorOperators.GE, 1.3f));
            x.mul(phi).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = a[ao + i] * phi(a[ao + i]);
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
            x.div(one.add(m2u.lanewise(VectorOperators.EXP))).intoArray(out, oo + i);
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
            FloatVector s = one.div(one.add(vx.neg().lanewise(VectorOperators.EXP)));
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
     * computed with the rounding error of x^2 folded back in, and Phi's lower tail reuses it.
     */
    public static void geluBackward(float[] g, int go, float[] x, int xo, float[] dx, int dxo, int n) {
        check(g, go, n); check(x, xo, n); check(dx, dxo, n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector nln2hi = FloatVector.broadcast(S, -LN2_HI);
        FloatVector half = FloatVector.broadcast(S, 0.5f);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector u = v.abs();
            // Clamped so that x^2 and its error stay finite; exp(-128) is 0 in float anyway.
            FloatVector uc = u.min(16f);
            FloatVector hi = uc.mul(uc);
            FloatVector lo = uc.fma(uc, hi.neg());                   // uc^2 - hi, exactly
            // eh = exp(hi.mul(-0.5f)), inline (see XP0 ...).
            FloatVector az = hi.mul(-0.5f).max(-104f).min(89f);
            FloatVector at = az.fma(LOG2E, MAGIC);
            FloatVector ak = at.sub(MAGIC);
            FloatVector ar = ak.fma(nln2hi, az).add(ak.mul(-LN2_LO));
            IntVector ai = at.viewAsIntegralLanes().sub(MAGIC_BITS);
            IntVector ah = ai.lanewise(VectorOperators.ASHR, 1);
            FloatVector ap = FloatVector.broadcast(S, XP4);
            ap = ap.fma(ar, FloatVector.broadcast(S, XP3));
            ap = ap.fma(ar, FloatVector.broadcast(S, XP2));
            ap = ap.fma(ar, FloatVector.broadcast(S, XP1));
            ap = ap.fma(ar, FloatVector.broadcast(S, XP0));
            FloatVector eh = ap.fma(ar.mul(ar), ar).add(1f)
                    .mul(ah.add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes())
                    .mul(ai.sub(ah).add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes());
            FloatVector ex = eh.fma(lo.mul(-0.5f), eh);                 // exp(-uc^2/2)
            FloatVector x2 = v.mul(v);
            FloatVector p = FloatVector.broadcast(S, PS6);
            p = p.fma(x2, FloatVector.broadcast(S, PS5));
            p = p.fma(x2, FloatVector.broadcast(S, PS4));
            p = p.fma(x2, FloatVector.broadcast(S, PS3));
            p = p.fma(x2, FloatVector.broadcast(S, PS2));
            p = p.fma(x2, FloatVector.broadcast(S, PS1));
            p = p.fma(x2, FloatVector.broadcast(S, PS0));
            FloatVector phiSmall = p.fma(v, half);
            FloatVector w = u.min(13.5f).fma(0.125f, -PW);
            FloatVector q = FloatVector.broadcast(S, PQ13);
            q = q.fma(w, FloatVector.broadcast(S, PQ12));
            q = q.fma(w, FloatVector.broadcast(S, PQ11));
            q = q.fma(w, FloatVector.broadcast(S, PQ10));
            q = q.fma(w, FloatVector.broadcast(S, PQ9));
            q = q.fma(w, FloatVector.broadcast(S, PQ8));
            q = q.fma(w, FloatVector.broadcast(S, PQ7));
            q = q.fma(w, FloatVector.broadcast(S, PQ6));
            q = q.fma(w, FloatVector.broadcast(S, PQ5));
            q = q.fma(w, FloatVector.broadcast(S, PQ4));
            q = q.fma(w, FloatVector.broadcast(S, PQ3));
            q = q.fma(w, FloatVector.broadcast(S, PQ2));
            q = q.fma(w, FloatVector.broadcast(S, PQ1));
            q = q.fma(w, FloatVector.broadcast(S, PQ0));
            // eq = exp(q), inline (see XP0 ...).
            FloatVector bz = q.max(-104f).min(89f);
            FloatVector bt = bz.fma(LOG2E, MAGIC);
            FloatVector bk = bt.sub(MAGIC);
            FloatVector br = bk.fma(nln2hi, bz).add(bk.mul(-LN2_LO));
            IntVector bi = bt.viewAsIntegralLanes().sub(MAGIC_BITS);
            IntVector bh = bi.lanewise(VectorOperators.ASHR, 1);
            FloatVector bp = FloatVector.broadcast(S, XP4);
            bp = bp.fma(br, FloatVector.broadcast(S, XP3));
            bp = bp.fma(br, FloatVector.broadcast(S, XP2));
            bp = bp.fma(br, FloatVector.broadcast(S, XP1));
            bp = bp.fma(br, FloatVector.broadcast(S, XP0));
            FloatVector eq = bp.fma(br.mul(br), br).add(1f)
                    .mul(bh.add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes())
                    .mul(bi.sub(bh).add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes());
            FloatVector lower = eq.mul(ex);                              // Phi(-|x|)
            FloatVector phiTail = lower.blend(one.sub(lower), v.compare(VectorOperators.GE, 0f));
            FloatVector cdf = phiSmall.blend(phiTail, u.compare(VectorOperators.GE, 1.3f));
            FloatVector d = v.fma(ex.mul(INV_SQRT_2PI), cdf);
            FloatVector.fromArray(S, g, go + i).mul(d).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            float v = x[xo + i], uc = Math.min(Math.abs(v), 16f), hi = uc * uc;
            float ex = expPoly(-0.5f * hi);
            ex = Math.fma(ex, -0.5f * Math.fma(uc, uc, -hi), ex);
            dx[dxo + i] = g[go + i] * Math.fma(v, ex * INV_SQRT_2PI, phi(v));
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
            FloatVector s = one.div(one.add(m2u.lanewise(VectorOperators.EXP)));
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

    private static final float[] ER = {ER6, ER5, ER4, ER3, ER2, ER1, ER0};
    private static final float[] EQ = {EQ12, EQ11, EQ10, EQ9, EQ8, EQ7, EQ6, EQ5, EQ4, EQ3, EQ2, EQ1, EQ0};
    private static final float[] PS = {PS6, PS5, PS4, PS3, PS2, PS1, PS0};
    private static final float[] XP = {XP4, XP3, XP2, XP1, XP0};
    private static final float[] PQ = {PQ13, PQ12, PQ11, PQ10, PQ9, PQ8, PQ7, PQ6, PQ5, PQ4, PQ3, PQ2, PQ1, PQ0};

    /** Horner with fma, highest coefficient first. */
    private static float horner(float[] c, float z) {
        float r = c[0];
        for (int k = 1; k < c.length; k++) r = Math.fma(r, z, c[k]);
        return r;
    }

    /** Scalar twin of the inline vector exp, bit for bit. */
    private static float expPoly(float z) {
        float zc = Math.min(Math.max(z, -104f), 89f);
        float t = Math.fma(zc, LOG2E, MAGIC), k = t - MAGIC;
        float r = Math.fma(k, -LN2_HI, zc) + k * -LN2_LO;
        int i = Float.floatToRawIntBits(t) - MAGIC_BITS, h = i >> 1;
        return (Math.fma(horner(XP, r), r * r, r) + 1f)
                * Float.intBitsToFloat((h + 127) << 23) * Float.intBitsToFloat((i - h + 127) << 23);
    }

    /** Scalar twin of the erf vector body, for the last n % lanes elements. */
    private static float erfTail(float x) {
        float t = Math.abs(x), t2 = t * t;
        float res = t >= 0.9f
                ? 1f - expPoly(horner(EQ, Math.min(t, 6.5f) - 3.75f) - t2)
                : Math.fma(horner(ER, t2), t, t);
        return Math.copySign(res, x);
    }

    /** Scalar twin of gelu's vector Phi (the backward body's Phi differs in the last ulp only). */
    private static float phi(float x) {
        float u = Math.abs(x);
        if (!(u >= 1.3f)) return Math.fma(horner(PS, x * x), x, 0.5f);
        float q = horner(PQ, Math.fma(Math.min(u, 13.5f), 0.125f, -PW));
        float uc = Math.min(u, 16f), hh = uc * uc * -0.5f, lo = Math.fma(uc, uc, hh * 2f);
        float s = q + hh, bb = s - q, err = (q - (s - bb)) + (hh - bb);
        float lower = expPoly(s);
        lower = Math.fma(lower, Math.fma(lo, -0.5f, err), lower);
        return x >= 0f ? 1f - lower : lower;
    }
}
