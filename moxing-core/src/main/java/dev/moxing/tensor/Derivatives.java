package dev.moxing.tensor;

import dev.moxing.kernels.VectorActivations;
import dev.moxing.kernels.VectorSoftmax;
import dev.moxing.parallel.WorkerPool;

/**
 * Every backward rule, one per primitive, in one place. Each maps the gradient of an op's output
 * to the gradients of its inputs (null where an input needs none). Rules run with recording off;
 * the engine ({@link dev.moxing.autograd.Autograd}) sums broadcast gradients back to each input's
 * shape, so rules may return gradients in the broadcast output shape.
 */
final class Derivatives {
    private Derivatives() {
    }

    // ------------------------------------------------------------ arithmetic

    static Tensor[] add(Tensor g) {
        return new Tensor[] {g, g};
    }

    static Tensor[] sub(Tensor g) {
        return new Tensor[] {g, g.neg()};
    }

    static Tensor[] mul(Tensor g, Tensor a, Tensor b) {
        return new Tensor[] {a.requiresGrad() ? g.mul(b) : null, b.requiresGrad() ? g.mul(a) : null};
    }

    /** d(a/b) = g/b, -g·(a/b)/b. */
    static Tensor[] div(Tensor g, Tensor a, Tensor b, Tensor out) {
        return new Tensor[] {a.requiresGrad() ? g.div(b) : null, b.requiresGrad() ? g.mul(out).div(b).neg() : null};
    }

    static Tensor[] powScalar(Tensor g, Tensor x, float p) {
        if (p == 0f) return new Tensor[] {Tensor.zeros(x.shapeRef())};
        return new Tensor[] {g.mul(x.pow(p - 1f)).mul(p)};
    }

    /** d(a^b) = g·b·a^(b-1), g·a^b·log a (0 where a = 0 and b >= 0, as PyTorch). */
    static Tensor[] pow(Tensor g, Tensor a, Tensor b, Tensor out) {
        Tensor ga = a.requiresGrad() ? g.mul(b).mul(a.pow(b.sub(1f))) : null;
        Tensor gb = null;
        if (b.requiresGrad()) {
            Tensor raw = g.mul(out).mul(a.log());
            Tensor zeroBase = a.eq(0f).mul(b.ge(Tensor.scalar(0f)));
            gb = Tensor.where(zeroBase, Tensor.scalar(0f), raw);
        }
        return new Tensor[] {ga, gb};
    }

    static Tensor[] unary(UnaryOp op, Tensor g, Tensor x, Tensor out) {
        Tensor dx = switch (op) {
            case NEG -> g.neg();
            case ABS -> g.mul(x.sign());
            case EXP -> g.mul(out);
            case LOG -> g.div(x);
            case SQRT -> g.div(out.mul(2f));
            case RSQRT -> g.mul(out.mul(out).mul(out)).mul(-0.5f);
            case SQUARE -> g.mul(x).mul(2f);
            case SIGN -> Tensor.zeros(x.shapeRef());
            case RELU, GELU, GELU_TANH, SILU -> fused(op, g, x);
            case SIGMOID, TANH -> fused(op, g, out);
        };
        return new Tensor[] {dx};
    }

