package dev.moxing.llm.model;

import dev.moxing.nn.Module;
import dev.moxing.nn.layers.Dropout;
import dev.moxing.nn.layers.Embedding;
import dev.moxing.nn.layers.Linear;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A decoder-only language model: token (and learned position) embeddings, N pre-norm blocks, a
 * final norm and an output head (tied to the token embedding or separate). The same definition
 * trains (full sequences, dropout) and generates (one position at a time through a {@link KvCache}).
 */
public final class Transformer extends Module {
    /**
     * The optional state-dict entry of per-pair rotary frequency divisors (D/2 floats; see
     * {@link Rotary}): what Llama 3.1-style "llama3" or linear rope scaling comes down to, and what
     * GGUF files hold as {@code rope_freqs.weight}. Kept out of {@link TransformerConfig} (whose
     * saved JSON stays as it was) and carried as a buffer instead, so that it is saved in
     * checkpoints and written by the GGUF export. Absent: plain frequencies.
     */
    public static final String FREQ_FACTORS = "rotary.freq_factors";

    private final TransformerConfig config;
    private final Embedding tokens;
    private final Embedding positions;
    private final Dropout drop;
    private final List<TransformerBlock> blocks = new ArrayList<>();
    private final Module finalNorm;
    private final Linear head;
    /**
     * Weights being moved in the background, swapped in before each block of a forward pass (no
     * kernel reads a weight then) until all are.
     */
    private volatile WeightHandover handover;

    /** A fresh model with GPT-2 initialisation, for training from scratch. */
    public Transformer(TransformerConfig c, Rng rng) {
        this(c, rng, null);
    }

    /**
     * A fresh model whose rotary frequencies are divided by {@code freqFactors} (D/2 floats, or
     * null for none); see {@link #FREQ_FACTORS}.
     */
    public Transformer(TransformerConfig c, Rng rng, float[] freqFactors) {
        this(c, new LayerSource.Fresh(rng, freqFactors));
        initGpt2(rng);
    }

    /**
     * A model over existing weights, named as in {@link #stateDict()} ("tokens.weight",
     * "block0.attn.q.weight", …). Tensors are used as they are, not copied: memory-mapped, F16 and
     * quantized weights stay where they are (and frozen). Missing, extra or misshapen weights
     * are errors that name the weight. An optional {@link #FREQ_FACTORS} entry ((D/2) floats)
     * divides the rotary frequencies.
     */
    public Transformer(TransformerConfig c, Map<String, Tensor> weights) {
        this(c, new LayerSource.Given(weights));
    }

    private Transformer(TransformerConfig c, LayerSource src) {
        this.config = c;
        tokens = registerModule("tokens", src.embedding("tokens", c.vocabSize(), c.width()));
        positions = c.positions() == TransformerConfig.Positions.LEARNED
                ? registerModule("positions", src.embedding("positions", c.contextLength(), c.width())) : null;
        drop = registerModule("drop", new Dropout(c.dropout(), src.rng()));
        Rotary rotary = null;
        if (c.positions() == TransformerConfig.Positions.ROTARY) {
            float[] factors = src.freqFactors(c.headDim() / 2);
            rotary = new Rotary(c.contextLength(), c.headDim(), c.ropeTheta(), c.rotaryPairs(), factors);
            if (factors != null) {
                registerModule("rotary", new FreqFactors(Tensor.fromArray(factors.clone(), factors.length)));
            }
        }
        for (int i = 0; i < c.layers(); i++) {
            blocks.add(registerModule("block" + i, new TransformerBlock(c, rotary, src, "block" + i)));
        }
        finalNorm = registerModule("norm", src.norm("norm", c));
        head = c.tiedHead() ? null : registerModule("head", src.linear("head", c.width(), c.vocabSize(), false));
        src.finish();
    }

    /** GPT-2 initialisation: N(0, 0.02) everywhere, residual projections N(0, 0.02/√(2·layers)), zero biases. */
    private void initGpt2(Rng rng) {
        float std = 0.02f, residStd = (float) (0.02 / Math.sqrt(2.0 * config.layers()));
        try (var ignored = Tensor.noGrad()) {
            for (var e : namedParameters().entrySet()) {
                String name = e.getKey();
                Tensor p = e.getValue();
                if (name.endsWith("norm1.weight") || name.endsWith("norm2.weight") || name.equals("norm.weight")) continue;
                if (name.endsWith(".bias")) {
                    p.fill(0f);
                    continue;
                }
                boolean residual = name.endsWith("attn.o.weight") || name.endsWith("mlp.down.weight");
                p.copyFrom(Tensor.randn(rng, p.shape()).mul(residual ? residStd : std));
            }
        }
    }

    /** The rotary frequency divisors, or null when the model has none. */
    public float[] freqFactors() {
        Tensor t = stateDict().get(FREQ_FACTORS);
        return t == null ? null : t.toFloatArray();
    }

