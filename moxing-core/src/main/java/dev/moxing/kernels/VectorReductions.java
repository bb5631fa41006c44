package dev.moxing.kernels;

import static dev.moxing.kernels.VectorOps.L;
import static dev.moxing.kernels.VectorOps.S;
import static dev.moxing.kernels.VectorOps.check;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * Full reductions of one contiguous {@code float} range; single-threaded and allocation-free. The
 * scalar reference is {@link ScalarReductions}.
 *
 * <p><b>Summation order</b> ({@link #sum}, {@link #dot}, {@link #sumSquares}), fixed so that the
 * same input always gives the same bits, whatever its offset and whether the code is interpreted
 * or compiled (which is why the lanes are not combined with {@code reduceLanes(ADD)}, whose order
 * is unspecified). With {@code L} lanes ({@link VectorOps#L}, 16 on AVX-512), the first
 * {@code n - n % L} elements are cut into blocks of {@link #BLOCK} (the last may be shorter).
 * Within a block, each group of 4L consecutive elements is added lane-wise (or fma'd, for dot
 * products) into four float accumulators, vector k of the group into accumulator k; vectors left
 * over at the end of a block that do not fill a group go into accumulator 0. The block's partial is
 * {@code (acc0 + acc1) + (acc2 + acc3)}, lane-wise, then its lanes are folded by halves (lane
 * {@code l += lane l + L/2}, then {@code + L/4}, ..., down to lane 0), and added to a double
 * running total. The last {@code n % L} elements are added to the double total in index order,
 * and the total is rounded to float once. Float error is thus bounded per block (about 24 ulps of
 * the block's sum of magnitudes, far less in practice) and does not grow with n. The order
 * depends on L, so results can differ in the last bits between machines with different vector
 * widths, and from PyTorch (which uses a different cascade).
 *
 * <p><b>Max/min</b> use {@link Math#max}/{@link Math#min} semantics: a NaN anywhere makes the
 * result NaN (as PyTorch's max/min), and +0 beats -0 for max (-0 for min). An empty range gives
 * the identity (-inf for max, +inf for min, 0 for sums), so partial results combine; PyTorch
 * raises on an empty max instead. <b>argmax/argmin</b> return the first index of the extreme
 * value, or the first NaN's index if there is one (PyTorch treats NaN as the extreme); -0 and +0
 * are equal for them; an empty range gives -1.
 */
public final class VectorReductions {

    private VectorReductions() {}

    /** Elements per block of the summation order (see the class comment): 1024 on AVX-512. */
    public static final int BLOCK = 64 * L;

    /** FOLD[k] rotates lanes by L >> (k + 1): lane l takes lane (l + L/2^(k+1)) mod L. */
    private static final VectorShuffle<Float>[] FOLD = folds();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] folds() {
        int steps = Integer.numberOfTrailingZeros(L);
        VectorShuffle<Float>[] f = new VectorShuffle[steps];
        for (int k = 0; k < steps; k++) f[k] = VectorShuffle.iota(S, L >> (k + 1), 1, true);
        return f;
    }

    /**
     * The shuffles that sum a vector's lanes in a fixed order (fold by halves): after
     * {@code for (f : shuffles) v = v.add(v.rearrange(f))} lane 0 holds the sum, with the same
     * bits interpreted and compiled (reduceLanes(ADD) has no fixed order). A new array per call,
     * for a kernel's own static final field.
     */
    public static VectorShuffle<Float>[] foldShuffles() {
        return FOLD.clone();
    }

    public static float sum(float[] a, int ao, int n) {
        check(a, ao, n);
        FloatVector zero = FloatVector.zero(S);
        double total = 0;
        int vend = S.loopBound(n);
        int i = 0;
        while (i < vend) {
            int bend = Math.min(i + BLOCK, vend);
            FloatVector s0 = zero, s1 = zero, s2 = zero, s3 = zero;
            for (; i + 4 * L <= bend; i += 4 * L) {
                s0 = s0.add(FloatVector.fromArray(S, a, ao + i));
                s1 = s1.add(FloatVector.fromArray(S, a, ao + i + L));
                s2 = s2.add(FloatVector.fromArray(S, a, ao + i + 2 * L));
                s3 = s3.add(FloatVector.fromArray(S, a, ao + i + 3 * L));
            }
            for (; i < bend; i += L) s0 = s0.add(FloatVector.fromArray(S, a, ao + i));
            FloatVector p = s0.add(s1).add(s2.add(s3));
            for (VectorShuffle<Float> f : FOLD) p = p.add(p.rearrange(f));
            total += p.lane(0);
        }
        for (; i < n; i++) total += a[ao + i];
        return (float) total;
    }

    /** Sum of squares, in the summation order of {@link #sum}, with one fma per element. */
    public static float sumSquares(float[] a, int ao, int n) {
        check(a, ao, n);
        FloatVector zero = FloatVector.zero(S);
        double total = 0;
        int vend = S.loopBound(n);
        int i = 0;
        while (i < vend) {
            int bend = Math.min(i + BLOCK, vend);
            FloatVector s0 = zero, s1 = zero, s2 = zero, s3 = zero;
            for (; i + 4 * L <= bend; i += 4 * L) {
                FloatVector v0 = FloatVector.fromArray(S, a, ao + i);
                FloatVector v1 = FloatVector.fromArray(S, a, ao + i + L);
                FloatVector v2 = FloatVector.fromArray(S, a, ao + i + 2 * L);
                FloatVector v3 = FloatVector.fromArray(S, a, ao + i + 3 * L);
                s0 = v0.fma(v0, s0);
                s1 = v1.fma(v1, s1);
                s2 = v2.fma(v2, s2);
                s3 = v3.fma(v3, s3);
            }
            for (; i < bend; i += L) {
                FloatVector v = FloatVector.fromArray(S, a, ao + i);
                s0 = v.fma(v, s0);
            }
            FloatVector p = s0.add(s1).add(s2.add(s3));
            for (VectorShuffle<Float> f : FOLD) p = p.add(p.rearrange(f));
            total += p.lane(0);
        }
        for (; i < n; i++) total += (double) a[ao + i] * a[ao + i];
        return (float) total;
    }

    /** Dot product, in the summation order of {@link #sum}, with one fma per element. */
    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        check(a, ao, n); check(b, bo, n);
        FloatVector zero = FloatVector.zero(S);
        double total = 0;
        int vend = S.loopBound(n);
        int i = 0;
        while (i < vend) {
            int bend = Math.min(i + BLOCK, vend);
            FloatVector s0 = zero, s1 = zero, s2 = zero, s3 = zero;
            for (; i + 4 * L <= bend; i += 4 * L) {
                s0 = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), s0);
                s1 = FloatVector.fromArray(S, a, ao + i + L).fma(FloatVector.fromArray(S, b, bo + i + L), s1);
                s2 = FloatVector.fromArray(S, a, ao + i + 2 * L).fma(FloatVector.fromArray(S, b, bo + i + 2 * L), s2);
                s3 = FloatVector.fromArray(S, a, ao + i + 3 * L).fma(FloatVector.fromArray(S, b, bo + i + 3 * L), s3);
            }
            for (; i < bend; i += L) {
                s0 = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), s0);
            }
            FloatVector p = s0.add(s1).add(s2.add(s3));
            for (VectorShuffle<Float> f : FOLD) p = p.add(p.rearrange(f));
            total += p.lane(0);
        }
        for (; i < n; i++) total += (double) a[ao + i] * b[bo + i];
        return (float) total;
    }

    /** Largest element (NaN if any element is NaN); -inf for an empty range. */
    public static float max(float[] a, int ao, int n) {
        check(a, ao, n);
        float m = Float.NEGATIVE_INFINITY;
        int i = 0;
        int vend = S.loopBound(n);
        if (vend > 0) {
            // Four accumulators hide the latency of the NaN-aware max sequence; max is exact and
            // order-independent, so reduceLanes is safe here.
            FloatVector m0 = FloatVector.broadcast(S, m), m1 = m0, m2 = m0, m3 = m0;
            for (; i + 4 * L <= vend; i += 4 * L) {
                m0 = m0.max(FloatVector.fromArray(S, a, ao + i));
                m1 = m1.max(FloatVector.fromArray(S, a, ao + i + L));
                m2 = m2.max(FloatVector.fromArray(S, a, ao + i + 2 * L));
                m3 = m3.max(FloatVector.fromArray(S, a, ao + i + 3 * L));
            }
            for (; i < vend; i += L) m0 = m0.max(FloatVector.fromArray(S, a, ao + i));
            m = m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) m = Math.max(m, a[ao + i]);
        return m;
    }

    /** Smallest element (NaN if any element is NaN); +inf for an empty range. */
    public static float min(float[] a, int ao, int n) {
        check(a, ao, n);
        float m = Float.POSITIVE_INFINITY;
        int i = 0;
        int vend = S.loopBound(n);
        if (vend > 0) {
            FloatVector m0 = FloatVector.broadcast(S, m), m1 = m0, m2 = m0, m3 = m0;
            for (; i + 4 * L <= vend; i += 4 * L) {
                m0 = m0.min(FloatVector.fromArray(S, a, ao + i));
                m1 = m1.min(FloatVector.fromArray(S, a, ao + i + L));
                m2 = m2.min(FloatVector.fromArray(S, a, ao + i + 2 * L));
                m3 = m3.min(FloatVector.fromArray(S, a, ao + i + 3 * L));
            }
            for (; i < vend; i += L) m0 = m0.min(FloatVector.fromArray(S, a, ao + i));
            m = m0.min(m1).min(m2.min(m3)).reduceLanes(VectorOperators.MIN);
        }
        for (; i < n; i++) m = Math.min(m, a[ao + i]);
        return m;
    }

    /** First index of the largest element, or of the first NaN if any; -1 for an empty range. */
    public static int argmax(float[] a, int ao, int n) {
        return argExtreme(a, ao, n, max(a, ao, n));
    }

    /** First index of the smallest element, or of the first NaN if any; -1 for an empty range. */
    public static int argmin(float[] a, int ao, int n) {
        return argExtreme(a, ao, n, min(a, ao, n));
    }

    /**
     * Second pass of argmax/argmin: the first index holding {@code m} (a NaN m: the first NaN).
     * Two vectorised passes beat one pass that tracks indices per lane: the second usually stops
     * early, and neither needs index vectors.
     */
    private static int argExtreme(float[] a, int ao, int n, float m) {
        boolean nan = Float.isNaN(m);
        int i = 0;
        for (int e = S.loopBound(n); i < e; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, ao + i);
            // NaN is the only value unequal to itself.
            VectorMask<Float> hit = nan ? v.compare(VectorOperators.NE, v) : v.compare(VectorOperators.EQ, m);
            if (hit.anyTrue()) return i + hit.firstTrue();
        }
        for (; i < n; i++) {
            float x = a[ao + i];
            if (nan ? Float.isNaN(x) : x == m) return i;
        }
        return -1;
    }
}