    /** Fused activation backward: one pass over (g, saved) instead of a chain of elementwise ops. */
    private static Tensor fused(UnaryOp op, Tensor g, Tensor saved) {
        float[] gd = g.isContiguous() ? g.floats() : g.toFloatArray();
        int go = g.isContiguous() ? g.offset() : 0;
        float[] sd = saved.isContiguous() ? saved.floats() : saved.toFloatArray();
        int so = saved.isContiguous() ? saved.offset() : 0;
        int n = saved.numel();
        float[] dx = new float[n];
        WorkerPool.shared().parallelFor(0, n, Elementwise.GRAIN, (f, t) -> {
            int len = t - f;
            switch (op) {
                case RELU -> VectorActivations.reluBackward(gd, go + f, sd, so + f, dx, f, len);
                case GELU -> VectorActivations.geluBackward(gd, go + f, sd, so + f, dx, f, len);
                case GELU_TANH -> VectorActivations.geluTanhBackward(gd, go + f, sd, so + f, dx, f, len);
                case SILU -> VectorActivations.siluBackward(gd, go + f, sd, so + f, dx, f, len);
                case SIGMOID -> VectorActivations.sigmoidBackward(gd, go + f, sd, so + f, dx, f, len);
                case TANH -> VectorActivations.tanhBackward(gd, go + f, sd, so + f, dx, f, len);
                default -> throw new AssertionError(op);
            }
        });
        return Tensor.wrap(dx, saved.shapeRef());
    }

    static Tensor[] clamp(Tensor g, Tensor x, float min, float max) {
        Tensor inside = x.ge(Tensor.scalar(min)).mul(x.le(Tensor.scalar(max)));
        return new Tensor[] {g.mul(inside)};
    }

    /** Gradient of max(a, b): to the larger input, split evenly on ties (PyTorch's rule). */
    static Tensor[] maximum(Tensor g, Tensor a, Tensor b) {
        Tensor tie = a.eq(b).mul(0.5f);
        Tensor ga = a.requiresGrad() ? g.mul(a.gt(b).add(tie)) : null;
        Tensor gb = b.requiresGrad() ? g.mul(b.gt(a).add(tie)) : null;
        return new Tensor[] {ga, gb};
    }

    static Tensor[] where(Tensor g, Tensor cond) {
        Tensor zero = Tensor.scalar(0f);
        return new Tensor[] {Tensor.where(cond, g, zero), Tensor.where(cond, zero, g)};
    }

    static Tensor[] maskedFill(Tensor g, Tensor mask) {
        return new Tensor[] {Tensor.where(mask, Tensor.scalar(0f), g)};
    }

    // ------------------------------------------------------------ softmax family

    static Tensor[] softmax(Tensor g, Tensor y, int d) {
        return new Tensor[] {rowsBackward(g, y, d, false)};
    }

    static Tensor[] logSoftmax(Tensor g, Tensor y, int d) {
        return new Tensor[] {rowsBackward(g, y, d, true)};
    }

    private static Tensor rowsBackward(Tensor g, Tensor y, int d, boolean log) {
        int rank = y.dim();
        if (rank == 0) return Tensor.zeros();
        Tensor gp = Views.moveDimLast(g, d), yp = Views.moveDimLast(y, d);
        float[] gd = gp.toFloatArray(), yd = yp.toFloatArray();
        int cols = yp.shapeRef()[rank - 1];
        int rows = cols == 0 ? 0 : gd.length / cols;
        float[] dx = new float[gd.length];
        WorkerPool.shared().parallelFor(0, rows, Math.max(1, Elementwise.GRAIN / Math.max(1, cols)), (r0, r1) -> {
            if (log) VectorSoftmax.logSoftmaxBackwardRows(gd, r0 * cols, yd, r0 * cols, dx, r0 * cols, r1 - r0, cols);
            else VectorSoftmax.softmaxBackwardRows(gd, r0 * cols, yd, r0 * cols, dx, r0 * cols, r1 - r0, cols);
        });
        return Views.moveLastDimBack(Tensor.wrap(dx, yp.shapeRef()), d, y.shapeRef());
    }

    // ------------------------------------------------------------ reductions

    /** Gradient of a sum (scale 1) or mean (scale 1/count): g broadcast back over the reduced dims. */
    static Tensor[] sum(Tensor g, int[] inShape, boolean[] reduced, boolean keepdim, float scale) {
        Tensor gk = keepdim ? g : g.reshape(Shape.reduced(inShape, reduced, true));
        Tensor e = Views.expand(gk, inShape);
        return new Tensor[] {scale == 1f ? e : e.mul(scale)};
    }

