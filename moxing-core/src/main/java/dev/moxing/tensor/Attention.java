package dev.moxing.tensor;

import dev.moxing.autograd.Autograd;
import dev.moxing.autograd.GradMode;
import dev.moxing.kernels.FlashAttention;
import dev.moxing.kernels.quant.QuantAttention;

/** Fused scaled dot-product attention: the op, its saved state, and the wiring to its backward kernel. */
final class Attention {
    private Attention() {
    }

    /** The row-major values: the backing array itself when the tensor is a contiguous prefix of it (no copy). */
    private static float[] flat(Tensor t) {
        if (t.isContiguous() && t.offset() == 0 && t.storage() instanceof Storage.Floats f) return f.data();
        return t.toFloatArray();
    }

    /**
     * When k and v are both the first Tk rows (dim 2) of contiguous (B, Hkv, R, D) heap buffers
     * with R > Tk — what a preallocated KV cache hands out — returns R; otherwise 0.
     */
    private static int cacheRows(Tensor k, Tensor v) {
        int rows = prefixRows(k);
        return rows > 0 && prefixRows(v) == rows ? rows : 0;
    }

    private static int prefixRows(Tensor t) {
        int[] s = t.shapeRef(), st = t.stridesRef();
        if (!(t.storage() instanceof Storage.Floats) || t.offset() != 0 || t.isContiguous()) return 0;
        int d = s[3];
        if (st[3] != 1 || st[2] != d || st[1] % d != 0) return 0;
        int rows = st[1] / d;
        return rows > s[2] && st[0] == (long) s[1] * rows * d ? rows : 0;
    }

    /**
     * When k and v are both the first Tk rows (dim 2) of (B, Hkv, R, D) memory segments of one
     * type that {@link QuantAttention} reads (an F16 or Q8_0 KV cache, R ≥ Tk), returns R; otherwise 0.
     */
    static int storedRows(Tensor k, Tensor v) {
        if (!(k.storage() instanceof Storage.Segment ks) || !(v.storage() instanceof Storage.Segment vs)
                || ks.dtype() != vs.dtype() || !QuantAttention.supports(ks.dtype())) return 0;
        int rows = segmentRows(k);
        return rows > 0 && segmentRows(v) == rows ? rows : 0;
    }

    private static int segmentRows(Tensor t) {
        int[] s = t.shapeRef(), st = t.stridesRef();
        int d = s[3];
        if (t.offset() != 0 || st[3] != 1 || st[2] != d || st[1] % d != 0) return 0;
        int rows = st[1] / d;
        return rows >= s[2] && st[0] == (long) s[1] * rows * d ? rows : 0;
    }

    /**
     * Whether t (B, H, T, D) is the transpose(1, 2) of a whole contiguous (B, T, H, D) heap array:
     * what a projection viewed as heads and transposed is.
     */
    private static boolean headsInRows(Tensor t) {
        if (!(t.storage() instanceof Storage.Floats f) || t.offset() != 0 || f.data().length != t.numel()) return false;
        int[] s = t.shapeRef(), st = t.stridesRef();
        return st[3] == 1 && st[1] == s[3] && st[2] == s[1] * s[3] && st[0] == s[2] * s[1] * s[3];
    }

    /**
     * Attention over q, k, v as {@link #headsInRows} views, read in place: the output and the
     * gradients are made in the same layout and handed out as (B, H, T, D) views of it, so the
     * transposes and reshapes around attention in a transformer block stay views, forward and
     * backward. An incoming gradient in another layout is copied into it once.
     */
    private static Tensor applyRows(Tensor q, Tensor k, Tensor v, boolean causal) {
        int[] qs = q.shapeRef(), ks = k.shapeRef();
        int b = qs[0], h = qs[1], tq = qs[2], d = qs[3], hkv = ks[1], tk = ks[2];
        float[] qd = ((Storage.Floats) q.storage()).data(), kd = ((Storage.Floats) k.storage()).data(),
                vd = ((Storage.Floats) v.storage()).data();
        float[] out = new float[q.numel()];                                           // (B, Tq, H, D)
        float[] lse = new float[b * h * tq];
        FlashAttention.forwardRows(qd, kd, vd, out, lse, b, h, hkv, tq, tk, d, causal);
        Tensor result = Tensor.wrap(out, new int[] {b, tq, h, d}).transpose(1, 2);    // (B, H, Tq, D) view
        return Autograd.record(result, "attention", g -> {
            float[] gd = headsInRows(g) ? ((Storage.Floats) g.storage()).data()
                    : g.transpose(1, 2).toFloatArray();                                // (B, Tq, H, D)
            float[] dq = new float[q.numel()], dk = new float[k.numel()], dv = new float[v.numel()];
            FlashAttention.backwardRows(qd, kd, vd, out, lse, gd, dq, dk, dv, b, h, hkv, tq, tk, d, causal);
            return new Tensor[] {Tensor.wrap(dq, new int[] {b, tq, h, d}).transpose(1, 2),
                    Tensor.wrap(dk, new int[] {b, tk, hkv, d}).transpose(1, 2),
                    Tensor.wrap(dv, new int[] {b, tk, hkv, d}).transpose(1, 2)};
        }, q, k, v);
    }

