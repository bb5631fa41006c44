package dev.moxing.llm.model;

import dev.moxing.nn.Module;
import dev.moxing.nn.layers.Dropout;
import dev.moxing.nn.layers.Linear;
import dev.moxing.tensor.Tensor;

/** The position-wise MLP: GELU (GPT-2: up, gelu-tanh, down) or SwiGLU (Llama: down(silu(gate) ∘ up)). */
public final class FeedForward extends Module {
    private final TransformerConfig.Mlp kind;
    private final Dropout drop;

    FeedForward(TransformerConfig c, LayerSource src, String name) {
        kind = c.mlp();
        // Read back through child() at forward time so that Module.replaceModule (LoRA) takes effect.
        registerModule("up", src.linear(name + ".up", c.width(), c.hidden(), c.bias()));
        if (kind == TransformerConfig.Mlp.SWIGLU) registerModule("gate", src.linear(name + ".gate", c.width(), c.hidden(), c.bias()));
        registerModule("down", src.linear(name + ".down", c.hidden(), c.width(), c.bias()));
        drop = registerModule("drop", new Dropout(c.dropout(), src.rng()));
    }

    Linear output() {
        return linear("down");
    }

    private Linear linear(String name) {
        return (Linear) child(name);
    }

    @Override
    public Tensor forward(Tensor x) { // (B, T, C) → (B, T, C)
        Tensor h = kind == TransformerConfig.Mlp.GELU
                ? linear("up").forward(x).geluTanh()
                : SwiGlu.apply(linear("gate").forward(x), linear("up").forward(x));
        return drop.forward(linear("down").forward(h));
    }
}
