package dev.moxing.tensor;

import dev.moxing.autograd.Autograd;
import dev.moxing.kernels.Gemm;

/** Matrix products on top of {@link Gemm}: transposed views become GEMM flags, never copies. */
final class Linalg {
    private Linalg() {
    }

    static Tensor matmul(Tensor a, Tensor b) {
        if (a.dim() == 0 || b.dim() == 0) {
            throw new IllegalArgumentException("matmul: both operands need at least one dimension, got "
                    + Shape.str(a.shapeRef()) + " @ " + Shape.str(b.shapeRef()));
        }
        // 1-D operands follow torch.matmul: promote with a size-1 dim, then drop it again.
        if (a.dim() == 1 && b.dim() == 1) {
            checkInner(a, b, a.size(0), b.size(0));
            return matmul(a.unsqueeze(0), b.unsqueeze(1)).reshape();
        }
        if (a.dim() == 1) return matmul(a.unsqueeze(0), b).squeeze(-2);
        if (b.dim() == 1) return matmul(a, b.unsqueeze(1)).squeeze(-1);
        Elementwise.requireF32("matmul", a);
        Elementwise.requireF32("matmul", b);
        Tensor out = multiply(a, b);
        return Autograd.record(out, "matmul", g -> Derivatives.matmul(g, a, b), a, b);
    }

    private static void checkInner(Tensor a, Tensor b, int ka, int kb) {
        if (ka != kb) {
            throw new IllegalArgumentException("matmul: " + Shape.str(a.shapeRef()) + " @ " + Shape.str(b.shapeRef())
                    + ": inner dimensions " + ka + " and " + kb + " differ");
        }
    }

    /** How a matrix operand is laid out for GEMM. */
    private record Layout(boolean trans, int ld) {
        /** Unit stride along columns → as stored; unit stride along rows → transposed; else null (copy). */
        static Layout of(int rows, int cols, int rowStride, int colStride) {
            if ((cols == 1 || colStride == 1) && (rows == 1 || rowStride >= cols)) {
                return new Layout(false, rows == 1 ? Math.max(cols, 1) : rowStride);
            }
            if ((rows == 1 || rowStride == 1) && (cols == 1 || colStride >= rows)) {
                return new Layout(true, cols == 1 ? Math.max(rows, 1) : colStride);
            }
            return null;
        }
    }

    /** (…, M, K) @ (…, K, N) → (…, M, N) with broadcast batch dims; no graph. */
    static Tensor multiply(Tensor a, Tensor b) {
        int ra = a.dim(), rb = b.dim();
        int[] as = a.shapeRef(), bs = b.shapeRef();
        int m = as[ra - 2], k = as[ra - 1], n = bs[rb - 1];
        checkInner(a, b, k, bs[rb - 2]);
        int[] aBatch = java.util.Arrays.copyOf(as, ra - 2), bBatch = java.util.Arrays.copyOf(bs, rb - 2);
        int[] batchShape = Shape.broadcast("matmul", aBatch, bBatch);
        int batch = Shape.numel(batchShape);
        int[] outShape = java.util.Arrays.copyOf(batchShape, batchShape.length + 2);
        outShape[batchShape.length] = m;
        outShape[batchShape.length + 1] = n;
        float[] c = new float[batch * m * n];
        if (c.length == 0) return Tensor.wrap(c, outShape);
        if (k == 0) return Tensor.wrap(c, outShape);

        Layout la = Layout.of(m, k, a.stridesRef()[ra - 2], a.stridesRef()[ra - 1]);
        if (la == null) {
            a = a.contiguousCopy();
            la = Layout.of(m, k, k, 1);
        }
        Layout lb = Layout.of(k, n, b.stridesRef()[rb - 2], b.stridesRef()[rb - 1]);
        if (lb == null) {
            b = b.contiguousCopy();
            lb = Layout.of(k, n, n, 1);
        }
        int[] aOff = batchOffsets(a, batchShape), bOff = batchOffsets(b, batchShape);
        float[] ad = a.floats(), bd = b.floats();
        int sa = uniformStride(aOff), sb = uniformStride(bOff);
        if (sa != Integer.MIN_VALUE && sb != Integer.MIN_VALUE) {
            Gemm.sgemmBatched(batch, la.trans, lb.trans, m, n, k, 1f, ad, aOff[0], sa, la.ld, bd, bOff[0], sb, lb.ld,
                    0f, c, 0, m * n, n);
        } else {
            for (int i = 0; i < batch; i++) {
                Gemm.sgemm(la.trans, lb.trans, m, n, k, 1f, ad, aOff[i], la.ld, bd, bOff[i], lb.ld, 0f, c, i * m * n, n);
            }
        }
        return Tensor.wrap(c, outShape);
    }

    /** Offset of each batch matrix of t, read as broadcast to batchShape. */
    private static int[] batchOffsets(Tensor t, int[] batchShape) {
        int rank = t.dim();
        int[] tb = java.util.Arrays.copyOf(t.shapeRef(), rank - 2);
        int[] ts = java.util.Arrays.copyOf(t.stridesRef(), rank - 2);
        int[] st = Shape.broadcastStrides(tb, ts, batchShape);
        int batch = Shape.numel(batchShape);
        int[] offs = new int[batch];
        int[] ix = new int[batchShape.length];
        for (int i = 0; i < batch; i++) {
            int o = t.offset();
            for (int d = 0; d < ix.length; d++) o += ix[d] * st[d];
            offs[i] = o;
            for (int d = ix.length - 1; d >= 0; d--) {
                if (++ix[d] < batchShape[d]) break;
                ix[d] = 0;
            }
        }
        return offs;
    }

    /** The constant step between consecutive offsets, or MIN_VALUE when there is none. */
    private static int uniformStride(int[] offs) {
        if (offs.length == 1) return 0;
        int s = offs[1] - offs[0];
        for (int i = 2; i < offs.length; i++) if (offs[i] - offs[i - 1] != s) return Integer.MIN_VALUE;
        return s;
    }
}
