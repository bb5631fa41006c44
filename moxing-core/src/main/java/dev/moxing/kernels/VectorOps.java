package dev.moxing.kernels;

import java.util.Objects;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise arithmetic kernels over contiguous {@code float} ranges: array-array and
 * array-scalar binary ops, axpy-style accumulation, and the plain math unary ops.
 * Activations and their backward kernels are in {@link VectorActivations}; the scalar reference
 * for every method here is the same-named method of {@link ScalarOps}.
 *
 * <p>Conventions shared by all kernels: each range is an {@code (array, offset)} pair plus a
 * length {@code n}; the output may be exactly the same range as an input (in place), but
 * partially overlapping ranges are not supported (vector lanes read ahead of the writes). Every
 * kernel is single-threaded and allocation-free; ranges are bounds-checked once on entry, so a bad
 * range throws before anything is written. Each kernel is one method with Vector locals only, so
 * C2 can keep every vector in registers (a Vector passed across a call that is not inlined is
 * boxed). The last {@code n % lanes} elements go through a scalar loop with the same arithmetic.
 */
public final class VectorOps {

    private VectorOps() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Double species and a float species with the same lane count, for the pow path. */
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FH =
            VectorSpecies.of(float.class, VectorShape.forBitSize(DS.vectorBitSize() / 2));

    static void check(float[] a, int off, int n) {
        Objects.checkFromIndexSize(off, n, a.length);
    }

    // ---------------------------------------------------------------- array (op) array

