package dev.moxing.llm.model;

import dev.moxing.nn.Module;
import dev.moxing.nn.layers.Dropout;
import dev.moxing.nn.layers.Linear;
import dev.moxing.tensor.Tensor;

/** Causal multi-head self-attention with optional grouped-query heads and rotary positions. */
public final class SelfAttention extends Module {
    private final TransformerConfig c;
    private final Dropout residDrop;
    private final Rotary rotary;

    SelfAttention(TransformerConfig c, Rotary rotary, LayerSource src, String name) {
        this.c = c;
        this.rotary = rotary;
        int d = c.headDim();
        boolean qkvBias = c.bias() || c.qkvBias();
        // The projections are read back through child() at forward time, not kept in fields, so
        // that model surgery (Module.replaceModule, e.g. LoRA adapters) takes effect.
        registerModule("q", src.linear(name + ".q", c.width(), c.heads() * d, qkvBias));
        registerModule("k", src.linear(name + ".k", c.width(), c.kvHeads() * d, qkvBias));
        registerModule("v", src.linear(name + ".v", c.width(), c.kvHeads() * d, qkvBias));
        registerModule("o", src.linear(name + ".o", c.heads() * d, c.width(), c.bias()));
        residDrop = registerModule("drop", new Dropout(c.dropout(), src.rng()));
    }

    Linear output() {
        return linear("o");
    }

    /** A projection as registered now: a Linear or a subclass such as a LoRA wrapper. */
    private Linear linear(String name) {
        return (Linear) child(name);
    }

    @Override
    public Tensor forward(Tensor x) {
        return forward(x, null, 0, 0);
    }

    /** x (B, T, C) at positions start.. → (B, T, C); with a cache, attends to the cached prefix too. */
    Tensor forward(Tensor x, KvCache cache, int layer, int start) {
        int b = x.size(0), t = x.size(1), d = c.headDim();
        Tensor q = linear("q").forward(x).view(b, t, c.heads(), d);                    // (B, T, H, D)
        Tensor k = linear("k").forward(x).view(b, t, c.kvHeads(), d);                  // (B, T, Hkv, D)
        Tensor v = linear("v").forward(x).view(b, t, c.kvHeads(), d).transpose(1, 2);  // (B, Hkv, T, D)
        if (rotary != null) {
            q = rotary.apply(q, start);
            k = rotary.apply(k, start);
        }
        q = q.transpose(1, 2);                                                // (B, H, T, D)
        k = k.transpose(1, 2);                                                // (B, Hkv, T, D)
        if (cache != null) {
            Tensor[] kv = cache.append(layer, k, v);
            k = kv[0];
            v = kv[1];
        }
        // Attention reads all three in place: q, k, v as the transposed views of the projections
        // (B, T, H, D), or k, v as views of a cache's buffers. Its output is a (B, H, T, D) view of
        // a (B, T, H, D) array, so the transpose and reshape below are views too.
        Tensor y = Tensor.attention(q, k, v, true);                                // (B, H, T, D)
        y = y.transpose(1, 2).reshape(b, t, c.heads() * d);                                 // (B, T, C)
        return residDrop.forward(linear("o").forward(y));
    }
}
