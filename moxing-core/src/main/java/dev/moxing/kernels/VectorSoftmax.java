package dev.moxing.kernels;

import static dev.moxing.kernels.VectorOps.L;
import static dev.moxing.kernels.VectorOps.S;

import java.util.Objects;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * Softmax family over the rows of a row-major block: {@code rows} rows of {@code cols} contiguous
 * elements, row r at offset {@code off + r*cols}. Single-threaded and allocation-free; the output
 * may be the input block (in place). The scalar reference is {@link ScalarSoftmax}.
 *
 * <p>Per-row sums use two float accumulators (the first {@code cols - cols % L} elements
 * alternate between them a vector at a time, a lone last vector goes to the first), then
 * {@code acc0 + acc1}, then lanes folded by halves into lane 0, then the scalar tail added in
 * index order, in float. Rows are short enough (thousands) that this keeps the error at a few
 * ulps, and the order is fixed, so the result is deterministic.
 *
 * <p>Special values, as PyTorch: a row that is all -inf, or has a NaN or +inf, gives NaN
 * throughout (max is -inf, NaN or +inf, and x - max is NaN somewhere); -inf entries in an
 * otherwise finite row give probability 0 (log-probability -inf).
 */
public final class VectorSoftmax {

    private VectorSoftmax() {}

    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Float>[] FOLD = new VectorShuffle[Integer.numberOfTrailingZeros(L)];

    static {
        for (int k = 0; k < FOLD.length; k++) FOLD[k] = VectorShuffle.iota(S, L >> (k + 1), 1, true);
    }

