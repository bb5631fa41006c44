package dev.moxing.nn.layers;

import dev.moxing.autograd.Autograd;
import dev.moxing.kernels.Gemm;
import dev.moxing.kernels.VectorOps;
import dev.moxing.kernels.VectorReductions;
import dev.moxing.parallel.WorkerPool;
import dev.moxing.tensor.Tensor;

import java.util.Arrays;

/**
 * Convolution as im2col + GEMM, one fused forward/backward pair (Caffe's and llm.c's way).
 *
 * <p>Forward, per image and group: y (og, oh·ow) = W (og, cg·kh·kw) @ col (cg·kh·kw, oh·ow), where
 * col holds the input patches; the bias is written into y first and the GEMM accumulates onto it.
 * Backward, per image: dWᵀ += col @ dyᵀ and db += Σ dy; dcol = Wᵀ @ dy, scattered back into dx (col2im).
 * col is rebuilt in the backward pass rather than kept from the forward pass: it is cheap next to
 * the GEMMs and would otherwise hold kh·kw copies of every input alive until backward.
 *
 * <p>Parallel over the batch: each pool chunk takes a contiguous run of images with its own
 * scratch and runs its GEMMs on the calling thread, so im2col output is consumed while it is hot
 * in cache and there is no fork/join per small GEMM. Weight and bias gradients are summed per chunk
 * and then added in chunk order, so results are bit-identical for a given thread count. With fewer
 * images than threads, images run one after another and each GEMM uses the whole pool instead.
 *
 * <p>Large images are processed in blocks of output rows so that one block's col stays within
 * {@link #COL_BUDGET} floats.
 */
final class ConvKernel {
    private ConvKernel() {
    }

    /** A pool of one thread that runs GEMMs inline (it starts no threads): used inside batch chunks. */
    private static final WorkerPool INLINE = new WorkerPool(1);

    /** Floats of im2col scratch per block (2 MiB): about what stays in a core's L2 while the GEMM reads it. */
    private static final int COL_BUDGET = 1 << 19;

    /** Per-thread im2col and col2im scratch; grows, never shrinks. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    private static float[] scratch(int which, int size) {
        float[][] s = SCRATCH.get();
        if (s[which].length < size) s[which] = new float[size];
        return s[which];
    }

    /**
     * x (n, c, h, w) [or (n, c, w) for conv1d], weight (outC, cg, kh, kw) [or (outC, cg, kw)], bias
     * (outC) or null → a tensor of {@code outShape} holding (n, outC, oh, ow) in row-major order.
     */
    static Tensor apply(Tensor input, Tensor weight, Tensor bias, ConvGeometry g, int[] outShape) {
        Tensor x = input.contiguous();
        Tensor w = weight.contiguous();
        Tensor b = bias == null ? null : bias.contiguous();
        float[] y = new float[g.n() * g.outC() * g.outH() * g.outW()]; // (n, outC, oh, ow)
        forward(x.buffer(), x.offset(), w.buffer(), w.offset(), b == null ? null : b.buffer(),
                b == null ? 0 : b.offset(), y, g);
        return Autograd.record(Tensor.fromArray(y, outShape), "conv",
                grad -> backward(grad, x, w, b, g), x, w, b);
    }

    /** Output rows per block so that a block's col (c·kh·kw × rows·ow) fits the budget. */
    private static int blockRows(ConvGeometry g) {
        if (g.pointwise()) return g.outH();
        long perRow = (long) g.c() * g.kh() * g.kw() * g.outW();
        return (int) Math.max(1, Math.min(g.outH(), COL_BUDGET / Math.max(1, perRow)));
    }

    @FunctionalInterface
    private interface ImageRange {
        void run(int chunk, int from, int to, WorkerPool gemmPool);
    }

    /** Splits the batch over the shared pool (GEMMs inline), or runs it on one thread with pooled GEMMs. */
    private static int forImages(int n, ImageRange body) {
        WorkerPool pool = WorkerPool.shared();
        if (n >= pool.threads() && pool.threads() > 1) {
            int chunks = pool.threads();
            pool.run(chunks, (c, cs) -> body.run(c, (int) ((long) n * c / cs), (int) ((long) n * (c + 1) / cs), INLINE));
            return chunks;
        }
        body.run(0, 0, n, pool);
        return 1;
    }