    /** d var = g · 2 (x - mean) / (N - correction). */
    static Tensor[] var(Tensor g, Tensor centered, int[] inShape, boolean[] reduced, boolean keepdim, int denom) {
        Tensor gk = keepdim ? g : g.reshape(Shape.reduced(inShape, reduced, true));
        return new Tensor[] {centered.mul(gk).mul(2f / denom)};
    }

    /** Gradient of max/min along d: g scattered to the selected positions. */
    static Tensor[] extremum(Tensor g, Tensor idx, int[] inShape, int d, boolean keepdim) {
        Tensor gk = keepdim ? g : g.unsqueeze(d);
        return new Tensor[] {Indexing.scatterAdd(Tensor.zeros(inShape), d, idx, gk)};
    }

    // ------------------------------------------------------------ matmul

    /** dA = g @ Bᵀ, dB = Aᵀ @ g (transposes are views: GEMM flags, no copies). */
    static Tensor[] matmul(Tensor g, Tensor a, Tensor b) {
        Tensor da = null, db = null;
        if (a.requiresGrad()) da = Linalg.multiply(g, swapLast(b));
        if (b.requiresGrad()) {
            if (b.dim() == 2 && a.dim() > 2) {
                // (…, M, K) @ (K, N): fold the batch into M so dB is one GEMM, not a batch then a sum.
                int k = a.size(-1), n = g.size(-1);
                Tensor a2 = a.reshape(-1, k), g2 = g.reshape(-1, n);
                db = Linalg.multiply(swapLast(a2), g2);
            } else {
                db = Linalg.multiply(swapLast(a), g);
            }
        }
        return new Tensor[] {da, db};
    }

    private static Tensor swapLast(Tensor t) {
        int r = t.dim();
        int[] p = Reductions.allDims(r);
        p[r - 1] = r - 2;
        p[r - 2] = r - 1;
        return Views.permute(t, p);
    }

    // ------------------------------------------------------------ indexing and joining

    static Tensor[] indexSelect(Tensor g, int[] inShape, int d, Tensor index) {
        return new Tensor[] {Indexing.indexAdd(inShape, d, index, g)};
    }

    static Tensor[] gather(Tensor g, int[] inShape, int d, Tensor index) {
        return new Tensor[] {Indexing.scatterAdd(Tensor.zeros(inShape), d, index, g)};
    }

    static Tensor[] scatterAdd(Tensor g, int d, Tensor index) {
        return new Tensor[] {g, Indexing.gather(g, d, index)};
    }

    static Tensor[] cat(Tensor g, int d, int[] sizes) {
        Tensor[] out = new Tensor[sizes.length];
        int at = 0;
        for (int i = 0; i < sizes.length; i++) {
            out[i] = g.narrow(d, at, sizes[i]);
            at += sizes[i];
        }
        return out;
    }

    // ------------------------------------------------------------ views

    static Tensor[] reshape(Tensor g, int[] inShape) {
        return new Tensor[] {g.reshape(inShape)};
    }

    static Tensor[] permute(Tensor g, int[] p) {
        int[] inv = new int[p.length];
        for (int i = 0; i < p.length; i++) inv[p[i]] = i;
        return new Tensor[] {Views.permute(g, inv)};
    }

    /** Gradient of narrow: g placed into zeros of the input shape. */
    static Tensor[] narrow(Tensor g, int[] inShape, int d, int start) {
        Tensor out = Tensor.zeros(inShape);
        int[] shape = inShape.clone();
        shape[d] = g.shapeRef()[d];
        Tensor window = new Tensor(out.storage(), shape, out.stridesRef(), start * out.stridesRef()[d]);
        Elementwise.assign(window, g);
        return new Tensor[] {out};
    }

    static Tensor[] sumTo(Tensor g, int[] inShape) {
        return new Tensor[] {g.sumTo(inShape)};
    }
}
