package dev.moxing.nn.layers;

import dev.moxing.autograd.Autograd;
import dev.moxing.kernels.Gemm;
import dev.moxing.kernels.quant.Dequantize;
import dev.moxing.kernels.quant.QuantMatmul;
import dev.moxing.kernels.quant.RowInterleave;
import dev.moxing.tensor.Storage;
import dev.moxing.tensor.Tensor;

/**
 * Layers over stored weights: tensors backed by a memory segment (a memory-mapped model file) in
 * F32, F16, BF16 or a ggml block-quantized type. The weights are read in place by the quantized
 * kernels and never copied whole; they are frozen, but gradients still flow to the layer's input
 * (so adapters such as LoRA can train on top of a quantized model).
 */
final class StoredWeights {
    private StoredWeights() {
    }

    static boolean isStored(Tensor weight) {
        return weight.storage() instanceof Storage.Segment;
    }

    /** Byte offset of element {@code offset} (a block boundary) in the segment. */
    private static long byteOffset(Storage.Segment s, Tensor w) {
        return s.dtype().bytesFor(w.offset());
    }

    private static Storage.Segment segment(Tensor w, String op) {
        if (!w.isContiguous()) {
            throw new IllegalArgumentException(op + ": a stored " + w.dtype() + " weight must be contiguous, got strides of a view");
        }
        return (Storage.Segment) w.storage();
    }

    /** input (..., in) · weight (out, in)ᵀ + bias (out) → (..., out). */
    static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
        Storage.Segment seg = segment(weight, "linear");
        Tensor x = input.contiguous();
        int in = weight.size(1), out = weight.size(0);
        int[] s = input.shape();
        int rows = in == 0 ? 0 : x.numel() / in;
        float[] y = new float[rows * out]; // (rows, out)
        QuantMatmul.matmul(x.buffer(), x.offset(), rows, in, seg.dtype(), seg.segment(), byteOffset(seg, weight), out, y, 0);
        Tensor b = bias == null ? null : bias.contiguous();
        if (b != null) {
            float[] bb = b.buffer();
            for (int r = 0; r < rows; r++) for (int j = 0; j < out; j++) y[r * out + j] += bb[b.offset() + j];
        }
        int[] outShape = s.clone();
        outShape[s.length - 1] = out;
        int m = rows;
        return Autograd.record(Tensor.fromArray(y, outShape), "linear", g -> {
            Tensor gc = g.contiguous(); // (rows, out)
            Tensor dx = null, db = null;
            if (x.requiresGrad()) {
                float[] w = dequantize(seg, weight, out, in);
                float[] d = new float[m * in]; // (rows, in) = g (rows, out) @ W (out, in)
                Gemm.sgemm(false, false, m, in, out, 1f, gc.buffer(), gc.offset(), out, w, 0, in, 0f, d, 0, in);
                dx = Tensor.fromArray(d, x.shape());
            }
            if (b != null && b.requiresGrad()) {
                float[] d = new float[out];
                for (int r = 0; r < m; r++) for (int j = 0; j < out; j++) d[j] += gc.buffer()[gc.offset() + r * out + j];
                db = Tensor.fromArray(d, out);
            }
            return new Tensor[] {dx, null, db};
        }, x, weight, b);
    }

    private static float[] dequantize(Storage.Segment seg, Tensor weight, int rows, int cols) {
        float[] w = new float[rows * cols];
        if (seg.dtype().interleavedFrom() != null) {
            RowInterleave.decodeRows(seg.dtype(), seg.segment(), byteOffset(seg, weight), cols, 0, rows, w, 0);
        } else {
            Dequantize.row(seg.dtype(), seg.segment(), byteOffset(seg, weight), w, 0, rows * cols);
        }
        return w;
    }

    /** Rows {@code ids} of a stored (count, dim) table → (ids shape..., dim), decoded to F32. */
    static Tensor embedding(Tensor weight, int[] ids, int[] idShape) {
        Storage.Segment seg = segment(weight, "embedding");
        int dim = weight.size(1);
        long rowBytes = seg.dtype().bytesFor(dim), base = byteOffset(seg, weight);
        float[] out = new float[ids.length * dim];
        for (int i = 0; i < ids.length; i++) {
            if (seg.dtype().interleavedFrom() != null) {
                RowInterleave.decodeRows(seg.dtype(), seg.segment(), base, dim, ids[i], 1, out, i * dim);
            } else {
                Dequantize.row(seg.dtype(), seg.segment(), base + ids[i] * rowBytes, out, i * dim, dim);
            }
        }
        int[] shape = new int[idShape.length + 1];
        System.arraycopy(idShape, 0, shape, 0, idShape.length);
        shape[idShape.length] = dim;
        return Tensor.fromArray(out, shape);
    }
}
