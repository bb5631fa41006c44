package dev.moxing.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.data.Offset.offset;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Vector API kernel ({@link VectorOps}, {@link VectorActivations}, {@link VectorReductions},
 * {@link VectorSoftmax}) against its scalar reference, on sizes around the vector width (and its
 * multiples of 4, which the reductions unroll by), with nonzero, unequal offsets, guard cells
 * around each output, special values, and in-place (aliased) calls.
 *
 * <p>Tolerances: exact (bitwise, any NaN equal to any NaN) where the vector kernel performs the
 * same correctly rounded float operation as the reference; otherwise
 * {@code |v - r| <= rtol |r| + atol}, with {@code atol} covering either values that underflow
 * differently (a true value below 1e-30 that the kernel returns as 0) or, for gradients, the
 * cancellation near their zero crossing, where the error is relative to the size of the terms,
 * not of the result. Infinities and zeros must match exactly, sign included.
 */
class VectorOpsTest {

    static final int[] SIZES = {0, 1, 7, 15, 16, 17, 31, 33, 1023, 4099};
    static final int AO = 3, BO = 5, OO = 2, GUARD = 4;
    static final float SENTINEL = 12345.678f;
    static final float INF = Float.POSITIVE_INFINITY, NAN = Float.NaN;
    static final float[] GENERAL = {0f, -0f, INF, -INF, NAN, Float.MAX_VALUE, -Float.MAX_VALUE,
            Float.MIN_VALUE, -Float.MIN_NORMAL, 1e30f, -1e30f, 1f, -1f};

    record Tol(double rtol, double atol, boolean exact) {
        static final Tol EXACT = new Tol(0, 0, true);
        static Tol of(double rtol, double atol) { return new Tol(rtol, atol, false); }
    }

    interface Gen { float next(Random r); }

    static Gen uniform(double lo, double hi) { return r -> (float) (lo + (hi - lo) * r.nextDouble()); }

