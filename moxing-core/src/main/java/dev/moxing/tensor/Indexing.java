package dev.moxing.tensor;

import dev.moxing.random.Rng;

/** Gathers, scatters, joins and masks. Every index is checked against its dim before any write. */
final class Indexing {
    private Indexing() {
    }

    private static int[] indices(String op, Tensor index) {
        if (index.dtype() != DType.I32) {
            float[] f = index.toFloatArray();
            int[] out = new int[f.length];
            for (int i = 0; i < f.length; i++) {
                if (f[i] != Math.rint(f[i])) {
                    throw new IllegalArgumentException(op + ": index tensor holds a non-integer value " + f[i]);
                }
                out[i] = (int) f[i];
            }
            return out;
        }
        return index.toIntArray();
    }

    private static void checkIndex(String op, int value, int dim, int size) {
        if (value < 0 || value >= size) {
            throw new IndexOutOfBoundsException(op + ": index " + value + " out of range for dim " + dim + " of size " + size);
        }
    }

    /** out = t with dim d restricted to the (1-D) index list, in that order. */
    static Tensor indexSelect(Tensor t, int d, Tensor index) {
        if (index.dim() > 1) {
            throw new IllegalArgumentException("indexSelect: index must be 1-D, got shape " + Shape.str(index.shapeRef()));
        }
        int[] ix = indices("indexSelect", index);
        int[] shape = t.shapeRef();
        for (int v : ix) checkIndex("indexSelect", v, d, shape[d]);
        float[] src = t.isContiguous() ? t.floats() : t.toFloatArray();
        int so = t.isContiguous() ? t.offset() : 0;
        int outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= shape[i];
        for (int i = d + 1; i < shape.length; i++) inner *= shape[i];
        int[] outShape = shape.clone();
        outShape[d] = ix.length;
        float[] out = new float[outer * ix.length * inner];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < ix.length; j++) {
                System.arraycopy(src, so + (o * shape[d] + ix[j]) * inner, out, (o * ix.length + j) * inner, inner);
            }
        }
        return Tensor.wrap(out, outShape);
    }

    /** Adds rows of src (shape with dim d = index length) into a zero tensor of shape at the indexed positions. */
    static Tensor indexAdd(int[] shape, int d, Tensor index, Tensor src) {
        int[] ix = indices("indexAdd", index);
        for (int v : ix) checkIndex("indexAdd", v, d, shape[d]);
        float[] s = src.toFloatArray();
        int outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= shape[i];
        for (int i = d + 1; i < shape.length; i++) inner *= shape[i];
        float[] out = new float[Shape.numel(shape)];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < ix.length; j++) {
                int dst = (o * shape[d] + ix[j]) * inner, from = (o * ix.length + j) * inner;
                for (int i = 0; i < inner; i++) out[dst + i] += s[from + i];
            }
        }
        return Tensor.wrap(out, shape);
    }

    /** torch.gather: out[..i_d..] = t[..index[..i_d..]..] along d; out has index's shape. */
    static Tensor gather(Tensor t, int d, Tensor index) {
        int[] shape = t.shapeRef(), is = index.shapeRef();
        checkCompatible("gather", shape, is, d);
        int[] ix = indices("gather", index);
        float[] src = t.floats();
        int[] st = t.stridesRef();
        float[] out = new float[ix.length];
        int[] pos = new int[is.length];
        for (int e = 0; e < ix.length; e++) {
            checkIndex("gather", ix[e], d, shape[d]);
            int off = t.offset();
            for (int k = 0; k < is.length; k++) off += (k == d ? ix[e] : pos[k]) * st[k];
            out[e] = src[off];
            advance(pos, is);
        }
        return Tensor.wrap(out, is);
    }

    /** A copy of t with src[..] added at t[..index[..]..] along d. */
    static Tensor scatterAdd(Tensor t, int d, Tensor index, Tensor src) {
        int[] shape = t.shapeRef(), is = index.shapeRef();
        checkCompatible("scatterAdd", shape, is, d);
        checkCompatible("scatterAdd", src.shapeRef(), is, -1);
        int[] ix = indices("scatterAdd", index);
        for (int v : ix) checkIndex("scatterAdd", v, d, shape[d]);
        float[] out = t.toFloatArray();
        int[] ost = Shape.contiguousStrides(shape);
        float[] s = src.floats();
        int[] sst = src.stridesRef();
        int[] pos = new int[is.length];
        for (int e = 0; e < ix.length; e++) {
            int o = 0, so = src.offset();
            for (int k = 0; k < is.length; k++) {
                o += (k == d ? ix[e] : pos[k]) * ost[k];
                so += pos[k] * sst[k];
            }
            out[o] += s[so];
            advance(pos, is);
        }
        return Tensor.wrap(out, shape);
    }

    private static void checkCompatible(String op, int[] shape, int[] is, int d) {
        if (is.length != shape.length) {
            throw new IllegalArgumentException(op + ": index rank " + is.length + " differs from input rank "
                    + shape.length + " (" + Shape.str(is) + " vs " + Shape.str(shape) + ")");
        }
        for (int k = 0; k < is.length; k++) {
            if (k != d && is[k] > shape[k]) {
                throw new IllegalArgumentException(op + ": index shape " + Shape.str(is) + " exceeds input shape "
                        + Shape.str(shape) + " in dim " + k);
            }
        }
    }

    private static void advance(int[] pos, int[] shape) {
        for (int k = pos.length - 1; k >= 0; k--) {
            if (++pos[k] < shape[k]) return;
            pos[k] = 0;
        }
    }

    static Tensor cat(int d, Tensor[] ts) {
        int[] first = ts[0].shapeRef();
        int total = 0;
        for (int i = 0; i < ts.length; i++) {
            int[] s = ts[i].shapeRef();
            boolean ok = s.length == first.length;
            for (int k = 0; ok && k < s.length; k++) ok = k == d || s[k] == first[k];
            if (!ok) {
                throw new IllegalArgumentException("cat: tensor " + i + " has shape " + Shape.str(s)
                        + ", incompatible with " + Shape.str(first) + " along dim " + d);
            }
            Elementwise.requireF32("cat", ts[i]);
            total += s[d];
        }
        int[] outShape = first.clone();
        outShape[d] = total;
        int outer = 1, inner = 1;
        for (int k = 0; k < d; k++) outer *= first[k];
        for (int k = d + 1; k < first.length; k++) inner *= first[k];
        float[] out = new float[Shape.numel(outShape)];
        int at = 0;
        for (Tensor t : ts) {
            float[] src = t.toFloatArray();
            int len = t.shapeRef()[d] * inner;
            for (int o = 0; o < outer; o++) System.arraycopy(src, o * len, out, o * total * inner + at, len);
            at += len;
        }
        return Tensor.wrap(out, outShape);
    }

    static Tensor dropoutMask(int[] shape, float p, Rng rng) {
        float[] m = new float[Shape.numel(shape)];
        float keep = p >= 1 ? 0f : 1f / (1f - p);
        for (int i = 0; i < m.length; i++) m[i] = rng.nextFloat() < p ? 0f : keep;
        return Tensor.wrap(m, shape);
    }

    static Tensor oneHot(Tensor index, int numClasses) {
        if (numClasses <= 0) throw new IllegalArgumentException("oneHot: numClasses must be positive, got " + numClasses);
        int[] ix = indices("oneHot", index);
        int[] is = index.shapeRef();
        int[] outShape = java.util.Arrays.copyOf(is, is.length + 1);
        outShape[is.length] = numClasses;
        float[] out = new float[ix.length * numClasses];
        for (int i = 0; i < ix.length; i++) {
            if (ix[i] < 0 || ix[i] >= numClasses) {
                throw new IndexOutOfBoundsException("oneHot: class " + ix[i] + " out of range for " + numClasses + " classes");
            }
            out[i * numClasses + ix[i]] = 1f;
        }
        return Tensor.wrap(out, outShape);
    }
}
