package dev.moxing.nn.layers;

import dev.moxing.autograd.Autograd;
import dev.moxing.kernels.Gemm;
import dev.moxing.nn.Module;
import dev.moxing.nn.init.FanMode;
import dev.moxing.nn.init.Init;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * y = x Wᵀ + b over the last dim, PyTorch layout: weight (out, in), bias (out). Initialised like
 * PyTorch's nn.Linear: weight and bias U(±1/√in) (kaiming_uniform with a = √5).
 *
 * <p>The op is one fused forward/backward pair on the core GEMM (llm.c's matmul_forward /
 * matmul_backward): the bias is written into the output rows first and the GEMM accumulates
 * onto it, and the backward pass does dx = g W, dW = gᵀ x and db = Σ g directly, instead of a
 * matmul node, a transpose node and a broadcast-add node.
 */
public class Linear extends Module {
    private final int inFeatures;
    private final int outFeatures;

    public Linear(int inFeatures, int outFeatures) {
        this(inFeatures, outFeatures, true);
    }

    public Linear(int inFeatures, int outFeatures, boolean bias) {
        this(inFeatures, outFeatures, bias, Init.defaultRng());
    }

    public Linear(int inFeatures, int outFeatures, boolean bias, Rng rng) {
        ShapeCheck.positive("Linear", "in features", inFeatures);
        ShapeCheck.positive("Linear", "out features", outFeatures);
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        registerParameter("weight", Init.heUniform(Tensor.zeros(outFeatures, inFeatures), Math.sqrt(5),
                FanMode.FAN_IN, "leaky_relu", rng));
        if (bias) {
            double bound = 1 / Math.sqrt(inFeatures);
            registerParameter("bias", Init.uniform(Tensor.zeros(outFeatures), -bound, bound, rng));
        }
    }

