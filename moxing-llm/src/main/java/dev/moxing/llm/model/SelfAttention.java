package dev.moxing.llm.model;

import dev.moxing.nn.Module;
import dev.moxing.nn.layers.Dropout;
import dev.moxing.nn.layers.Linear;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;

/** Causal multi-head self-attention with optional grouped-query heads and rotary positions. */
public final class SelfAttention extends Module {
    private final TransformerConfig c;
    private final Linear wq, wk, wv, wo;
    private final Dropout residDrop;
    private final Rotary rotary;

    SelfAttention(TransformerConfig c, Rotary rotary, Rng rng) {
        this.c = c;
        this.rotary = rotary;
        int d = c.headDim();
        wq = registerModule("q", new Linear(c.width(), c.heads() * d, c.bias(), rng));
        wk = registerModule("k", new Linear(c.width(), c.kvHeads() * d, c.bias(), rng));
        wv = registerModule("v", new Linear(c.width(), c.kvHeads() * d, c.bias(), rng));
        wo = registerModule("o", new Linear(c.heads() * d, c.width(), c.bias(), rng));
        residDrop = registerModule("drop", new Dropout(c.dropout(), rng));
    }

    Linear output() {
        return wo;
    }

    @Override
    public Tensor forward(Tensor x) {
        return forward(x, null, 0, 0);
    }

    /** x (B, T, C) at positions start.. → (B, T, C); with a cache, attends to the cached prefix too. */
    Tensor forward(Tensor x, KvCache cache, int layer, int start) {
        int b = x.size(0), t = x.size(1), d = c.headDim();
        Tensor q = wq.forward(x).view(b, t, c.heads(), d).transpose(1, 2);    // (B, H, T, D)
        Tensor k = wk.forward(x).view(b, t, c.kvHeads(), d).transpose(1, 2);  // (B, Hkv, T, D)
        Tensor v = wv.forward(x).view(b, t, c.kvHeads(), d).transpose(1, 2);  // (B, Hkv, T, D)
        if (rotary != null) {
            q = rotary.apply(q, start);
            k = rotary.apply(k, start);
        }
        if (cache != null) {
            Tensor[] kv = cache.append(layer, k, v);
            k = kv[0];
            v = kv[1];
        }
        Tensor y = Tensor.attention(q.contiguous(), k.contiguous(), v.contiguous(), true); // (B, H, T, D)
        y = y.transpose(1, 2).reshape(b, t, c.heads() * d);                                 // (B, T, C)
        return residDrop.forward(wo.forward(y));
    }
}