    private static void forward(float[] x, int xOff, float[] w, int wOff, float[] b, int bOff, float[] y, ConvGeometry g) {
        int oh = g.outH(), ow = g.outW(), hw = oh * ow, og = g.og(), kk = g.kk();
        int imgIn = g.c() * g.h() * g.w(), imgOut = g.outC() * hw;
        int rowsPerBlock = blockRows(g);
        forImages(g.n(), (chunk, from, to, pool) -> {
            float[] col = g.pointwise() ? null : scratch(0, g.c() * g.kh() * g.kw() * rowsPerBlock * ow);
            for (int img = from; img < to; img++) {
                int xi = xOff + img * imgIn, yi = img * imgOut;
                for (int oy0 = 0; oy0 < oh; oy0 += rowsPerBlock) {
                    int oy1 = Math.min(oh, oy0 + rowsPerBlock), cols = (oy1 - oy0) * ow;
                    float[] a = col;
                    int aOff = 0, ld = cols;
                    if (col == null) {
                        a = x;
                        aOff = xi + oy0 * ow;
                        ld = hw;
                    } else {
                        im2col(x, xi, g, oy0, oy1, col);
                    }
                    for (int gi = 0; gi < g.groups(); gi++) {
                        int yOff = yi + gi * og * hw + oy0 * ow; // (og, cols) inside (outC, hw)
                        if (b != null) {
                            for (int o = 0; o < og; o++) {
                                Arrays.fill(y, yOff + o * hw, yOff + o * hw + cols, b[bOff + gi * og + o]);
                            }
                        }
                        Gemm.sgemm(pool, false, false, og, cols, kk, 1f, w, wOff + gi * og * kk, kk,
                                a, aOff + gi * kk * ld, ld, b == null ? 0f : 1f, y, yOff, hw);
                    }
                }
            }
        });
    }

    private static Tensor[] backward(Tensor grad, Tensor xt, Tensor wt, Tensor bt, ConvGeometry g) {
        Tensor gc = grad.contiguous(); // (n, outC, oh, ow)
        boolean needW = wt.requiresGrad(), needB = bt != null && bt.requiresGrad();
        // One pass over the batch per gradient: each keeps a smaller per-thread working set in cache
        // (col and the dWᵀ GEMM's panels, or dcol and the dx GEMM's), and they share only dy.
        float[][] params = needW || needB
                ? parameterGradients(gc.buffer(), gc.offset(), xt.buffer(), xt.offset(), g, needW, needB)
                : new float[2][];
        float[] dx = xt.requiresGrad() ? inputGradient(gc.buffer(), gc.offset(), wt.buffer(), wt.offset(), g) : null;
        return new Tensor[] {
            dx == null ? null : Tensor.fromArray(dx, xt.shape()),
            params[0] == null ? null : Tensor.fromArray(params[0], wt.shape()),
            params[1] == null ? null : Tensor.fromArray(params[1], g.outC())};
    }

