package dev.moxing.tensor;

import dev.moxing.kernels.VectorActivations;
import dev.moxing.kernels.VectorOps;
import dev.moxing.parallel.WorkerPool;

/**
 * Elementwise ops over strided, broadcast operands. The loop is coalesced into rows
 * ({@link StridedLoop}); unit-stride rows go to the Vector API kernels, rows against a broadcast
 * scalar go to the scalar-operand kernels, anything else to a plain strided loop. Large tensors are
 * split over the worker pool by rows.
 */
final class Elementwise {
    /** Elements below which an op stays on the calling thread (thread hand-off costs ~microseconds). */
    static final int GRAIN = 1 << 15;

    private Elementwise() {
    }

    static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        requireF32(op.name().toLowerCase(), a);
        requireF32(op.name().toLowerCase(), b);
        int[] shape = Shape.broadcast(op.name().toLowerCase(), a.shapeRef(), b.shapeRef());
        int n = Shape.numel(shape);
        float[] out = new float[n];
        if (n == 0) return Tensor.wrap(out, shape);
        float[] ad = a.floats(), bd = b.floats();
        int[] as = Shape.broadcastStrides(a.shapeRef(), a.stridesRef(), shape);
        int[] bs = Shape.broadcastStrides(b.shapeRef(), b.stridesRef(), shape);
        StridedLoop loop = StridedLoop.of(shape, Shape.contiguousStrides(shape), as, bs);
        int inner = loop.inner();
        int sa = loop.innerStride(1), sb = loop.innerStride(2);
        int[] bases = {0, a.offset(), b.offset()};
        WorkerPool.shared().parallelFor(0, loop.rows(), Math.max(1, GRAIN / inner), (r0, r1) -> {
            int[] offs = new int[3];
            for (int r = r0; r < r1; r++) {
                loop.offsets(r, bases, offs);
                row(op, ad, offs[1], sa, bd, offs[2], sb, out, offs[0], inner);
            }
        });
        return Tensor.wrap(out, shape);
    }

    /** One row: out[o..o+n) = a[ia + i*sa] op b[ib + i*sb]. */
    private static void row(BinaryOp op, float[] a, int ia, int sa, float[] b, int ib, int sb, float[] out, int o, int n) {
        if (!op.isComparison() && op != BinaryOp.POW) {
            if (sa == 1 && sb == 1) {
                switch (op) {
                    case ADD -> VectorOps.add(a, ia, b, ib, out, o, n);
                    case SUB -> VectorOps.sub(a, ia, b, ib, out, o, n);
                    case MUL -> VectorOps.mul(a, ia, b, ib, out, o, n);
                    case DIV -> VectorOps.div(a, ia, b, ib, out, o, n);
                    case MAX -> VectorOps.max(a, ia, b, ib, out, o, n);
                    case MIN -> VectorOps.min(a, ia, b, ib, out, o, n);
                    default -> throw new AssertionError(op);
                }
                return;
            }
            if (sa == 1 && sb == 0) {
                scalarRight(op, a, ia, b[ib], out, o, n);
                return;
            }
            if (sa == 0 && sb == 1) {
                float s = a[ia];
                switch (op) {
                    case ADD -> VectorOps.addScalar(b, ib, s, out, o, n);
                    case SUB -> VectorOps.rsub(b, ib, s, out, o, n);
                    case MUL -> VectorOps.mulScalar(b, ib, s, out, o, n);
                    case DIV -> VectorOps.rdiv(b, ib, s, out, o, n);
                    case MAX -> VectorOps.maxScalar(b, ib, s, out, o, n);
                    case MIN -> VectorOps.minScalar(b, ib, s, out, o, n);
                    default -> throw new AssertionError(op);
                }
                return;
            }
        } else if (op == BinaryOp.POW && sa == 1 && sb == 0) {
            VectorOps.powScalar(a, ia, b[ib], out, o, n);
            return;
        }
        for (int i = 0; i < n; i++) out[o + i] = op.apply(a[ia + i * sa], b[ib + i * sb]);
    }

    private static void scalarRight(BinaryOp op, float[] a, int ia, float s, float[] out, int o, int n) {
        switch (op) {
            case ADD -> VectorOps.addScalar(a, ia, s, out, o, n);
            case SUB -> VectorOps.addScalar(a, ia, -s, out, o, n); // a - s == a + (-s) exactly in IEEE 754
            case MUL -> VectorOps.mulScalar(a, ia, s, out, o, n);
            case DIV -> VectorOps.divScalar(a, ia, s, out, o, n);
            case MAX -> VectorOps.maxScalar(a, ia, s, out, o, n);
            case MIN -> VectorOps.minScalar(a, ia, s, out, o, n);
            case POW -> VectorOps.powScalar(a, ia, s, out, o, n);
            default -> {
                for (int i = 0; i < n; i++) out[o + i] = op.apply(a[ia + i], s);
            }
        }
    }

    static Tensor binaryScalar(BinaryOp op, Tensor a, float s) {
        return map(op.name().toLowerCase(), a, (in, io, out, oo, n) -> scalarRight(op, in, io, s, out, oo, n));
    }

    /** A kernel over a contiguous input range and an output range of the same length. */
    @FunctionalInterface
    private interface RangeKernel {
        void run(float[] in, int inOff, float[] out, int outOff, int n);
    }

    /** Applies an elementwise kernel to a (made contiguous) tensor, split over the pool. */
    private static Tensor map(String op, Tensor a, RangeKernel kernel) {
        requireF32(op, a);
        Tensor c = a.isContiguous() ? a : Tensor.wrap(a.toFloatArray(), a.shapeRef());
        int n = c.numel();
        float[] in = c.floats();
        int off = c.offset();
        float[] out = new float[n];
        WorkerPool.shared().parallelFor(0, n, GRAIN, (f, t) -> kernel.run(in, off + f, out, f, t - f));
        return Tensor.wrap(out, a.shapeRef());
    }

    static Tensor unary(UnaryOp op, Tensor a) {
        return map(op.label, a, (in, io, out, oo, n) -> unaryRange(op, in, io, out, oo, n));
    }

    private static void unaryRange(UnaryOp op, float[] a, int ao, float[] out, int oo, int n) {
        switch (op) {
            case NEG -> VectorOps.neg(a, ao, out, oo, n);
            case ABS -> VectorOps.abs(a, ao, out, oo, n);
            case EXP -> VectorOps.exp(a, ao, out, oo, n);
            case LOG -> VectorOps.log(a, ao, out, oo, n);
            case SQRT -> VectorOps.sqrt(a, ao, out, oo, n);
            case RSQRT -> VectorOps.rsqrt(a, ao, out, oo, n);
            case SQUARE -> VectorOps.square(a, ao, out, oo, n);
            case RELU -> VectorActivations.relu(a, ao, out, oo, n);
            case GELU -> VectorActivations.gelu(a, ao, out, oo, n);
            case GELU_TANH -> VectorActivations.geluTanh(a, ao, out, oo, n);
            case SILU -> VectorActivations.silu(a, ao, out, oo, n);
            case SIGMOID -> VectorActivations.sigmoid(a, ao, out, oo, n);
            case TANH -> VectorActivations.tanh(a, ao, out, oo, n);
            case SIGN -> {
                for (int i = 0; i < n; i++) out[oo + i] = Math.signum(a[ao + i]);
            }
        }
    }

    static Tensor clamp(Tensor a, float lo, float hi) {
        return map("clamp", a, (in, io, out, oo, n) -> VectorOps.clamp(in, io, lo, hi, out, oo, n));
    }

    /** cond ? a : b, all broadcast together. */
    static Tensor where(Tensor cond, Tensor a, Tensor b) {
        int[] shape = Shape.broadcast("where", Shape.broadcast("where", cond.shapeRef(), a.shapeRef()), b.shapeRef());
        int n = Shape.numel(shape);
        float[] out = new float[n];
        float[] cd = cond.floats(), ad = a.floats(), bd = b.floats();
        StridedLoop loop = StridedLoop.of(shape, Shape.contiguousStrides(shape),
                Shape.broadcastStrides(cond.shapeRef(), cond.stridesRef(), shape),
                Shape.broadcastStrides(a.shapeRef(), a.stridesRef(), shape),
                Shape.broadcastStrides(b.shapeRef(), b.stridesRef(), shape));
        int inner = loop.inner();
        int sc = loop.innerStride(1), sa = loop.innerStride(2), sb = loop.innerStride(3);
        int[] bases = {0, cond.offset(), a.offset(), b.offset()};
        int[] offs = new int[4];
        for (int r = 0; r < loop.rows(); r++) {
            loop.offsets(r, bases, offs);
            for (int i = 0; i < inner; i++) {
                out[offs[0] + i] = cd[offs[1] + i * sc] != 0 ? ad[offs[2] + i * sa] : bd[offs[3] + i * sb];
            }
        }
        return Tensor.wrap(out, shape);
    }

    /** dst += alpha * src, src broadcast to dst's shape; dst must be heap F32 (any strides). */
    static void addInPlace(Tensor dst, Tensor src, float alpha) {
        if (dst.isContiguous() && src.isContiguous() && Shape.same(dst.shapeRef(), src.shapeRef())
                && dst.storage() instanceof Storage.Floats) {
            float[] dd = dst.buffer();
            float[] sd = src.floats();
            int doff = dst.offset(), soff = src.offset();
            WorkerPool.shared().parallelFor(0, dst.numel(), GRAIN, (f, t) -> {
                if (alpha == 1f) VectorOps.accumulate(sd, soff + f, dd, doff + f, t - f);
                else VectorOps.scaleAdd(sd, soff + f, alpha, dd, doff + f, t - f);
            });
            return;
        }
        Tensor scaled = alpha == 1f ? src : binaryScalar(BinaryOp.MUL, src, alpha);
        Tensor sum = binary(BinaryOp.ADD, dst, scaled);
        if (!Shape.same(sum.shapeRef(), dst.shapeRef())) {
            throw new IllegalArgumentException("addInPlace: " + Shape.str(src.shapeRef()) + " does not broadcast to "
                    + Shape.str(dst.shapeRef()));
        }
        assign(dst, sum);
    }

    static void copyInto(Tensor dst, Tensor src) {
        if (!Shape.same(dst.shapeRef(), src.shapeRef())) {
            throw new IllegalArgumentException("copyFrom: shape " + Shape.str(src.shapeRef()) + " differs from "
                    + Shape.str(dst.shapeRef()));
        }
        if (dst.isContiguous() && dst.storage() instanceof Storage.Floats f) {
            float[] sd = src.toFloatArray();
            System.arraycopy(sd, 0, f.data(), dst.offset(), sd.length);
        } else {
            assign(dst, src);
        }
    }

    static void fill(Tensor dst, float v) {
        if (dst.isContiguous() && dst.storage() instanceof Storage.Floats f) {
            java.util.Arrays.fill(f.data(), dst.offset(), dst.offset() + dst.numel(), v);
        } else {
            assign(dst, Views.expand(Tensor.scalar(v), dst.shapeRef()));
        }
    }

    static void requireF32(String op, Tensor t) {
        if (t.dtype() != DType.F32 && t.dtype() != DType.I32 && t.dtype() != DType.F16 && t.dtype() != DType.BF16) {
            throw new IllegalArgumentException(op + ": unsupported dtype " + t.dtype() + " (dequantize first)");
        }
    }

    /** Writes src (same shape) into the strided view dst, whose storage must be heap F32. */
    static void assign(Tensor dst, Tensor src) {
        if (!Shape.same(dst.shapeRef(), src.shapeRef())) {
            throw new IllegalArgumentException("assign: shape " + Shape.str(src.shapeRef()) + " differs from "
                    + Shape.str(dst.shapeRef()));
        }
        if (!(dst.storage() instanceof Storage.Floats f)) {
            throw new IllegalStateException("in-place write: destination is not an F32 heap tensor (" + dst.dtype() + ")");
        }
        for (int i = 0; i < dst.dim(); i++) {
            if (dst.stridesRef()[i] == 0 && dst.shapeRef()[i] > 1) {
                throw new IllegalArgumentException("in-place write: destination " + Shape.str(dst.shapeRef())
                        + " is an expanded view whose elements overlap (dim " + i + ")");
            }
        }
        float[] dd = f.data(), sd = src.floats();
        StridedLoop loop = StridedLoop.of(dst.shapeRef(), dst.stridesRef(), src.stridesRef());
        int inner = loop.inner(), ds = loop.innerStride(0), ss = loop.innerStride(1);
        int[] offs = new int[2];
        for (int r = 0; r < loop.rows(); r++) {
            loop.offsets(r, dst.offset(), src.offset(), offs);
            for (int i = 0; i < inner; i++) dd[offs[0] + i * ds] = sd[offs[1] + i * ss];
        }
    }
}
