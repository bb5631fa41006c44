package dev.moxing.nn.lora;

import dev.moxing.nn.init.FanMode;
import dev.moxing.nn.init.Init;
import dev.moxing.nn.layers.Linear;
import dev.moxing.random.Rng;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Storage;
import dev.moxing.tensor.Tensor;

/**
 * A Linear with a low-rank adapter (Hu et al., LoRA): y = x Wᵀ + b + s · dropout(x) Aᵀ Bᵀ with
 * A (r, in), B (out, r) and s = alpha / r. W and b are the wrapped layer's own tensors (not
 * copies), frozen; only A and B train. Initialised like PEFT: A Kaiming-uniform (a = √5), B zero,
 * so a fresh adapter leaves the layer's output unchanged bit for bit.
 *
 * <p>It extends Linear so that code which expects the projection to be a Linear (weight access,
 * output-projection init, export) keeps working; {@link #weight()} is the base W, which includes
 * the adapter only while {@link #merged()}. State-dict names: "weight", "bias", "lora_A", "lora_B".
 */
public final class LoraLinear extends Linear {
    private final int rank;
    private final float scale;
    private final float dropout;
    private final Rng rng;
    private boolean merged;

    public LoraLinear(Linear base, int rank, float alpha, float dropout, Rng rng) {
        super(base.weight(), base.bias());
        if (rank <= 0) throw new IllegalArgumentException("LoraLinear: rank must be positive, got " + rank);
        this.rank = rank;
        this.scale = alpha / rank;
        this.dropout = dropout;
        this.rng = rng;
        weight().setRequiresGrad(false);
        if (bias() != null) bias().setRequiresGrad(false);
        registerParameter("lora_A", Init.heUniform(Tensor.zeros(rank, inFeatures()), Math.sqrt(5), FanMode.FAN_IN,
                "leaky_relu", rng));
        registerParameter("lora_B", Tensor.zeros(outFeatures(), rank));
        train(base.isTraining());
    }

    public Tensor loraA() {
        return localParameters().get("lora_A");
    }

    public Tensor loraB() {
        return localParameters().get("lora_B");
    }

    public int rank() {
        return rank;
    }

    public float scale() {
        return scale;
    }

    public boolean merged() {
        return merged;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = super.forward(x); // checks the input; W already holds s·B·A when merged
        if (merged) return y;
        Tensor h = dropout > 0 ? x.dropout(dropout, isTraining(), rng) : x;
        // Two thin GEMMs through the fused linear op: (…, in) → (…, r) → (…, out); never B·A.
        return y.add(Linear.apply(Linear.apply(h, loraA(), null), loraB(), null).mul(scale));
    }

    /** Folds s·B·A into W, so inference costs one GEMM. F32 heap weights only. */
    public void merge() {
        if (merged) throw new IllegalStateException("LoraLinear: already merged");
        fold(1f);
        merged = true;
    }

    /** Takes s·B·A back out of W (exact up to float rounding, ~1e-7 relative). */
    public void unmerge() {
        if (!merged) throw new IllegalStateException("LoraLinear: not merged");
        fold(-1f);
        merged = false;
    }

    private void fold(float sign) {
        Tensor w = weight();
        if (w.dtype() != DType.F32 || !(w.storage() instanceof Storage.Floats)) {
            // Writing into a memory-mapped or quantized weight would corrupt the base model's file
            // (or requantize it lossily): keep the adapter separate and run unmerged instead.
            throw new UnsupportedOperationException("LoraLinear: cannot merge into a stored " + w.dtype()
                    + " weight (memory-mapped or quantized); run the adapter unmerged, or load the base as F32 to merge");
        }
        try (var ignored = Tensor.noGrad()) {
            w.copyFrom(w.add(loraB().matmul(loraA()).mul(sign * scale)));
        }
    }

    @Override
    public String describe() {
        return "LoraLinear(" + inFeatures() + " → " + outFeatures() + ", r=" + rank + ", scale=" + scale
                + (merged ? ", merged" : "") + ")";
    }
}
