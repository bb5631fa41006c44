package dev.moxing.tensor;

import dev.moxing.kernels.VectorOps;
import dev.moxing.kernels.VectorReductions;
import dev.moxing.kernels.VectorSoftmax;
import dev.moxing.parallel.WorkerPool;

/**
 * Reductions and the softmax family. Every reduction is brought to one of two fast layouts: the
 * reduced dims last (each output is a contiguous row: vector sum/max per row) or the reduced dims
 * first (outputs accumulate whole rows: vector adds). Any other layout is permuted into the first
 * with one copy.
 */
final class Reductions {
    private Reductions() {
    }

    static int[] allDims(int rank) {
        int[] d = new int[rank];
        for (int i = 0; i < rank; i++) d[i] = i;
        return d;
    }

    static boolean[] reducedMask(String op, int[] dims, int rank) {
        boolean[] r = new boolean[rank];
        for (int dim : dims) {
            int d = Shape.dim(op, dim, Math.max(rank, 1));
            if (d < rank) r[d] = true;
        }
        return r;
    }

    static int count(int[] shape, boolean[] reduced) {
        int c = 1;
        for (int i = 0; i < shape.length; i++) if (reduced[i]) c *= shape[i];
        return c;
    }

    /** Sum over the dims flagged in {@code reduced}. */
    static Tensor sum(Tensor t, boolean[] reduced, boolean keepdim) {
        Elementwise.requireF32("sum", t);
        int[] shape = t.shapeRef();
        int[] outShape = Shape.reduced(shape, reduced, keepdim);
        int rank = shape.length;
        int firstKept = rank, lastReduced = -1, lastKept = -1, firstReduced = rank;
        for (int i = 0; i < rank; i++) {
            if (reduced[i]) {
                lastReduced = i;
                firstReduced = Math.min(firstReduced, i);
            } else {
                lastKept = i;
                firstKept = Math.min(firstKept, i);
            }
        }
        int inner = count(shape, reduced);
        int outer = Shape.numel(shape) / Math.max(1, inner);
        if (inner == 0 || Shape.numel(shape) == 0) return Tensor.zeros(outShape);
        if (t.isContiguous() && lastKept < firstReduced) {
            return Tensor.wrap(sumRows(t.floats(), t.offset(), outer, inner), outShape); // reduced dims last
        }
        if (t.isContiguous() && lastReduced < firstKept) {
            return Tensor.wrap(sumLeading(t.floats(), t.offset(), inner, outer), outShape); // reduced dims first
        }
        // Permute kept dims first, reduced last, then copy once.
        int[] perm = new int[rank];
        int j = 0;
        for (int i = 0; i < rank; i++) if (!reduced[i]) perm[j++] = i;
        for (int i = 0; i < rank; i++) if (reduced[i]) perm[j++] = i;
        Tensor p = Views.permute(t, perm);
        float[] data = p.toFloatArray();
        return Tensor.wrap(sumRows(data, 0, outer, inner), outShape);
    }

    /** out[r] = Σ x[off + r*cols .. +cols). One row with many columns is split into fixed chunks. */
    private static float[] sumRows(float[] x, int off, int rows, int cols) {
        float[] out = new float[rows];
        WorkerPool pool = WorkerPool.shared();
        if (rows == 1 && cols >= 2 * Elementwise.GRAIN) {
            int chunks = pool.chunksFor(cols, Elementwise.GRAIN);
            float[] partial = new float[chunks];
            pool.run(chunks, (c, cs) -> {
                int from = (int) ((long) cols * c / cs), to = (int) ((long) cols * (c + 1) / cs);
                partial[c] = VectorReductions.sum(x, off + from, to - from);
            });
            float s = 0;
            for (float p : partial) s += p;
            out[0] = s;
            return out;
        }
        pool.parallelFor(0, rows, Math.max(1, Elementwise.GRAIN / cols), (r0, r1) -> {
            for (int r = r0; r < r1; r++) out[r] = VectorReductions.sum(x, off + r * cols, cols);
        });
        return out;
    }

