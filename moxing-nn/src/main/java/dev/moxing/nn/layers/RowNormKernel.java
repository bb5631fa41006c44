package dev.moxing.nn.layers;

import dev.moxing.autograd.Autograd;
import dev.moxing.kernels.VectorOps;
import dev.moxing.kernels.VectorReductions;
import dev.moxing.parallel.WorkerPool;
import dev.moxing.tensor.Tensor;

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
 * The forward pass saves μ and r per row for the backward pass. Each row is a handful of passes
 * of the core's vector kernels ({@link VectorOps}, {@link VectorReductions}) over data that stays in
 * cache. Rows are split over the worker pool; dw and db are summed per chunk and the chunk sums
 * added in order, so results are bit-identical for a given thread count.
 */
final class RowNormKernel {
    private RowNormKernel() {
    }

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
        int chunks = forRows(rows, d, (chunk, from, to) -> {
            float[] dw = needW ? new float[d] : null, db = needB ? new float[d] : null;
            float[] xhat = new float[d], gh = wb == null ? null : new float[d], tmp = needW ? new float[d] : null;
            for (int row = from; row < to; row++) {
                int xr = xOff + row * d, gr = gOff + row * d;
                float r = rstd[row];
                VectorOps.addScalar(xs, xr, -mean[row], xhat, 0, d); // x̂ = (x − μ)·r
                VectorOps.mulScalar(xhat, 0, r, xhat, 0, d);
                if (needW) { // dw += g·x̂
                    VectorOps.mul(g, gr, xhat, 0, tmp, 0, d);
                    VectorOps.accumulate(tmp, 0, dw, 0, d);
                }
                if (needB) VectorOps.accumulate(g, gr, db, 0, d);
                if (!needX) continue;
                float[] u = g; // ĝ = g·w
                int uo = gr;
                if (gh != null) {
                    VectorOps.mul(g, gr, wb, wOff, gh, 0, d);
                    u = gh;
                    uo = 0;
                }
                float meanG = center ? VectorReductions.sum(u, uo, d) / d : 0f;
                float meanGx = VectorReductions.dot(u, uo, xhat, 0, d) / d;
                // dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), built in the x̂ buffer
                VectorOps.mulScalar(xhat, 0, -meanGx, xhat, 0, d);
                VectorOps.add(xhat, 0, u, uo, xhat, 0, d);
                VectorOps.addScalar(xhat, 0, -meanG, xhat, 0, d);
                VectorOps.mulScalar(xhat, 0, r, dx, row * d, d);
            }
            dwPart[chunk] = dw;
            dbPart[chunk] = db;
        });
        return new Tensor[] {
            needX ? Tensor.fromArray(dx, x.shape()) : null,
            needW ? Tensor.fromArray(sumParts(dwPart, chunks, d), w.shape()) : null,
            needB ? Tensor.fromArray(sumParts(dbPart, chunks, d), b.shape()) : null};
    }

    private static float[] sumParts(float[][] parts, int chunks, int d) {
        float[] out = new float[d];
        for (int c = 0; c < chunks; c++) {
            if (parts[c] != null) VectorOps.accumulate(parts[c], 0, out, 0, d); // null: a chunk with no rows
        }
        return out;
    }
}
