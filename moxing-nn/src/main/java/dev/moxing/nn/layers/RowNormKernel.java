package dev.moxing.nn.layers;

import dev.moxing.autograd.Autograd;
import dev.moxing.kernels.VectorOps;
import dev.moxing.kernels.VectorReductions;
import dev.moxing.parallel.WorkerPool;
import dev.moxing.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * LayerNorm and RMSNorm over the last D elements of each row, one fused forward/backward pair
 * (llm.c's layernorm_forward / layernorm_backward). The two differ only in centring:
 *
 * <pre>
 *   LayerNorm: μ = mean(x), r = 1/√(mean((x−μ)²) + eps), y = (x−μ)·r·w + b
 *   RMSNorm:   μ = 0,       r = 1/√(mean(x²) + eps),     y = x·r·w
 *   backward:  x̂ = (x−μ)·r, ĝ = g·w,
 *              dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))    (mean(ĝ) only when centring)
 *              dw = Σ_rows g·x̂, db = Σ_rows g
 * </pre>
 *
 * The forward pass saves μ and r per row for the backward pass. The forward row is the core's
 * vector kernels ({@link VectorOps}, {@link VectorReductions}) over data that stays in cache; the
 * backward row is two fused vector passes ({@link #backwardRow}): as ten kernel calls per row it
 * cost twice the forward at width 128 (GPT training profile). Rows are split over the worker pool; dw and db are summed per chunk and the chunk sums
 * added in order, so results are bit-identical for a given thread count.
 */
final class RowNormKernel {
    private RowNormKernel() {
    }

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Lane folds in a fixed order (see {@link VectorReductions#foldShuffles}). */
    private static final VectorShuffle<Float>[] FOLD = VectorReductions.foldShuffles();

    /** Elements per chunk below which a pool hand-off costs more than it saves. */
    private static final int GRAIN_ELEMENTS = 16 * 1024;

    @FunctionalInterface
    private interface RowChunk {
        void run(int chunk, int from, int to);
    }

    private static int forRows(int rows, int d, RowChunk body) {
        WorkerPool pool = WorkerPool.shared();
        int chunks = pool.chunksFor(rows, Math.max(1, GRAIN_ELEMENTS / Math.max(1, d)));
        if (chunks <= 1) {
            body.run(0, 0, rows);
            return 1;
        }
        pool.run(chunks, (c, cs) -> body.run(c, (int) ((long) rows * c / cs), (int) ((long) rows * (c + 1) / cs)));
        return chunks;
    }

    /** input (..., D) with D = product of the normalised dims; weight/bias D elements or null. */
    static Tensor apply(Tensor input, Tensor weight, Tensor bias, int d, float eps, boolean center, String name) {
        Tensor x = input.contiguous();
        Tensor w = weight == null ? null : weight.contiguous();
        Tensor b = bias == null ? null : bias.contiguous();
        int rows = d == 0 ? 0 : x.numel() / d;
        float[] xs = x.buffer(), y = new float[x.numel()], mean = new float[rows], rstd = new float[rows];
        float[] wb = w == null ? null : w.buffer(), bb = b == null ? null : b.buffer();
        int xOff = x.offset(), wOff = w == null ? 0 : w.offset(), bOff = b == null ? 0 : b.offset();
        forRows(rows, d, (chunk, from, to) -> {
            for (int row = from; row < to; row++) {
                int xr = xOff + row * d, yr = row * d;
                // Two passes, centred values staged in y: Σ(x−μ)² does not cancel the way Σx² − Dμ² does.
                float m = center ? VectorReductions.sum(xs, xr, d) / d : 0f;
                VectorOps.addScalar(xs, xr, -m, y, yr, d);
                float r = (float) (1 / Math.sqrt(VectorReductions.sumSquares(y, yr, d) / d + eps));
                VectorOps.mulScalar(y, yr, r, y, yr, d);
                if (wb != null) VectorOps.mul(y, yr, wb, wOff, y, yr, d);
                if (bb != null) VectorOps.add(y, yr, bb, bOff, y, yr, d);
                mean[row] = m;
                rstd[row] = r;
            }
        });
        return Autograd.record(Tensor.fromArray(y, x.shape()), name,
                g -> backward(g, x, w, b, mean, rstd, rows, d, center), x, w, b);
    }

    private static Tensor[] backward(Tensor grad, Tensor x, Tensor w, Tensor b, float[] mean, float[] rstd, int rows,
            int d, boolean center) {
        Tensor gc = grad.contiguous();
        float[] g = gc.buffer(), xs = x.buffer(), wb = w == null ? null : w.buffer();
        int gOff = gc.offset(), xOff = x.offset(), wOff = w == null ? 0 : w.offset();
        boolean needX = x.requiresGrad();
        boolean needW = w != null && w.requiresGrad(), needB = b != null && b.requiresGrad();
        float[] dx = needX ? new float[x.numel()] : null;
        int maxChunks = WorkerPool.shared().threads();
        float[][] dwPart = new float[maxChunks][];
        float[][] dbPart = new float[maxChunks][];
        float[] wr = wb != null ? wb : ones(d);
        int wro = wb != null ? wOff : 0;
        int chunks = forRows(rows, d, (chunk, from, to) -> {
            float[] dw = needW ? new float[d] : null, db = needB ? new float[d] : null;
            for (int row = from; row < to; row++) {
                backwardRow(g, gOff + row * d, xs, xOff + row * d, mean[row], rstd[row], wr, wro, dw, db,
                        dx, row * d, d, center);
            }
            dwPart[chunk] = dw;
            dbPart[chunk] = db;
        });
        return new Tensor[] {
            needX ? Tensor.fromArray(dx, x.shape()) : null,
            needW ? Tensor.fromArray(sumParts(dwPart, chunks, d), w.shape()) : null,
            needB ? Tensor.fromArray(sumParts(dbPart, chunks, d), b.shape()) : null};
    }

    /**
     * One row: x̂ = (x − μ)·r, ĝ = g·w (w all ones when the norm has none: g·1 is exact, and a
     * vector chosen by a condition can make C2 box it in the loop); dw += g·x̂ and db += g where not null;
     * dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) into dx at dxo where dx is not null. Pass 1 accumulates
     * the parameter gradients and the two means, pass 2 writes dx, recomputing x̂ and ĝ rather
     * than storing them.
     */
    private static void backwardRow(float[] g, int go, float[] x, int xo, float mu, float r, float[] w, int wo,
                                    float[] dw, float[] db, float[] dx, int dxo, int d, boolean center) {
        FloatVector sumG = FloatVector.zero(S), sumGx = FloatVector.zero(S);
        int e = S.loopBound(d), c = 0;
        for (; c < e; c += L) {
            FloatVector gv = FloatVector.fromArray(S, g, go + c);
            FloatVector xh = FloatVector.fromArray(S, x, xo + c).sub(mu).mul(r);
            if (dw != null) FloatVector.fromArray(S, dw, c).add(gv.mul(xh)).intoArray(dw, c);
            if (db != null) FloatVector.fromArray(S, db, c).add(gv).intoArray(db, c);
            FloatVector u = gv.mul(FloatVector.fromArray(S, w, wo + c));
            sumG = sumG.add(u);
            sumGx = sumGx.add(u.mul(xh));
        }
        // Lanes folded in a fixed order (reduceLanes(ADD)'s differs between the interpreter and C2).
        for (VectorShuffle<Float> f : FOLD) {
            sumG = sumG.add(sumG.rearrange(f));
            sumGx = sumGx.add(sumGx.rearrange(f));
        }
        float sg = sumG.lane(0), sgx = sumGx.lane(0);
        for (; c < d; c++) {
            float gv = g[go + c], xh = (x[xo + c] - mu) * r;
            if (dw != null) dw[c] += gv * xh;
            if (db != null) db[c] += gv;
            float u = gv * w[wo + c];
            sg += u;
            sgx += u * xh;
        }
        if (dx == null) return;
        float meanG = center ? sg / d : 0f, meanGx = sgx / d;
        for (c = 0; c < e; c += L) {
            FloatVector gv = FloatVector.fromArray(S, g, go + c);
            FloatVector xh = FloatVector.fromArray(S, x, xo + c).sub(mu).mul(r);
            FloatVector u = gv.mul(FloatVector.fromArray(S, w, wo + c));
            u.sub(meanG).sub(xh.mul(meanGx)).mul(r).intoArray(dx, dxo + c);
        }
        for (; c < d; c++) {
            float gv = g[go + c], xh = (x[xo + c] - mu) * r;
            float u = gv * w[wo + c];
            dx[dxo + c] = (u - meanG - xh * meanGx) * r;
        }
    }

    private static float[] ones(int d) {
        float[] o = new float[d];
        java.util.Arrays.fill(o, 1f);
        return o;
    }

    private static float[] sumParts(float[][] parts, int chunks, int d) {
        float[] out = new float[d];
        for (int c = 0; c < chunks; c++) {
            if (parts[c] != null) VectorOps.accumulate(parts[c], 0, out, 0, d); // null: a chunk with no rows
        }
        return out;
    }
}