    /** out[c] = Σ_r x[off + r*cols + c]: adds whole rows, split over column ranges. */
    private static float[] sumLeading(float[] x, int off, int rows, int cols) {
        float[] out = new float[cols];
        WorkerPool.shared().parallelFor(0, cols, Math.max(64, Elementwise.GRAIN / Math.max(1, rows)), (c0, c1) -> {
            for (int r = 0; r < rows; r++) VectorOps.accumulate(x, off + r * cols + c0, out, c0, c1 - c0);
        });
        return out;
    }

    /** Reduces broadcast dims of t so that it has the target shape. */
    static Tensor sumTo(Tensor t, int[] target) {
        int[] shape = t.shapeRef();
        if (Shape.same(shape, target)) return t;
        int lead = shape.length - target.length;
        if (lead < 0) {
            throw new IllegalArgumentException("sumTo: cannot reduce " + Shape.str(shape) + " to " + Shape.str(target));
        }
        boolean[] r = new boolean[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (i < lead) r[i] = true;
            else if (target[i - lead] == 1 && shape[i] != 1) r[i] = true;
            else if (target[i - lead] != shape[i]) {
                throw new IllegalArgumentException("sumTo: cannot reduce " + Shape.str(shape) + " to " + Shape.str(target));
            }
        }
        Tensor s = sum(t, r, true);
        return Views.view(s.isContiguous() ? s : s.contiguousCopy(), target);
    }

    /** Softmax (or log-softmax) along dim d. */
    static Tensor softmax(Tensor t, int d, boolean log) {
        Elementwise.requireF32(log ? "logSoftmax" : "softmax", t);
        int[] shape = t.shapeRef();
        if (shape.length == 0) return log ? Tensor.zeros() : Tensor.ones();
        int rank = shape.length;
        Tensor src = Views.moveDimLast(t, d);
        float[] x = src.isContiguous() ? src.floats() : src.toFloatArray();
        int xo = src.isContiguous() ? src.offset() : 0;
        int cols = src.shapeRef()[rank - 1];
        int rows = cols == 0 ? 0 : Shape.numel(src.shapeRef()) / cols;
        float[] y = new float[rows * cols];
        WorkerPool.shared().parallelFor(0, rows, Math.max(1, Elementwise.GRAIN / Math.max(1, cols)), (r0, r1) -> {
            if (log) VectorSoftmax.logSoftmaxRows(x, xo + r0 * cols, y, r0 * cols, r1 - r0, cols);
            else VectorSoftmax.softmaxRows(x, xo + r0 * cols, y, r0 * cols, r1 - r0, cols);
        });
        return Views.moveLastDimBack(Tensor.wrap(y, src.shapeRef()), d, shape);
    }

    /** Index of the max (or min) along d, first occurrence; NaN counts as the extremum like PyTorch. */
    static Tensor argExtremum(Tensor t, int d, boolean keepdim, boolean isMax) {
        int[] shape = t.shapeRef();
        if (shape.length == 0) return Tensor.wrapInts(new int[] {0}, new int[0]);
        if (shape[d] == 0) {
            throw new IllegalArgumentException((isMax ? "max" : "min") + ": cannot reduce an empty dim " + d
                    + " of shape " + Shape.str(shape));
        }
        int rank = shape.length;
        // d last, the others in order: row r is then the r-th position of the kept dims.
        float[] x = Views.moveDimLast(t, d).toFloatArray();
        int cols = shape[d];
        int rows = x.length / cols;
        int[] out = new int[rows];
        WorkerPool.shared().parallelFor(0, rows, Math.max(1, Elementwise.GRAIN / cols), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                out[r] = isMax ? VectorReductions.argmax(x, r * cols, cols) : VectorReductions.argmin(x, r * cols, cols);
            }
        });
        boolean[] red = new boolean[rank];
        red[d] = true;
        return Tensor.wrapInts(out, Shape.reduced(shape, red, keepdim));
    }
}
