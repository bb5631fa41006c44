package dev.moxing.nn.layers;

import dev.moxing.nn.Module;
import dev.moxing.nn.init.Init;
import dev.moxing.random.Rng;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

/**
 * A lookup table: integer ids of any shape → (..., dim) rows of weight (vocab, dim), initialised
 * N(0, 1) like PyTorch's nn.Embedding. Ids are I32 tensors ({@code Tensor.ofInts}); integer-valued
 * F32 ids are accepted too. The gradient adds each upstream row onto the row it came from
 * (repeated ids accumulate).
 */
public class Embedding extends Module {
    private final int numEmbeddings;
    private final int dim;

    public Embedding(int numEmbeddings, int dim) {
        this(numEmbeddings, dim, Init.defaultRng());
    }

    public Embedding(int numEmbeddings, int dim, Rng rng) {
        ShapeCheck.positive("Embedding", "vocabulary size", numEmbeddings);
        ShapeCheck.positive("Embedding", "dim", dim);
        this.numEmbeddings = numEmbeddings;
        this.dim = dim;
        registerParameter("weight", Init.normal(Tensor.zeros(numEmbeddings, dim), 0, 1, rng));
    }

    /** A table over existing weights (count, dim), without copying them (F32, or a stored F16/quantized tensor). */
    public Embedding(Tensor weight) {
        if (weight.dim() != 2) throw new IllegalArgumentException("Embedding: weight must be (count, dim), got " + Shape.str(weight.shape()));
        this.numEmbeddings = weight.size(0);
        this.dim = weight.size(1);
        registerParameter("weight", weight);
    }

    public int numEmbeddings() {
        return numEmbeddings;
    }

    public int dim() {
        return dim;
    }

    public Tensor weight() {
        return localParameters().get("weight");
    }

    @Override
    public Tensor forward(Tensor ids) {
        if (ids.dtype() != DType.I32 && ids.dtype() != DType.F32) {
            throw new IllegalArgumentException(describe() + ": ids must be I32 (or integer-valued F32), got "
                    + ids.dtype() + " of shape " + Shape.str(ids.shape()));
        }
        int[] values = ids.toIntArray();
        float[] raw = ids.dtype() == DType.F32 ? ids.toFloatArray() : null;
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] >= numEmbeddings || (raw != null && raw[i] != values[i])) {
                String id = raw != null ? Float.toString(raw[i]) : Integer.toString(values[i]);
                throw new IndexOutOfBoundsException(describe() + ": id " + id
                        + " at flat position " + i + " of ids " + Shape.str(ids.shape()) + " is not in [0, "
                        + numEmbeddings + ")");
            }
        }
        if (StoredWeights.isStored(weight())) return StoredWeights.embedding(weight(), values, ids.shape());
        return Tensor.embedding(weight(), ids.dtype() == DType.I32 ? ids : Tensor.ofInts(values, ids.shape()));
    }

    @Override
    public String describe() {
        return "Embedding(" + numEmbeddings + ", " + dim + ")";
    }
}
