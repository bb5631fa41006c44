package dev.moxing.llm.model;

import dev.moxing.nn.Module;
import dev.moxing.nn.layers.Dropout;
import dev.moxing.nn.layers.Linear;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;

/** The position-wise MLP: GELU (GPT-2: up, gelu-tanh, down) or SwiGLU (Llama: down(silu(gate) ∘ up)). */
public final class FeedForward extends Module {
    private final TransformerConfig.Mlp kind;
    private final Linear up, gate, down;
    private final Dropout drop;

    FeedForward(TransformerConfig c, Rng rng) {
        kind = c.mlp();
        up = registerModule("up", new Linear(c.width(), c.hidden(), c.bias(), rng));
        gate = kind == TransformerConfig.Mlp.SWIGLU ? registerModule("gate", new Linear(c.width(), c.hidden(), c.bias(), rng)) : null;
        down = registerModule("down", new Linear(c.hidden(), c.width(), c.bias(), rng));
        drop = registerModule("drop", new Dropout(c.dropout(), rng));
    }

    Linear output() {
        return down;
    }

    @Override
    public Tensor forward(Tensor x) { // (B, T, C) → (B, T, C)
        Tensor h = kind == TransformerConfig.Mlp.GELU
                ? up.forward(x).geluTanh()
                : gate.forward(x).silu().mul(up.forward(x));
        return drop.forward(down.forward(h));
    }
}
