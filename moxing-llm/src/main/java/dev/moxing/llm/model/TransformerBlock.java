package dev.moxing.llm.model;

import dev.moxing.nn.Module;
import dev.moxing.tensor.Tensor;

/** Pre-norm residual block: x + attn(norm(x)), then x + mlp(norm(x)). */
public final class TransformerBlock extends Module {
    private final Module norm1, norm2;
    private final SelfAttention attn;
    private final FeedForward mlp;

    TransformerBlock(TransformerConfig c, Rotary rotary, LayerSource src, String name) {
        norm1 = registerModule("norm1", src.norm(name + ".norm1", c));
        attn = registerModule("attn", new SelfAttention(c, rotary, src, name + ".attn"));
        norm2 = registerModule("norm2", src.norm(name + ".norm2", c));
        mlp = registerModule("mlp", new FeedForward(c, src, name + ".mlp"));
    }

    SelfAttention attention() {
        return attn;
    }

    FeedForward mlp() {
        return mlp;
    }

    @Override
    public Tensor forward(Tensor x) {
        return forward(x, null, 0, 0);
    }

    Tensor forward(Tensor x, KvCache cache, int layer, int start) { // (B, T, C)
        x = x.add(attn.forward(norm1.forward(x), cache, layer, start));
        return x.add(mlp.forward(norm2.forward(x)));
    }
}