    /** dx: per image and group dcol (kk, cols) = Wᵀ (kk, og) @ dy (og, cols), then col2im. */
    private static float[] inputGradient(float[] dy, int dyOff, float[] w, int wOff, ConvGeometry g) {
        int oh = g.outH(), ow = g.outW(), hw = oh * ow, og = g.og(), kk = g.kk();
        int imgIn = g.c() * g.h() * g.w(), imgOut = g.outC() * hw;
        int rowsPerBlock = blockRows(g);
        boolean direct = g.pointwise();
        float[] dx = new float[g.n() * imgIn];
        forImages(g.n(), (chunk, from, to, pool) -> {
            float[] dcol = direct ? null : scratch(1, g.c() * g.kh() * g.kw() * rowsPerBlock * ow);
            for (int img = from; img < to; img++) {
                int dyi = dyOff + img * imgOut;
                for (int oy0 = 0; oy0 < oh; oy0 += rowsPerBlock) {
                    int oy1 = Math.min(oh, oy0 + rowsPerBlock), cols = (oy1 - oy0) * ow;
                    for (int gi = 0; gi < g.groups(); gi++) {
                        int dyg = dyi + gi * og * hw + oy0 * ow; // (og, cols), row stride hw
                        if (direct) { // 1×1: dcol is dx itself
                            Gemm.sgemm(pool, true, false, kk, cols, og, 1f, w, wOff + gi * og * kk, kk, dy, dyg, hw,
                                    0f, dx, img * imgIn + gi * kk * hw + oy0 * ow, hw);
                        } else {
                            Gemm.sgemm(pool, true, false, kk, cols, og, 1f, w, wOff + gi * og * kk, kk, dy, dyg, hw,
                                    0f, dcol, gi * kk * cols, cols);
                        }
                    }
                    if (!direct) col2im(dcol, g, oy0, oy1, dx, img * imgIn);
                }
            }
        });
        return dx;
    }

    /**
     * {dW (outC, kk), db (outC)}, either null when not needed. Each chunk accumulates its own dWᵀ
     * per group, (kk, og) += col (kk, cols) @ dyᵀ (cols, og) (that orientation keeps the GEMM's
     * short side og in the N dimension, where the 1-channel first layer would otherwise waste most
     * of each micro-tile), and its own bias sums; chunks are then added in order.
     */
    private static float[][] parameterGradients(float[] dy, int dyOff, float[] x, int xOff, ConvGeometry g,
            boolean needW, boolean needB) {
        int oh = g.outH(), ow = g.outW(), hw = oh * ow, og = g.og(), kk = g.kk(), groups = g.groups();
        int imgIn = g.c() * g.h() * g.w(), imgOut = g.outC() * hw;
        int rowsPerBlock = blockRows(g);
        boolean direct = g.pointwise();
        int maxChunks = Math.max(1, WorkerPool.shared().threads());
        float[][] dwt = new float[maxChunks][];
        double[][] db = new double[maxChunks][];
        int chunks = forImages(g.n(), (chunk, from, to, pool) -> {
            float[] dwtc = needW ? new float[groups * kk * og] : null;
            double[] dbc = needB ? new double[g.outC()] : null;
            float[] col = direct || !needW ? null : scratch(0, g.c() * g.kh() * g.kw() * rowsPerBlock * ow);
            for (int img = from; img < to; img++) {
                int xi = xOff + img * imgIn, dyi = dyOff + img * imgOut;
                for (int oy0 = 0; needW && oy0 < oh; oy0 += rowsPerBlock) {
                    int oy1 = Math.min(oh, oy0 + rowsPerBlock), cols = (oy1 - oy0) * ow;
                    if (!direct) im2col(x, xi, g, oy0, oy1, col);
                    float[] a = direct ? x : col;
                    int lda = direct ? hw : cols;
                    for (int gi = 0; gi < groups; gi++) {
                        int aOff = direct ? xi + gi * kk * hw + oy0 * ow : gi * kk * cols;
                        Gemm.sgemm(pool, false, true, kk, og, cols, 1f, a, aOff, lda, dy, dyi + gi * og * hw + oy0 * ow, hw,
                                1f, dwtc, gi * kk * og, og);
                    }
                }
                if (needB) {
                    for (int o = 0; o < g.outC(); o++) dbc[o] += VectorReductions.sum(dy, dyi + o * hw, hw);
                }
            }
            dwt[chunk] = dwtc;
            db[chunk] = dbc;
        });
        float[] dw = null;
        if (needW) { // dW (outC, kk) = Σ over chunks of dWᵀ, transposed per group
            dw = new float[g.outC() * kk];
            for (int c = 0; c < chunks; c++) {
                float[] p = dwt[c];
                for (int gi = 0; gi < groups; gi++) {
                    for (int r = 0; r < kk; r++) {
                        int src = (gi * kk + r) * og;
                        for (int o = 0; o < og; o++) dw[(gi * og + o) * kk + r] += p[src + o];
                    }
                }
            }
        }
        float[] dbOut = null;
        if (needB) {
            dbOut = new float[g.outC()];
            for (int o = 0; o < dbOut.length; o++) {
                double s = 0;
                for (int c = 0; c < chunks; c++) s += db[c][o];
                dbOut[o] = (float) s;
            }
        }
        return new float[][] {dw, dbOut};
    }