    /** q (B, H, Tq, D), k and v (B, Hkv, Tk, D) → (B, H, Tq, D). */
    static Tensor apply(Tensor q, Tensor k, Tensor v, boolean causal) {
        int[] qs = q.shapeRef(), ks = k.shapeRef(), vs = v.shapeRef();
        if (qs.length != 4 || ks.length != 4 || vs.length != 4) {
            throw new IllegalArgumentException("attention: expects 4-D (B, H, T, D) tensors, got q " + Shape.str(qs)
                    + ", k " + Shape.str(ks) + ", v " + Shape.str(vs));
        }
        int b = qs[0], h = qs[1], tq = qs[2], d = qs[3], hkv = ks[1], tk = ks[2];
        if (ks[0] != b || vs[0] != b || !Shape.same(ks, vs) || ks[3] != d || hkv == 0 || h % hkv != 0) {
            throw new IllegalArgumentException("attention: incompatible q " + Shape.str(qs) + ", k " + Shape.str(ks)
                    + ", v " + Shape.str(vs) + " (need the same B and D, k and v equal, H a multiple of Hkv)");
        }
        if (causal && tq > tk) {
            throw new IllegalArgumentException("attention: causal with more queries (" + tq + ") than keys (" + tk + ")");
        }
        int kvRows = cacheRows(k, v);
        boolean needsGrad = GradMode.isEnabled() && (q.requiresGrad() || k.requiresGrad() || v.requiresGrad());
        int storedRows = needsGrad ? 0 : storedRows(k, v);
        if (storedRows > 0) { // inference against an F16/Q8_0 cache: decoded inside the kernel, a few rows at a time
            float[] out = new float[q.numel()];
            QuantAttention.forward(flat(q), k.dtype(), ((Storage.Segment) k.storage()).segment(),
                    ((Storage.Segment) v.storage()).segment(), out, new float[b * h * tq], b, h, hkv, tq, tk, storedRows, d, causal);
            return Tensor.wrap(out, qs);
        }
        if (kvRows > 0 && !needsGrad) { // inference against a preallocated cache: read it in place
            float[] out = new float[q.numel()];
            FlashAttention.forward(flat(q), ((Storage.Floats) k.storage()).data(), ((Storage.Floats) v.storage()).data(),
                    out, new float[b * h * tq], b, h, hkv, tq, tk, kvRows, d, causal);
            return Tensor.wrap(out, qs);
        }
        if (kvRows == 0 && headsInRows(q) && headsInRows(k) && headsInRows(v)) return applyRows(q, k, v, causal);
        float[] qd = flat(q), kd = flat(k), vd = flat(v);
        float[] out = new float[q.numel()];
        float[] lse = new float[b * h * tq];
        FlashAttention.forward(qd, kd, vd, out, lse, b, h, hkv, tq, tk, d, causal);
        Tensor result = Tensor.wrap(out, qs);
        return Autograd.record(result, "attention", g -> {
            float[] dq = new float[q.numel()], dk = new float[k.numel()], dv = new float[v.numel()];
            FlashAttention.backward(qd, kd, vd, out, lse, g.toFloatArray(), dq, dk, dv, b, h, hkv, tq, tk, d, causal);
            return new Tensor[] {Tensor.wrap(dq, qs), Tensor.wrap(dk, ks), Tensor.wrap(dv, vs)};
        }, q, k, v);
    }
}