    /** |x| log-uniform in [lo, hi], sign random if {@code signed}. */
    static Gen logUniform(double lo, double hi, boolean signed) {
        return r -> {
            float v = (float) Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * r.nextDouble());
            return signed && r.nextBoolean() ? -v : v;
        };
    }

    /** Random values after {@code off}, with the specials spread over the range (vector body and tail). */
    static float[] input(Random r, int n, int off, Gen gen, float[] specials) {
        float[] a = new float[off + n + GUARD];
        for (int i = 0; i < a.length; i++) a[i] = gen.next(r);
        if (n > 0) for (int j = 0; j < specials.length && j < n; j++) a[off + (j * 37 + 5) % n] = specials[j];
        return a;
    }

    static float[] output(int n) {
        float[] o = new float[OO + n + GUARD];
        Arrays.fill(o, SENTINEL);
        return o;
    }

    static boolean close(float r, float v, Tol t) {
        if (Float.isNaN(r) || Float.isNaN(v)) return Float.isNaN(r) && Float.isNaN(v);
        if (Float.floatToIntBits(r) == Float.floatToIntBits(v)) return true;
        // Beyond bitwise equality: no sign flips of zero and no infinity mismatches.
        if (t.exact || Float.isInfinite(r) || Float.isInfinite(v) || (r == 0f && v == 0f)) return false;
        return Math.abs((double) v - r) <= t.rtol * Math.abs(r) + t.atol;
    }

    /** Compares outputs in [OO, OO + n) and checks the guard cells were not written. */
    static void compare(String what, float[] ref, float[] vec, int n, Tol tol, float[]... inputs) {
        for (int i = 0; i < ref.length; i++) {
            boolean inside = i >= OO && i < OO + n;
            if (!inside) {
                assertThat(vec[i]).as("%s n=%d: guard cell %d overwritten", what, n, i).isEqualTo(SENTINEL);
                continue;
            }
            if (!close(ref[i], vec[i], tol)) {
                StringBuilder in = new StringBuilder();
                for (float[] x : inputs) in.append(' ').append(x[i]);
                fail("%s n=%d at %d: expected %s got %s (rel err %.3g) for inputs%s", what, n, i - OO,
                        ref[i], vec[i], Math.abs(((double) vec[i] - ref[i]) / ref[i]), in);
            }
        }
    }

    // ---------------------------------------------------------------- unary

    interface Unary { void run(float[] a, int ao, float[] out, int oo, int n); }

    record UnaryCase(String name, Unary vec, Unary ref, Gen gen, float[] specials, Tol tol) {
        @Override public String toString() { return name; }
    }

    static Stream<UnaryCase> unaryCases() {
        Tol transcendental = Tol.of(2e-6, 1e-30);
        float[] positive = {0f, -0f, INF, NAN, Float.MIN_VALUE, Float.MAX_VALUE, 1f, -1f, -INF};
        return Stream.of(
                new UnaryCase("neg", VectorOps::neg, ScalarOps::neg, uniform(-100, 100), GENERAL, Tol.EXACT),
                new UnaryCase("abs", VectorOps::abs, ScalarOps::abs, uniform(-100, 100), GENERAL, Tol.EXACT),
                new UnaryCase("square", VectorOps::square, ScalarOps::square, uniform(-1e3, 1e3), GENERAL, Tol.EXACT),
                new UnaryCase("sqrt", VectorOps::sqrt, ScalarOps::sqrt, logUniform(1e-30, 1e30, false), positive, Tol.EXACT),
                new UnaryCase("rsqrt", VectorOps::rsqrt, ScalarOps::rsqrt, logUniform(1e-30, 1e30, false), positive,
                        Tol.of(1.2e-7, 0)),
                new UnaryCase("exp", VectorOps::exp, ScalarOps::exp, uniform(-100, 90),
                        new float[] {0f, -0f, INF, -INF, NAN, 88.72f, 88.73f, -87.3f, -103.9f, 1e-7f}, transcendental),
                new UnaryCase("log", VectorOps::log, ScalarOps::log, logUniform(1e-38, 1e38, false),
                        new float[] {0f, -0f, INF, -INF, NAN, -1f, 1f, 1.0000001f, 0.99999994f, Float.MIN_VALUE},
                        Tol.of(2e-6, 0)),
                new UnaryCase("log near 1", VectorOps::log, ScalarOps::log, uniform(0.5, 2), positive, Tol.of(2e-6, 0)),
                new UnaryCase("relu", VectorActivations::relu, ScalarActivations::relu, uniform(-10, 10), GENERAL, Tol.EXACT),
                new UnaryCase("sigmoid", VectorActivations::sigmoid, ScalarActivations::sigmoid, uniform(-40, 40),
                        new float[] {0f, -0f, INF, -INF, NAN, 100f, -100f, 89f, -89f, 1e-8f}, transcendental),
                new UnaryCase("tanh", VectorActivations::tanh, ScalarActivations::tanh, uniform(-12, 12), GENERAL,
                        transcendental),
                new UnaryCase("tanh small", VectorActivations::tanh, ScalarActivations::tanh,
                        logUniform(1e-20, 1, true), GENERAL, transcendental),
                new UnaryCase("silu", VectorActivations::silu, ScalarActivations::silu, uniform(-40, 40),
                        new float[] {0f, -0f, INF, -INF, NAN, 100f, -100f, 89f, -89f, 1e-8f}, transcendental),
                new UnaryCase("erf", VectorActivations::erf, ScalarActivations::erf, uniform(-5, 5), GENERAL,
                        Tol.of(1e-7, 8e-8)),
                new UnaryCase("erf small", VectorActivations::erf, ScalarActivations::erf, logUniform(1e-30, 1, true),
                        GENERAL, Tol.of(2.5e-7, 0)),
                new UnaryCase("gelu", VectorActivations::gelu, ScalarActivations::gelu, uniform(-14, 12), GENERAL,
                        Tol.of(1e-6, 1e-37)),
                new UnaryCase("gelu small", VectorActivations::gelu, ScalarActivations::gelu, logUniform(1e-30, 1, true),
                        GENERAL, Tol.of(2.5e-7, 0)),
                // Below x = -6 the exponent -2u exceeds 32 and its float rounding alone costs 2e-6
                // relative (where |value| < 1e-13); atol covers that far tail.
                new UnaryCase("geluTanh", VectorActivations::geluTanh, ScalarActivations::geluTanh, uniform(-12, 12),
                        GENERAL, Tol.of(2e-6, 1e-13)));
    }

    @ParameterizedTest
    @MethodSource("unaryCases")
    void unaryMatchesReference(UnaryCase c) {
        Random r = new Random(c.name.hashCode());
        for (int n : SIZES) {
            float[] a = input(r, n, AO, c.gen, c.specials);
            float[] ref = output(n), vec = output(n);
            c.ref.run(a, AO, ref, OO, n);
            c.vec.run(a, AO, vec, OO, n);
            compare(c.name, ref, vec, n, c.tol, shift(a, AO));
            // In place: out is the input range itself.
            float[] inPlace = a.clone();
            c.vec.run(inPlace, AO, inPlace, AO, n);
            assertThat(Arrays.copyOfRange(inPlace, AO, AO + n)).as("%s in place n=%d", c.name, n)
                    .isEqualTo(Arrays.copyOfRange(vec, OO, OO + n));
        }
    }

    /** Re-bases an input so that index OO + i of the output lines up with its element i. */
    static float[] shift(float[] a, int off) {
        float[] s = new float[a.length - off + OO];
        System.arraycopy(a, off, s, OO, a.length - off);
        return s;
    }

    // ---------------------------------------------------------------- binary and backward

    interface Binary { void run(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n); }

    record BinaryCase(String name, Binary vec, Binary ref, Gen genA, Gen genB, float[] specials, Tol tol) {
        @Override public String toString() { return name; }
    }

    static Stream<BinaryCase> binaryCases() {
        Gen wide = uniform(-100, 100);
        Gen grad = uniform(-2, 2);
        float[] none = {};
        return Stream.of(
                new BinaryCase("add", VectorOps::add, ScalarOps::add, wide, wide, GENERAL, Tol.EXACT),
                new BinaryCase("sub", VectorOps::sub, ScalarOps::sub, wide, wide, GENERAL, Tol.EXACT),
                new BinaryCase("mul", VectorOps::mul, ScalarOps::mul, wide, wide, GENERAL, Tol.EXACT),
                new BinaryCase("div", VectorOps::div, ScalarOps::div, wide, wide, GENERAL, Tol.EXACT),
                new BinaryCase("max", VectorOps::max, ScalarOps::max, wide, wide, GENERAL, Tol.EXACT),
                new BinaryCase("min", VectorOps::min, ScalarOps::min, wide, wide, GENERAL, Tol.EXACT),
                new BinaryCase("reluBackward", VectorActivations::reluBackward, ScalarActivations::reluBackward,
                        grad, uniform(-10, 10), GENERAL, Tol.EXACT),
                new BinaryCase("sigmoidBackward", VectorActivations::sigmoidBackward,
                        ScalarActivations::sigmoidBackward, grad, uniform(0, 1), none, Tol.of(3e-7, 0)),
                new BinaryCase("tanhBackward", VectorActivations::tanhBackward, ScalarActivations::tanhBackward,
                        grad, uniform(-1, 1), none, Tol.of(3e-7, 0)),
                new BinaryCase("siluBackward", VectorActivations::siluBackward, ScalarActivations::siluBackward,
                        grad, uniform(-20, 20), none, Tol.of(2e-6, 2e-7)),
                new BinaryCase("geluBackward", VectorActivations::geluBackward, ScalarActivations::geluBackward,
                        grad, uniform(-12, 12), none, Tol.of(2e-6, 2e-7)),
                new BinaryCase("geluTanhBackward", VectorActivations::geluTanhBackward,
                        ScalarActivations::geluTanhBackward, grad, uniform(-12, 12), none, Tol.of(2e-6, 2e-7)));
    }

    @ParameterizedTest
    @MethodSource("binaryCases")
    void binaryMatchesReference(BinaryCase c) {
        Random r = new Random(c.name.hashCode());
        for (int n : SIZES) {
            float[] a = input(r, n, AO, c.genA, c.specials);
            // Specials in b at other positions than in a, plus some pairs of specials.
            float[] b = input(r, n, BO, c.genB, c.specials);
            if (n > 20) for (int j = 0; j < c.specials.length; j++) b[BO + (j * 37 + 5) % n + 1] = c.specials[j];
            float[] ref = output(n), vec = output(n);
            c.ref.run(a, AO, b, BO, ref, OO, n);
            c.vec.run(a, AO, b, BO, vec, OO, n);
            compare(c.name, ref, vec, n, c.tol, shift(a, AO), shift(b, BO));
            float[] aliasA = a.clone(), aliasB = b.clone();
            c.vec.run(aliasA, AO, b, BO, aliasA, AO, n);
            c.vec.run(a, AO, aliasB, BO, aliasB, BO, n);
            assertThat(Arrays.copyOfRange(aliasA, AO, AO + n)).as("%s out=a n=%d", c.name, n)
                    .isEqualTo(Arrays.copyOfRange(vec, OO, OO + n));
            assertThat(Arrays.copyOfRange(aliasB, BO, BO + n)).as("%s out=b n=%d", c.name, n)
                    .isEqualTo(Arrays.copyOfRange(vec, OO, OO + n));
        }
    }

    // ---------------------------------------------------------------- array-scalar

    interface WithScalar { void run(float[] a, int ao, float s, float[] out, int oo, int n); }

    static Stream<Arguments> scalarCases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (float s : new float[] {1.5f, -3f, 0f, -0f, 1e-30f, INF, NAN}) {
            b.add(Arguments.of("addScalar", s, (WithScalar) VectorOps::addScalar, (WithScalar) ScalarOps::addScalar));
            b.add(Arguments.of("mulScalar", s, (WithScalar) VectorOps::mulScalar, (WithScalar) ScalarOps::mulScalar));
            b.add(Arguments.of("divScalar", s, (WithScalar) VectorOps::divScalar, (WithScalar) ScalarOps::divScalar));
            b.add(Arguments.of("rsub", s, (WithScalar) VectorOps::rsub, (WithScalar) ScalarOps::rsub));
            b.add(Arguments.of("rdiv", s, (WithScalar) VectorOps::rdiv, (WithScalar) ScalarOps::rdiv));
            b.add(Arguments.of("maxScalar", s, (WithScalar) VectorOps::maxScalar, (WithScalar) ScalarOps::maxScalar));
            b.add(Arguments.of("minScalar", s, (WithScalar) VectorOps::minScalar, (WithScalar) ScalarOps::minScalar));
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0}({1})")
    @MethodSource("scalarCases")
    void scalarOpsAreExact(String name, float s, WithScalar vec, WithScalar ref) {
        Random r = new Random(name.hashCode() + Float.floatToIntBits(s));
        for (int n : SIZES) {
            float[] a = input(r, n, AO, uniform(-100, 100), GENERAL);
            float[] ro = output(n), vo = output(n);
            ref.run(a, AO, s, ro, OO, n);
            vec.run(a, AO, s, vo, OO, n);
            compare(name + "(" + s + ")", ro, vo, n, Tol.EXACT, shift(a, AO));
            vec.run(a, AO, s, a, AO, n);
            assertThat(Arrays.copyOfRange(a, AO, AO + n)).isEqualTo(Arrays.copyOfRange(vo, OO, OO + n));
        }
    }

    @Test
    void clampMatchesReference() {
        Random r = new Random(7);
        float[][] bounds = {{-1f, 2f}, {0f, 0f}, {3f, -3f}, {-INF, INF}, {NAN, 1f}, {-0f, 0f}};
        for (float[] lh : bounds) {
            for (int n : SIZES) {
                float[] a = input(r, n, AO, uniform(-5, 5), GENERAL);
                float[] ro = output(n), vo = output(n);
                ScalarOps.clamp(a, AO, lh[0], lh[1], ro, OO, n);
                VectorOps.clamp(a, AO, lh[0], lh[1], vo, OO, n);
                compare("clamp" + Arrays.toString(lh), ro, vo, n, Tol.EXACT, shift(a, AO));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("powExponents")
    void powScalarMatchesReference(float p) {
        Random r = new Random(Float.floatToIntBits(p));
        float[] specials = {0f, -0f, INF, -INF, NAN, 1f, -1f, Float.MIN_VALUE, -2f, 1e20f, -1e20f, 1e-20f};
        for (Gen gen : new Gen[] {uniform(-10, 10), logUniform(1e-6, 1e6, false)}) {
            for (int n : SIZES) {
                float[] a = input(r, n, AO, gen, specials);
                float[] ro = output(n), vo = output(n);
                ScalarOps.powScalar(a, AO, p, ro, OO, n);
                VectorOps.powScalar(a, AO, p, vo, OO, n);
                compare("pow " + p, ro, vo, n, Tol.of(2.4e-7, 0), shift(a, AO));
            }
        }
    }

    static Stream<Float> powExponents() {
        return Stream.of(0f, 1f, 2f, 3f, 0.5f, -0.5f, -1f, -2f, 2.5f, -1.7f, 4f, 5f, -3f, 7.25f, 1e-3f, 1e9f, 3e7f + 1,
                INF, -INF, NAN);
    }

    @Test
    void powScalarFollowsMathPowSigns() {
        float[] a = {-0f, 0f, -INF, INF, -2f, -1f, NAN, -8f};
        for (float p : new float[] {5f, -5f, 2.5f, -2.5f, 4f, 1f / 3}) {
            float[] out = new float[a.length];
            VectorOps.powScalar(a, 0, p, out, 0, a.length);
            for (int i = 0; i < a.length; i++) {
                assertThat(Float.floatToIntBits(out[i])).as("%s^%s = %s", a[i], p, out[i])
                        .isEqualTo(Float.floatToIntBits((float) Math.pow(a[i], p)));
            }
        }
    }

    @Test
    void scaleAddAndAccumulateMatchReference() {
        Random r = new Random(11);
        for (float alpha : new float[] {0.37f, -2f, 0f, 1f}) {
            for (int n : SIZES) {
                float[] x = input(r, n, AO, uniform(-10, 10), new float[] {INF, NAN, -0f});
                float[] y = input(r, n, OO, uniform(-10, 10), new float[] {1f, 2f, -0f});
                float[] ry = y.clone(), vy = y.clone();
                ScalarOps.scaleAdd(x, AO, alpha, ry, OO, n);
                VectorOps.scaleAdd(x, AO, alpha, vy, OO, n);
                for (int i = 0; i < y.length; i++) {
                    assertThat(close(ry[i], vy[i], Tol.of(1.2e-7, 0))).as("scaleAdd n=%d i=%d %s vs %s", n, i,
                            ry[i], vy[i]).isTrue();
                }
                ry = y.clone(); vy = y.clone();
                ScalarOps.accumulate(x, AO, ry, OO, n);
                VectorOps.accumulate(x, AO, vy, OO, n);
                assertThat(vy).isEqualTo(ry);
            }
        }
    }

    @Test
    void badRangesThrowBeforeWriting() {
        float[] a = new float[20], out = new float[20];
        Arrays.fill(out, SENTINEL);
        assertThatThrownBy(() -> VectorOps.exp(a, 0, out, 5, 16))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> VectorReductions.sum(a, -1, 4))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(out).containsOnly(SENTINEL);
    }

    // ---------------------------------------------------------------- reductions

    static final double EPS = Math.ulp(1f) / 2;

    /** Error bound for a float-accumulated sum of terms with absolute sum {@code mag}. */
    static double sumTol(int n, double mag, double ref) {
        return 2 * Math.sqrt(Math.max(n, 1)) * EPS * mag + EPS * Math.abs(ref) + Float.MIN_VALUE;
    }

    @Test
    void sumsMatchReference() {
        Random r = new Random(21);
        for (int n : SIZES) {
            float[] a = input(r, n, AO, uniform(-10, 10), new float[0]);
            float[] b = input(r, n, BO, uniform(-10, 10), new float[0]);
            double mag = 0, magSq = 0, magDot = 0;
            for (int i = 0; i < n; i++) {
                mag += Math.abs(a[AO + i]);
                magSq += (double) a[AO + i] * a[AO + i];
                magDot += Math.abs((double) a[AO + i] * b[BO + i]);
            }
            float ref = ScalarReductions.sum(a, AO, n), vec = VectorReductions.sum(a, AO, n);
            assertThat((double) vec).as("sum n=%d", n).isCloseTo(ref, offset(sumTol(n, mag, ref)));
            ref = ScalarReductions.sumSquares(a, AO, n);
            vec = VectorReductions.sumSquares(a, AO, n);
            assertThat((double) vec).as("sumSquares n=%d", n).isCloseTo(ref, offset(sumTol(n, magSq, ref)));
            ref = ScalarReductions.dot(a, AO, b, BO, n);
            vec = VectorReductions.dot(a, AO, b, BO, n);
            assertThat((double) vec).as("dot n=%d", n).isCloseTo(ref, offset(sumTol(n, magDot, ref)));
            // The summation order depends only on n, not on where the range starts.
            float[] moved = new float[n + 9];
            System.arraycopy(a, AO, moved, 9, n);
            assertThat(VectorReductions.sum(moved, 9, n)).isEqualTo(VectorReductions.sum(a, AO, n));
        }
    }

    @Test
    void longSumStaysAccurate() {
        // 512K positive values: a sequential float loop drifts by ~1e-5 relative; blocks keep it near 1e-7.
        int n = 1 << 19;
        float[] a = new float[n];
        Random r = new Random(5);
        for (int i = 0; i < n; i++) a[i] = r.nextFloat();
        double ref = 0;
        for (float v : a) ref += v;
        assertThat(Math.abs(VectorReductions.sum(a, 0, n) / ref - 1)).isLessThan(3e-7);
        assertThat(VectorReductions.sum(a, 0, n)).isEqualTo(VectorReductions.sum(a, 0, n));
    }

    @Test
    void reductionSpecialValues() {
        Random r = new Random(9);
        for (int n : SIZES) {
            if (n == 0) {
                float[] e = new float[3];
                assertThat(VectorReductions.sum(e, 1, 0)).isEqualTo(0f);
                assertThat(VectorReductions.max(e, 1, 0)).isEqualTo(-INF);
                assertThat(VectorReductions.min(e, 1, 0)).isEqualTo(INF);
                assertThat(VectorReductions.argmax(e, 1, 0)).isEqualTo(-1);
                assertThat(VectorReductions.argmin(e, 1, 0)).isEqualTo(-1);
                continue;
            }
            // Ties: few distinct values, so first-index semantics matter.
            float[] a = input(r, n, AO, x -> (float) (x.nextInt(5) - 2), new float[0]);
            checkExtremes("ties", a, n);
            a[AO + n / 2] = INF;
            a[AO + n - 1] = -INF;
            checkExtremes("infinities", a, n);
            if (n == 1) assertThat(VectorReductions.sum(a, AO, n)).isEqualTo(-INF);
            else assertThat(VectorReductions.sum(a, AO, n)).isNaN();
            a[AO + n - 1] = NAN;
            if (n > 2) a[AO + 2 * n / 3] = NAN;
            checkExtremes("NaN", a, n);
            assertThat(VectorReductions.sum(a, AO, n)).isNaN();
            assertThat(VectorReductions.max(a, AO, n)).isNaN();
            assertThat(VectorReductions.argmax(a, AO, n)).isEqualTo(n > 2 ? 2 * n / 3 : n - 1);
            // Signed zeros: -0 first; max is +0 (Math.max), argmax finds the first zero.
            float[] z = new float[AO + n + 1];
            z[AO] = -0f;
            checkExtremes("zeros", z, n);
            assertThat(VectorReductions.max(z, AO, n)).isEqualTo(n == 1 ? -0f : 0f);
            assertThat(VectorReductions.argmax(z, AO, n)).isEqualTo(0);
            Arrays.fill(z, -INF);
            checkExtremes("all -inf", z, n);
        }
    }

    static void checkExtremes(String what, float[] a, int n) {
        assertThat(Float.floatToIntBits(VectorReductions.max(a, AO, n))).as("%s max n=%d", what, n)
                .isEqualTo(Float.floatToIntBits(ScalarReductions.max(a, AO, n)));
        assertThat(Float.floatToIntBits(VectorReductions.min(a, AO, n))).as("%s min n=%d", what, n)
                .isEqualTo(Float.floatToIntBits(ScalarReductions.min(a, AO, n)));
        assertThat(VectorReductions.argmax(a, AO, n)).as("%s argmax n=%d", what, n)
                .isEqualTo(ScalarReductions.argmax(a, AO, n));
        assertThat(VectorReductions.argmin(a, AO, n)).as("%s argmin n=%d", what, n)
                .isEqualTo(ScalarReductions.argmin(a, AO, n));
    }

    @Test
    void randomExtremesMatchReference() {
        Random r = new Random(13);
        for (int n : SIZES) checkExtremes("random", input(r, n, AO, uniform(-1e6, 1e6), new float[0]), n);
    }

    // ---------------------------------------------------------------- softmax

    interface Rows { void run(float[] x, int xo, float[] y, int yo, int rows, int cols); }

    interface RowsBackward { void run(float[] g, int go, float[] y, int yo, float[] dx, int dxo, int rows, int cols); }

    @Test
    void softmaxFamilyMatchesReference() {
        Random r = new Random(17);
        int rows = 3;
        for (int cols : SIZES) {
            int n = rows * cols;
            // |x - max| < 32, so rounding x - max (as PyTorch does, in float) costs at most 1e-6 relative.
            float[] x = input(r, n, AO, uniform(-15, 15), new float[0]);
            if (cols > 2) { x[AO + cols] = -INF; x[AO + 2 * cols - 1] = -INF; } // masked entries in row 1
            float[] g = input(r, n, BO, uniform(-1, 1), new float[0]);
            checkRows("softmax", VectorSoftmax::softmaxRows, ScalarSoftmax::softmaxRows, x, rows, cols, Tol.of(2e-6, 1e-30));
            checkRows("logSoftmax", VectorSoftmax::logSoftmaxRows, ScalarSoftmax::logSoftmaxRows, x, rows, cols,
                    Tol.of(2e-6, 2e-6));
            float[] y = new float[AO + n + GUARD];
            ScalarSoftmax.softmaxRows(x, AO, y, AO, rows, cols);
            checkRowsBackward("softmaxBackward", VectorSoftmax::softmaxBackwardRows, ScalarSoftmax::softmaxBackwardRows,
                    g, y, rows, cols, Tol.of(2e-6, 2e-7));
            ScalarSoftmax.logSoftmaxRows(x, AO, y, AO, rows, cols);
            checkRowsBackward("logSoftmaxBackward", VectorSoftmax::logSoftmaxBackwardRows,
                    ScalarSoftmax::logSoftmaxBackwardRows, g, y, rows, cols, Tol.of(2e-6, 1e-6));
        }
    }

    static void checkRows(String what, Rows vec, Rows ref, float[] x, int rows, int cols, Tol tol) {
        int n = rows * cols;
        float[] ro = output(n), vo = output(n);
        ref.run(x, AO, ro, OO, rows, cols);
        vec.run(x, AO, vo, OO, rows, cols);
        compare(what + " cols=" + cols, ro, vo, n, tol, shift(x, AO));
        float[] inPlace = x.clone();
        vec.run(inPlace, AO, inPlace, AO, rows, cols);
        assertThat(Arrays.copyOfRange(inPlace, AO, AO + n)).as("%s in place", what)
                .isEqualTo(Arrays.copyOfRange(vo, OO, OO + n));
    }

    static void checkRowsBackward(String what, RowsBackward vec, RowsBackward ref, float[] g, float[] y, int rows,
                                  int cols, Tol tol) {
        int n = rows * cols;
        float[] ro = output(n), vo = output(n);
        ref.run(g, BO, y, AO, ro, OO, rows, cols);
        vec.run(g, BO, y, AO, vo, OO, rows, cols);
        compare(what + " cols=" + cols, ro, vo, n, tol, shift(g, BO), shift(y, AO));
        float[] gInPlace = g.clone();
        vec.run(gInPlace, BO, y, AO, gInPlace, BO, rows, cols);
        assertThat(Arrays.copyOfRange(gInPlace, BO, BO + n)).as("%s dx=g", what)
                .isEqualTo(Arrays.copyOfRange(vo, OO, OO + n));
    }

    @Test
    void softmaxOfAllMinusInfinityRowIsNaN() {
        float[] x = {1f, 2f, 3f, -INF, -INF, -INF, NAN, 0f, 0f};
        float[] y = new float[9], ly = new float[9];
        VectorSoftmax.softmaxRows(x, 0, y, 0, 3, 3);
        VectorSoftmax.logSoftmaxRows(x, 0, ly, 0, 3, 3);
        assertThat(Arrays.copyOfRange(y, 3, 9)).containsOnly(NAN);
        assertThat(Arrays.copyOfRange(ly, 3, 9)).containsOnly(NAN);
        assertThat(y[0] + y[1] + y[2]).isCloseTo(1f, offset(1e-6f));
    }

    // ---------------------------------------------------------------- erf accuracy

    @Test
    void doubleErfMatchesHighPrecisionValues() {
        // 20-digit values from mpmath.
        double[][] erf = {{1e-10, 1.1283791670955125739e-10}, {0.1, 0.1124629160182848922},
                {0.5, 0.52049987781304653768}, {1, 0.84270079294971486934}, {1.5, 0.96610514647531072707},
                {2, 0.99532226501895273416}, {2.4999, 0.99959283009966654908}, {2.5, 0.99959304798255504106},
                {3, 0.99997790950300141456}, {4, 0.99999998458274209972}, {6, 0.99999999999999997848}};
        for (double[] v : erf) {
            assertThat(ScalarActivations.erf(v[0])).as("erf(%s)", v[0]).isCloseTo(v[1], offset(4e-16));
            assertThat(ScalarActivations.erf(-v[0])).isEqualTo(-ScalarActivations.erf(v[0]));
        }
        double[][] erfc = {{-1, 1.8427007929497148693}, {0.5, 0.47950012218695346232},
                {2, 0.0046777349810472658379}, {2.5, 0.00040695201744495893956}, {3, 0.000022090496998585441373},
                {5, 1.5374597944280348502e-12}, {10, 2.088487583762544757e-45}, {26, 5.6631924088561428465e-296}};
        for (double[] v : erfc) {
            assertThat(ScalarActivations.erfc(v[0]) / v[1] - 1).as("erfc(%s)", v[0]).isBetween(-1e-15, 1e-15);
        }
        assertThat(ScalarActivations.erf(Double.POSITIVE_INFINITY)).isEqualTo(1.0);
        assertThat(ScalarActivations.erf(-0.0)).isEqualTo(-0.0);
        assertThat(ScalarActivations.erf(Double.NaN)).isNaN();
    }

    @Test
    void vectorErfAndGeluAccuracyOnDenseGrid() {
        int n = 40_001;
        float[] x = new float[n], e = new float[n], g = new float[n];
        for (int i = 0; i < n; i++) x[i] = -10f + 20f * i / (n - 1);
        VectorActivations.erf(x, 0, e, 0, n);
        VectorActivations.gelu(x, 0, g, 0, n);
        double erfErr = 0, geluErr = 0;
        for (int i = 0; i < n; i++) {
            erfErr = Math.max(erfErr, Math.abs(e[i] - ScalarActivations.erf(x[i])));
            double ref = x[i] * ScalarActivations.phi(x[i]);
            if (Math.abs(ref) > 1e-30) geluErr = Math.max(geluErr, Math.abs(g[i] / ref - 1));
        }
        assertThat(erfErr).as("erf max abs error").isLessThan(8e-8);
        assertThat(geluErr).as("gelu max rel error").isLessThan(6e-7);
    }
}