    public static void add(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        check(a, ao, n); check(b, bo, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector.fromArray(S, a, ao + i).add(FloatVector.fromArray(S, b, bo + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = a[ao + i] + b[bo + i];
    }

    public static void sub(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        check(a, ao, n); check(b, bo, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector.fromArray(S, a, ao + i).sub(FloatVector.fromArray(S, b, bo + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = a[ao + i] - b[bo + i];
    }

    public static void mul(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        check(a, ao, n); check(b, bo, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector.fromArray(S, a, ao + i).mul(FloatVector.fromArray(S, b, bo + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = a[ao + i] * b[bo + i];
    }

    public static void div(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        check(a, ao, n); check(b, bo, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector.fromArray(S, a, ao + i).div(FloatVector.fromArray(S, b, bo + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = a[ao + i] / b[bo + i];
    }

    /** Elementwise max with {@link Math#max} semantics: NaN propagates (as torch.maximum), +0 > -0. */
    public static void max(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        check(a, ao, n); check(b, bo, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector.fromArray(S, a, ao + i).max(FloatVector.fromArray(S, b, bo + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = Math.max(a[ao + i], b[bo + i]);
    }

    /** Elementwise min with {@link Math#min} semantics: NaN propagates (as torch.minimum), -0 < +0. */
    public static void min(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        check(a, ao, n); check(b, bo, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector.fromArray(S, a, ao + i).min(FloatVector.fromArray(S, b, bo + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = Math.min(a[ao + i], b[bo + i]);
    }

    // ---------------------------------------------------------------- array (op) scalar

    public static void addScalar(float[] a, int ao, float s, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector.fromArray(S, a, ao + i).add(s).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = a[ao + i] + s;
    }

    public static void mulScalar(float[] a, int ao, float s, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector.fromArray(S, a, ao + i).mul(s).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = a[ao + i] * s;
    }

    /** {@code out = a / s} as a true division (not a * (1/s)), so results match PyTorch bit for bit. */
    public static void divScalar(float[] a, int ao, float s, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector.fromArray(S, a, ao + i).div(s).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = a[ao + i] / s;
    }

    /** {@code out = s - a}. */
    public static void rsub(float[] a, int ao, float s, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        FloatVector vs = FloatVector.broadcast(S, s);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            vs.sub(FloatVector.fromArray(S, a, ao + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = s - a[ao + i];
    }

    /** {@code out = s / a}. */
    public static void rdiv(float[] a, int ao, float s, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        FloatVector vs = FloatVector.broadcast(S, s);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            vs.div(FloatVector.fromArray(S, a, ao + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = s / a[ao + i];
    }

    /** {@code Math.max(a, s)}: NaN in either propagates. */
    public static void maxScalar(float[] a, int ao, float s, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector.fromArray(S, a, ao + i).max(s).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = Math.max(a[ao + i], s);
    }

    /** {@code Math.min(a, s)}: NaN in either propagates. */
    public static void minScalar(float[] a, int ao, float s, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector.fromArray(S, a, ao + i).min(s).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = Math.min(a[ao + i], s);
    }

    /**
     * {@code min(max(a, lo), hi)}, as torch.clamp: a NaN input stays NaN, and {@code lo > hi}
     * gives {@code hi} everywhere.
     */
    public static void clamp(float[] a, int ao, float lo, float hi, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector.fromArray(S, a, ao + i).max(lo).min(hi).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = Math.min(Math.max(a[ao + i], lo), hi);
    }

    /**
     * {@code out = a^p}. The exponents PyTorch special-cases are computed the way PyTorch does
     * (so they differ from {@link Math#pow} only at signed zeros / -inf): 0 gives 1, 1 a copy,
     * 2 and 3 repeated products, -1 and -2 reciprocals, 0.5 {@code sqrt} (so (-0)^0.5 = -0 and
     * (-inf)^0.5 = NaN) and -0.5 {@code 1/sqrt}. Any other finite p follows Math.pow: the
     * magnitude is exp(p*log|a|) evaluated in double (so the float result is correctly rounded
     * in practice), the sign is a's sign when p is an odd integer, and a negative finite base with
     * a non-integral p gives NaN. Non-finite p falls back to Math.pow per element.
     */
    public static void powScalar(float[] a, int ao, float p, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        if (p == 0f) { java.util.Arrays.fill(out, oo, oo + n, 1f); return; }
        if (p == 1f) { System.arraycopy(a, ao, out, oo, n); return; }
        if (p == 2f) { square(a, ao, out, oo, n); return; }
        if (p == 0.5f) { sqrt(a, ao, out, oo, n); return; }
        if (p == -0.5f) { rsqrt(a, ao, out, oo, n); return; }
        if (p == -1f) { rdiv(a, ao, 1f, out, oo, n); return; }
        if (p == 3f || p == -2f) {
            boolean cube = p == 3f;
            int i = 0;
            for (int e = S.loopBound(n); i < e; i += L) {
                FloatVector v = FloatVector.fromArray(S, a, ao + i);
                (cube ? v.mul(v).mul(v) : FloatVector.broadcast(S, 1f).div(v.mul(v))).intoArray(out, oo + i);
            }
            for (; i < n; i++) {
                float x = a[ao + i];
                out[oo + i] = cube ? x * x * x : 1f / (x * x);
            }
            return;
        }
        if (!Float.isFinite(p)) {
            for (int i = 0; i < n; i++) out[oo + i] = (float) Math.pow(a[ao + i], p);
            return;
        }
        // General exponents are rare (the common ones are special-cased above). Math.pow gives the
        // same bits in every JIT tier; the Vector API's lanewise LOG/EXP do not (see VectorMath).
        for (int i = 0; i < n; i++) out[oo + i] = (float) Math.pow(a[ao + i], p);
    }

    // ---------------------------------------------------------------- axpy

    /**
     * {@code y += alpha * x}, with one fused multiply-add per element (as PyTorch's
     * {@code add(y, x, alpha)} kernel), so there is a single rounding.
     */
    public static void scaleAdd(float[] x, int xo, float alpha, float[] y, int yo, int n) {
        check(x, xo, n); check(y, yo, n);
        FloatVector va = FloatVector.broadcast(S, alpha);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector.fromArray(S, x, xo + i).fma(va, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] = Math.fma(x[xo + i], alpha, y[yo + i]);
    }

    /** {@code y += x}; also the helper for reducing over a non-innermost axis (add a slice into an accumulator). */
    public static void accumulate(float[] x, int xo, float[] y, int yo, int n) {
        add(y, yo, x, xo, y, yo, n);
    }

    // ---------------------------------------------------------------- math unary

    public static void neg(float[] a, int ao, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector.fromArray(S, a, ao + i).neg().intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = -a[ao + i];
    }

    public static void abs(float[] a, int ao, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector.fromArray(S, a, ao + i).abs().intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = Math.abs(a[ao + i]);
    }

    public static void square(float[] a, int ao, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, ao + i);
            v.mul(v).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = a[ao + i] * a[ao + i];
    }

    /** Correctly rounded (vsqrtps); sqrt(-0) = -0, negative gives NaN. */
    public static void sqrt(float[] a, int ao, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector.fromArray(S, a, ao + i).sqrt().intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = (float) Math.sqrt(a[ao + i]);
    }

    /** {@code 1 / sqrt(a)} with a true sqrt and division (not the ~12-bit rsqrt estimate): within 1 ulp. */
    public static void rsqrt(float[] a, int ao, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            one.div(FloatVector.fromArray(S, a, ao + i).sqrt()).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = 1f / (float) Math.sqrt(a[ao + i]);
    }

    /** JDK vector intrinsic (SVML-backed on x86), within 1 ulp. */
    public static void exp(float[] a, int ao, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            VectorMath.exp(FloatVector.fromArray(S, a, ao + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = (float) Math.exp(a[ao + i]);
    }

    /** Natural log via the JDK vector intrinsic: log(0) = -inf, negative gives NaN. */
    public static void log(float[] a, int ao, float[] out, int oo, int n) {
        check(a, ao, n); check(out, oo, n);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            VectorMath.log(FloatVector.fromArray(S, a, ao + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = (float) Math.log(a[ao + i]);
    }
}