    // ---------------------------------------------------------------- im2col / col2im

    /** First output column ox whose input column ox·s + x0 is ≥ 0 (at most ow). */
    private static int firstValid(int x0, int s, int ow) {
        return x0 >= 0 ? 0 : Math.min(ow, (-x0 + s - 1) / s);
    }

    /** One past the last output column whose input column ox·s + x0 is < w (at least lo). */
    private static int endValid(int x0, int s, int w, int ow, int lo) {
        int end = w - x0 <= 0 ? 0 : Math.min(ow, (w - x0 + s - 1) / s);
        return Math.max(lo, end);
    }

    /**
     * col (c·kh·kw, (oy1−oy0)·ow) for output rows [oy0, oy1) of the image at xOff: row
     * (ci·kh + ki)·kw + kj holds x[ci, oy·sh − ph + ki·dh, ox·sw − pw + kj·dw], zero outside the image.
     * Rows are grouped by input channel, so group gi's rows are the contiguous range gi·kk.
     */
    static void im2col(float[] x, int xOff, ConvGeometry g, int oy0, int oy1, float[] col) {
        int h = g.h(), w = g.w(), ow = g.outW(), sw = g.sw(), cols = (oy1 - oy0) * ow;
        int r = 0;
        for (int ci = 0; ci < g.c(); ci++) {
            int plane = xOff + ci * h * w;
            for (int ki = 0; ki < g.kh(); ki++) {
                for (int kj = 0; kj < g.kw(); kj++, r++) {
                    int x0 = kj * g.dw() - g.pw();
                    int lo = firstValid(x0, sw, ow), hi = endValid(x0, sw, w, ow, lo);
                    int dst = r * cols;
                    for (int oy = oy0; oy < oy1; oy++, dst += ow) {
                        int iy = oy * g.sh() - g.ph() + ki * g.dh();
                        if (iy < 0 || iy >= h) {
                            Arrays.fill(col, dst, dst + ow, 0f);
                            continue;
                        }
                        int src = plane + iy * w + x0;
                        if (lo > 0) Arrays.fill(col, dst, dst + lo, 0f);
                        if (sw == 1) {
                            System.arraycopy(x, src + lo, col, dst + lo, hi - lo);
                        } else {
                            for (int ox = lo; ox < hi; ox++) col[dst + ox] = x[src + ox * sw];
                        }
                        if (hi < ow) Arrays.fill(col, dst + hi, dst + ow, 0f);
                    }
                }
            }
        }
    }

    /** The adjoint of {@link #im2col}: adds every col entry back onto the input position it was read from. */
    static void col2im(float[] col, ConvGeometry g, int oy0, int oy1, float[] dx, int dxOff) {
        int h = g.h(), w = g.w(), ow = g.outW(), sw = g.sw(), cols = (oy1 - oy0) * ow;
        int r = 0;
        for (int ci = 0; ci < g.c(); ci++) {
            int plane = dxOff + ci * h * w;
            for (int ki = 0; ki < g.kh(); ki++) {
                for (int kj = 0; kj < g.kw(); kj++, r++) {
                    int x0 = kj * g.dw() - g.pw();
                    int lo = firstValid(x0, sw, ow), hi = endValid(x0, sw, w, ow, lo);
                    int src = r * cols;
                    for (int oy = oy0; oy < oy1; oy++, src += ow) {
                        int iy = oy * g.sh() - g.ph() + ki * g.dh();
                        if (iy < 0 || iy >= h) continue;
                        int dst = plane + iy * w + x0;
                        if (sw == 1) {
                            VectorOps.accumulate(col, src + lo, dx, dst + lo, hi - lo);
                        } else {
                            for (int ox = lo; ox < hi; ox++) dx[dst + ox * sw] += col[src + ox];
                        }
                    }
                }
            }
        }
    }
}