    /** Holds the frequency factors as the buffer "rotary.freq_factors" (saved, not trained). */
    private static final class FreqFactors extends Module {
        FreqFactors(Tensor factors) {
            registerBuffer("freq_factors", factors);
        }

        @Override
        public Tensor forward(Tensor input) {
            throw new UnsupportedOperationException("holds the rotary frequency factors only");
        }
    }

    public TransformerConfig config() {
        return config;
    }

    /**
     * Weights equal to this model's, arriving from a background thread (see {@link WeightHandover}):
     * a forward pass swaps in those that are ready before each block. One handover at a time.
     */
    public void handOver(WeightHandover h) {
        if (handover != null) throw new IllegalStateException("Transformer: a weight handover is already in progress");
        handover = h;
    }

    /**
     * Waits for a weight handover in progress, if any, and swaps in everything it brought; false
     * when there was none.
     */
    public boolean settleWeights() {
        WeightHandover h = handover;
        if (h == null) return false;
        h.awaitFinished();
        takeHandedOverWeights();
        return true;
    }

    private void takeHandedOverWeights() {
        WeightHandover h = handover;
        if (h != null && h.swapInto(this)) handover = null;
    }

    /** ids (B, T) → logits (B, T, V). */
    @Override
    public Tensor forward(Tensor ids) {
        return forward(ids, null);
    }

    /** ids (B, T) → logits (B, T, V); with a cache the ids continue the cached positions. */
    public Tensor forward(Tensor ids, KvCache cache) {
        return forward(ids, cache, false);
    }

    /**
     * ids (B, T) → logits of the last position only (B, 1, V): what generation needs after a
     * prompt, without the T × V output projection of every other position.
     */
    public Tensor forwardLast(Tensor ids, KvCache cache) {
        return forward(ids, cache, true);
    }

    private Tensor forward(Tensor ids, KvCache cache, boolean lastOnly) {
        if (ids.dim() != 2) {
            throw new IllegalArgumentException("Transformer: expects token ids (B, T), got " + Shape.str(ids.shape()));
        }
        takeHandedOverWeights();
        int t = ids.size(1);
        int start = cache == null ? 0 : cache.length();
        if (start + t > config.contextLength()) {
            throw new IllegalArgumentException("Transformer: " + (start + t) + " positions exceed the context length "
                    + config.contextLength());
        }
        Tensor x = tokens.forward(ids);                                           // (B, T, C)
        if (positions != null) {
            int[] pos = new int[t];
            for (int i = 0; i < t; i++) pos[i] = start + i;
            x = x.add(positions.forward(Tensor.ofInts(pos, t)));                   // + (T, C)
        }
        x = drop.forward(x);
        for (int i = 0; i < blocks.size(); i++) {
            takeHandedOverWeights(); // between blocks too: a copied block is read from its copy at once
            x = blocks.get(i).forward(x, cache, i, start);
        }
        takeHandedOverWeights();
        if (cache != null) cache.advance(t);
        if (lastOnly && t > 1) x = x.narrow(1, t - 1, 1);                          // (B, 1, C)
        x = finalNorm.forward(x);
        return Linear.apply(x, head == null ? tokens.weight() : head.weight(), null); // (B, T, V)
    }

    /**
     * ids (B, T) → the final hidden states (B, T, C): the blocks and the final norm, without the
     * output projection. What a task head (e.g. a sequence classifier) reads instead of logits.
     */
    public Tensor hidden(Tensor ids) {
        if (ids.dim() != 2) {
            throw new IllegalArgumentException("Transformer: expects token ids (B, T), got " + Shape.str(ids.shape()));
        }
        takeHandedOverWeights();
        int t = ids.size(1);
        if (t > config.contextLength()) {
            throw new IllegalArgumentException("Transformer: " + t + " positions exceed the context length "
                    + config.contextLength());
        }
        Tensor x = tokens.forward(ids);
        if (positions != null) {
            int[] pos = new int[t];
            for (int i = 0; i < t; i++) pos[i] = i;
            x = x.add(positions.forward(Tensor.ofInts(pos, t)));
        }
        x = drop.forward(x);
        for (int i = 0; i < blocks.size(); i++) {
            takeHandedOverWeights();
            x = blocks.get(i).forward(x, null, i, 0);
        }
        return finalNorm.forward(x);
    }

    /** An empty F32 cache for the model's context. */
    public KvCache newCache() {
        return new KvCache(config.layers(), config.contextLength());
    }

    /** An empty cache of {@code type} for the model's context; throws if the type cannot hold this model's head dim. */
    public KvCache newCache(KvCacheType type) {
        type.checkHeadDim(config.headDim());
        return new KvCache(config.layers(), config.contextLength(), type);
    }
}
