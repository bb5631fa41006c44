package dev.moxing.llm.model;

import dev.moxing.autograd.Autograd;
import dev.moxing.kernels.VectorActivations;
import dev.moxing.kernels.VectorOps;
import dev.moxing.tensor.Tensor;

/**
 * silu(gate) ∘ up as one fused op (Llama's MLP activation): one output buffer and two passes
 * instead of three ops and their intermediates. Backward: d gate = g ∘ up ∘ silu'(gate),
 * d up = g ∘ silu(gate).
 */
final class SwiGlu {
    private SwiGlu() {
    }

    /** gate, up (..., H) of the same shape → (..., H). */
    static Tensor apply(Tensor gate, Tensor up) {
        Tensor g = gate.contiguous(), u = up.contiguous();
        if (!java.util.Arrays.equals(g.shape(), u.shape())) {
            throw new IllegalArgumentException("swiglu: gate " + java.util.Arrays.toString(g.shape()) + " and up "
                    + java.util.Arrays.toString(u.shape()) + " differ");
        }
        int n = g.numel();
        float[] out = new float[n];
        VectorActivations.silu(g.buffer(), g.offset(), out, 0, n);
        VectorOps.mul(out, 0, u.buffer(), u.offset(), out, 0, n);
        return Autograd.record(Tensor.fromArray(out, g.shape()), "swiglu", grad -> {
            Tensor gc = grad.contiguous();
            float[] dGate = null, dUp = null;
            if (g.requiresGrad()) {
                dGate = new float[n];
                VectorOps.mul(gc.buffer(), gc.offset(), u.buffer(), u.offset(), dGate, 0, n);
                VectorActivations.siluBackward(dGate, 0, g.buffer(), g.offset(), dGate, 0, n);
            }
            if (u.requiresGrad()) {
                dUp = new float[n];
                VectorActivations.silu(g.buffer(), g.offset(), dUp, 0, n);
                VectorOps.mul(dUp, 0, gc.buffer(), gc.offset(), dUp, 0, n);
            }
            return new Tensor[] {dGate == null ? null : Tensor.fromArray(dGate, g.shape()),
                    dUp == null ? null : Tensor.fromArray(dUp, g.shape())};
        }, g, u);
    }
}