    private static void check(float[] a, int off, int rows, int cols) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("rows=" + rows + " cols=" + cols);
        Objects.checkFromIndexSize(off, Math.multiplyExact(rows, cols), a.length);
    }

    /** {@code y = exp(x - max) / sum(exp(x - max))} per row, the division as a multiply by 1/sum (as PyTorch). */
    public static void softmaxRows(float[] x, int xo, float[] y, int yo, int rows, int cols) {
        check(x, xo, rows, cols); check(y, yo, rows, cols);
        int vend = S.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int xb = xo + r * cols, yb = yo + r * cols;
            float m = VectorReductions.max(x, xb, cols);
            FloatVector vm = FloatVector.broadcast(S, m);
            FloatVector s0 = FloatVector.zero(S), s1 = s0;
            int i = 0;
            for (; i + 2 * L <= vend; i += 2 * L) {
                FloatVector e0 = VectorMath.exp(FloatVector.fromArray(S, x, xb + i).sub(vm));
                FloatVector e1 = VectorMath.exp(FloatVector.fromArray(S, x, xb + i + L).sub(vm));
                e0.intoArray(y, yb + i);
                e1.intoArray(y, yb + i + L);
                s0 = s0.add(e0);
                s1 = s1.add(e1);
            }
            if (i < vend) {
                FloatVector e0 = VectorMath.exp(FloatVector.fromArray(S, x, xb + i).sub(vm));
                e0.intoArray(y, yb + i);
                s0 = s0.add(e0);
                i += L;
            }
            FloatVector p = s0.add(s1);
            for (VectorShuffle<Float> f : FOLD) p = p.add(p.rearrange(f));
            float sum = p.lane(0);
            for (; i < cols; i++) {
                float e = (float) Math.exp(x[xb + i] - m);
                y[yb + i] = e;
                sum += e;
            }
            float inv = 1f / sum;
            i = 0;
            for (; i < vend; i += L) FloatVector.fromArray(S, y, yb + i).mul(inv).intoArray(y, yb + i);
            for (; i < cols; i++) y[yb + i] *= inv;
        }
    }

    /** {@code y = (x - max) - log(sum(exp(x - max)))} per row. */
    public static void logSoftmaxRows(float[] x, int xo, float[] y, int yo, int rows, int cols) {
        check(x, xo, rows, cols); check(y, yo, rows, cols);
        int vend = S.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int xb = xo + r * cols, yb = yo + r * cols;
            float m = VectorReductions.max(x, xb, cols);
            FloatVector vm = FloatVector.broadcast(S, m);
            FloatVector s0 = FloatVector.zero(S), s1 = s0;
            int i = 0;
            for (; i + 2 * L <= vend; i += 2 * L) {
                s0 = s0.add(VectorMath.exp(FloatVector.fromArray(S, x, xb + i).sub(vm)));
                s1 = s1.add(VectorMath.exp(FloatVector.fromArray(S, x, xb + i + L).sub(vm)));
            }
            if (i < vend) {
                s0 = s0.add(VectorMath.exp(FloatVector.fromArray(S, x, xb + i).sub(vm)));
                i += L;
            }
            FloatVector p = s0.add(s1);
            for (VectorShuffle<Float> f : FOLD) p = p.add(p.rearrange(f));
            float sum = p.lane(0);
            for (; i < cols; i++) sum += (float) Math.exp(x[xb + i] - m);
            float lse = (float) Math.log(sum);
            // Written after all reads of the row, so y may alias x.
            i = 0;
            for (; i < vend; i += L) FloatVector.fromArray(S, x, xb + i).sub(vm).sub(lse).intoArray(y, yb + i);
            for (; i < cols; i++) y[yb + i] = (x[xb + i] - m) - lse;
        }
    }

    /**
     * Softmax backward from the forward output y: {@code dx = y * (g - sum(g * y))} per row.
     * dx may alias g or y.
     */
    public static void softmaxBackwardRows(float[] g, int go, float[] y, int yo, float[] dx, int dxo,
                                           int rows, int cols) {
        check(g, go, rows, cols); check(y, yo, rows, cols); check(dx, dxo, rows, cols);
        int vend = S.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int gb = go + r * cols, yb = yo + r * cols, db = dxo + r * cols;
            FloatVector s0 = FloatVector.zero(S), s1 = s0;
            int i = 0;
            for (; i + 2 * L <= vend; i += 2 * L) {
                s0 = FloatVector.fromArray(S, g, gb + i).fma(FloatVector.fromArray(S, y, yb + i), s0);
                s1 = FloatVector.fromArray(S, g, gb + i + L).fma(FloatVector.fromArray(S, y, yb + i + L), s1);
            }
            if (i < vend) {
                s0 = FloatVector.fromArray(S, g, gb + i).fma(FloatVector.fromArray(S, y, yb + i), s0);
                i += L;
            }
            FloatVector p = s0.add(s1);
            for (VectorShuffle<Float> f : FOLD) p = p.add(p.rearrange(f));
            float dot = p.lane(0);
            for (; i < cols; i++) dot = Math.fma(g[gb + i], y[yb + i], dot);
            i = 0;
            for (; i < vend; i += L) {
                FloatVector vy = FloatVector.fromArray(S, y, yb + i);
                vy.mul(FloatVector.fromArray(S, g, gb + i).sub(dot)).intoArray(dx, db + i);
            }
            for (; i < cols; i++) dx[db + i] = y[yb + i] * (g[gb + i] - dot);
        }
    }

    /**
     * Log-softmax backward from the forward output y (log-probabilities):
     * {@code dx = g - exp(y) * sum(g)} per row. dx may alias g or y.
     */
    public static void logSoftmaxBackwardRows(float[] g, int go, float[] y, int yo, float[] dx, int dxo,
                                              int rows, int cols) {
        check(g, go, rows, cols); check(y, yo, rows, cols); check(dx, dxo, rows, cols);
        int vend = S.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int gb = go + r * cols, yb = yo + r * cols, db = dxo + r * cols;
            FloatVector s0 = FloatVector.zero(S), s1 = s0;
            int i = 0;
            for (; i + 2 * L <= vend; i += 2 * L) {
                s0 = s0.add(FloatVector.fromArray(S, g, gb + i));
                s1 = s1.add(FloatVector.fromArray(S, g, gb + i + L));
            }
            if (i < vend) {
                s0 = s0.add(FloatVector.fromArray(S, g, gb + i));
                i += L;
            }
            FloatVector p = s0.add(s1);
            for (VectorShuffle<Float> f : FOLD) p = p.add(p.rearrange(f));
            float sum = p.lane(0);
            for (; i < cols; i++) sum += g[gb + i];
            FloatVector ms = FloatVector.broadcast(S, -sum);
            i = 0;
            for (; i < vend; i += L) {
                FloatVector ey = VectorMath.exp(FloatVector.fromArray(S, y, yb + i));
                ey.fma(ms, FloatVector.fromArray(S, g, gb + i)).intoArray(dx, db + i);
            }
            for (; i < cols; i++) dx[db + i] = Math.fma((float) Math.exp(y[yb + i]), -sum, g[gb + i]);
        }
    }
}
