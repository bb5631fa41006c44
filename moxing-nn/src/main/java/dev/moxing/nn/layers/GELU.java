package dev.moxing.nn.layers;

import dev.moxing.nn.Module;
import dev.moxing.tensor.Tensor;

/**
 * GELU, x · Φ(x): the exact erf form by default (PyTorch's {@code approximate='none'}), or the
 * tanh approximation GPT-2 was trained with ({@code approximate='tanh'}).
 */
public final class GELU extends Module {
    private final boolean tanh;

    public GELU() {
        this("none");
    }

    /** approximate: "none" (erf) or "tanh". */
    public GELU(String approximate) {
        this.tanh = switch (approximate) {
            case "none" -> false;
            case "tanh" -> true;
            default -> throw new IllegalArgumentException("GELU: approximate must be 'none' or 'tanh', got '"
                    + approximate + "'");
        };
    }

    /** "none" (erf) or "tanh". */
    public String approximate() {
        return tanh ? "tanh" : "none";
    }

    @Override
    public Tensor forward(Tensor x) {
        return tanh ? x.geluTanh() : x.gelu();
    }

    @Override
    public String describe() {
        return tanh ? "GELU(approximate=tanh)" : "GELU()";
    }
}
