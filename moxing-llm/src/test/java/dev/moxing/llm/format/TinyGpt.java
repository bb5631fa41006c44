package dev.moxing.llm.format;

import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;

/**
 * Tiny seeded GPT-2 style models for export tests. Every parameter — biases and LayerNorm
 * weights included, which GPT-2's initialisation sets to 0 and 1 — is drawn at random, so that a
 * tensor written in the wrong place or order changes the logits.
 */
final class TinyGpt {
    /** English, punctuation and Chinese: one- to three-byte UTF-8 characters. */
    static final String CORPUS = "To be, or not to be: that is the question.\nWhether 'tis nobler in the mind to suffer!\n"
            + "床前明月光，疑是地上霜。举头望明月，低头思故乡。\n";

    private TinyGpt() {
    }

    static TransformerConfig config(int vocab, boolean bias, boolean tied) {
        TransformerConfig g = TransformerConfig.gpt(vocab, 24, 2, 2, 32, 0f, bias);
        return new TransformerConfig(g.vocabSize(), g.contextLength(), g.layers(), g.heads(), g.kvHeads(), g.width(), g.hidden(),
                g.dropout(), g.bias(), g.norm(), g.positions(), g.mlp(), g.normEps(), g.ropeTheta(), tied, g.qkvBias(), g.rotaryPairs());
    }

    static Transformer model(TransformerConfig c, long seed) {
        Rng rng = new Rng(seed);
        Transformer m = new Transformer(c, rng);
        try (var ignored = Tensor.noGrad()) {
            for (Tensor p : m.namedParameters().values()) p.copyFrom(Tensor.randn(rng, p.shape()).mul(0.3f));
        }
        m.eval();
        return m;
    }
}