    /**
     * A layer over existing weights, without copying them: weight (out, in), bias (out) or null.
     * The weight may be a stored tensor (F16, BF16 or block-quantized, e.g. memory-mapped from a
     * GGUF file): such a layer runs forward with the quantized kernels and stays frozen.
     */
    public Linear(Tensor weight, Tensor bias) {
        if (weight.dim() != 2) throw new IllegalArgumentException("Linear: weight must be (out, in), got " + Shape.str(weight.shape()));
        this.outFeatures = weight.size(0);
        this.inFeatures = weight.size(1);
        if (bias != null && (bias.dim() != 1 || bias.size(0) != outFeatures)) {
            throw new IllegalArgumentException("Linear: bias " + Shape.str(bias.shape()) + " does not match weight "
                    + Shape.str(weight.shape()));
        }
        registerParameter("weight", weight);
        if (bias != null) registerParameter("bias", bias);
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    /** (out, in). */
    public Tensor weight() {
        return localParameters().get("weight");
    }

    /** (out), or null without bias. */
    public Tensor bias() {
        return localParameters().get("bias");
    }

    @Override
    public Tensor forward(Tensor x) {
        ShapeCheck.floats(this, x);
        ShapeCheck.minRank(this, x, 1, "(..., " + inFeatures + ")");
        ShapeCheck.size(this, x, -1, inFeatures, "features");
        return apply(x, weight(), bias());
    }

    @Override
    public String describe() {
        return "Linear(" + inFeatures + " → " + outFeatures + (bias() == null ? ", bias=false" : "") + ")";
    }

    /**
     * The functional form (torch.nn.functional.linear): input (..., in), weight (out, in), bias
     * (out) or null → (..., out). Differentiable in all three.
     */
    public static Tensor apply(Tensor input, Tensor weight, Tensor bias) {
        int[] s = input.shape();
        if (weight.dim() != 2 || s.length == 0 || s[s.length - 1] != weight.size(1)) {
            throw new IllegalArgumentException("linear: input " + Shape.str(s) + " does not match weight "
                    + Shape.str(weight.shape()) + " (expected input (..., " + (weight.dim() == 2 ? weight.size(1) : "?")
                    + "))");
        }
        int in = weight.size(1);
        int out = weight.size(0);
        if (bias != null && (bias.dim() != 1 || bias.size(0) != out)) {
            throw new IllegalArgumentException("linear: bias " + Shape.str(bias.shape()) + " does not match weight "
                    + Shape.str(weight.shape()) + " (expected (" + out + ",))");
        }
        if (StoredWeights.isStored(weight)) return StoredWeights.linear(input, weight, bias);
        Tensor x = input.contiguous(); // (rows, in)
        Tensor w = weight.contiguous(); // (out, in)
        Tensor b = bias == null ? null : bias.contiguous(); // (out)
        int rows = 1;
        for (int i = 0; i < s.length - 1; i++) rows *= s[i];
        float[] y = new float[rows * out]; // (rows, out)
        if (b != null) {
            for (int r = 0; r < rows; r++) System.arraycopy(b.buffer(), b.offset(), y, r * out, out);
        }
        if (rows > 0 && out > 0 && in > 0) {
            Gemm.sgemm(false, true, rows, out, in, 1f, x.buffer(), x.offset(), in, w.buffer(), w.offset(), in,
                    b == null ? 0f : 1f, y, 0, out);
        }
        int[] outShape = s.clone();
        outShape[s.length - 1] = out;
        int m = rows;
        return Autograd.record(Tensor.fromArray(y, outShape), "linear", g -> backward(g, x, w, b, m, in, out), x, w, b);
    }

    private static Tensor[] backward(Tensor grad, Tensor x, Tensor w, Tensor b, int rows, int in, int out) {
        Tensor g = grad.contiguous(); // (rows, out)
        float[] gb = g.buffer();
        int go = g.offset();
        boolean work = rows > 0 && out > 0 && in > 0;
        Tensor dx = null;
        Tensor dw = null;
        Tensor db = null;
        if (x.requiresGrad()) {
            float[] d = new float[rows * in]; // (rows, in) = g (rows, out) @ W (out, in)
            if (work) Gemm.sgemm(false, false, rows, in, out, 1f, gb, go, out, w.buffer(), w.offset(), in, 0f, d, 0, in);
            dx = Tensor.fromArray(d, x.shape());
        }
        if (w.requiresGrad()) {
            float[] d = new float[out * in]; // (out, in) = gᵀ (out, rows) @ x (rows, in)
            if (work) Gemm.sgemm(true, false, out, in, rows, 1f, gb, go, out, x.buffer(), x.offset(), in, 0f, d, 0, in);
            dw = Tensor.fromArray(d, out, in);
        }
        if (b != null && b.requiresGrad()) db = Tensor.fromArray(columnSums(gb, go, rows, out), out);
        return new Tensor[] {dx, dw, db};
    }

    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    /** Floats with as many lanes as DS, widened to doubles lane for lane. */
    private static final VectorSpecies<Float> FS =
            VectorSpecies.of(float.class, VectorShape.forBitSize(DS.vectorBitSize() / 2));

    /**
     * Column sums of g (rows, out) at go, accumulated in double: rows can be large (batch × time)
     * and a float sum would drift. Vector lanes widen 8 columns at a time and add row by row, the
     * same additions in the same order as the scalar loop (bit for bit), which as scalar code was
     * 1.5% of a GPT training step. Threads split the columns, not the rows, so every column is
     * still one sequential sum and the result does not depend on the thread count.
     */
    static float[] columnSums(float[] g, int go, int rows, int out) {
        double[] acc = new double[out];
        int lanes = DS.length();
        // Chunks of whole vectors (grain 64 columns: one thread below 128 or when rows are few).
        int grain = rows < 256 ? out : 64;
        dev.moxing.parallel.WorkerPool.shared().parallelFor(0, Math.ceilDiv(out, lanes), Math.ceilDiv(grain, lanes), (v0, v1) -> {
            int j0 = v0 * lanes, j1 = Math.min(out, v1 * lanes), e = j0 + (j1 - j0) / lanes * lanes;
            for (int r = 0; r < rows; r++) {
                int base = go + r * out, j = j0;
                for (; j < e; j += lanes) {
                    DoubleVector wide = (DoubleVector) FloatVector.fromArray(FS, g, base + j).convertShape(VectorOperators.F2D, DS, 0);
                    DoubleVector.fromArray(DS, acc, j).add(wide).intoArray(acc, j);
                }
                for (; j < j1; j++) acc[j] += g[base + j];
            }
        });
        float[] d = new float[out];
        for (int j = 0; j < out; j++) d[j] = (float) acc[j];
        return d;
    }
}
