package dev.moxing.llm.model;

/**
 * The shape of a decoder-only Transformer. One definition covers GPT-2 (learned positions,
 * LayerNorm, GELU MLP, biases, tied head) and the Llama family (rotary positions, RMSNorm,
 * SwiGLU MLP, grouped-query attention, no biases) and Qwen2 (Llama with q/k/v biases): a family
 * is a choice of these fields.
 */
public record TransformerConfig(
        int vocabSize,
        int contextLength,
        int layers,
        int heads,
        int kvHeads,
        int width,
        int hidden,
        float dropout,
        boolean bias,
        Norm norm,
        Positions positions,
        Mlp mlp,
        float normEps,
        float ropeTheta,
        boolean tiedHead,
        boolean qkvBias,
        RotaryPairs rotaryPairs) {

    public enum Norm { LAYER_NORM, RMS_NORM }

    public enum Positions { LEARNED, ROTARY }

    public enum Mlp { GELU, SWIGLU }

    /**
     * Which dims of a head rotate together. HALVES: dim i with i + D/2 (Hugging Face, GPT-NeoX,
     * Qwen2 in GGUF). ADJACENT: dims 2i and 2i+1 (llama2.c, and Llama-family GGUF files, whose
     * converter permutes the q/k rows for it).
     */
    public enum RotaryPairs { HALVES, ADJACENT }

    public TransformerConfig {
        if (rotaryPairs == null) rotaryPairs = RotaryPairs.HALVES; // configs saved before the field existed
        require(vocabSize > 0, "vocabSize", vocabSize);
        require(contextLength > 0, "contextLength", contextLength);
        require(layers > 0, "layers", layers);
        require(heads > 0, "heads", heads);
        require(kvHeads > 0 && heads % kvHeads == 0, "kvHeads (must divide heads=" + heads + ")", kvHeads);
        require(width > 0 && width % heads == 0, "width (must be a multiple of heads=" + heads + ")", width);
        require(hidden > 0, "hidden", hidden);
        require(dropout >= 0 && dropout < 1, "dropout", dropout);
        require(positions != Positions.ROTARY || (width / heads) % 2 == 0, "head dim (rotary needs it even)", width / heads);
    }

    private static void require(boolean ok, String field, Object value) {
        if (!ok) throw new IllegalArgumentException("TransformerConfig: invalid " + field + ": " + value);
    }

    /** GPT-2 style: learned positions, pre-LayerNorm, 4× GELU MLP, tied head. */
    public static TransformerConfig gpt(int vocabSize, int contextLength, int layers, int heads, int width,
                                        float dropout, boolean bias) {
        return new TransformerConfig(vocabSize, contextLength, layers, heads, heads, width, 4 * width, dropout, bias,
                Norm.LAYER_NORM, Positions.LEARNED, Mlp.GELU, 1e-5f, 10000f, true, false,
                RotaryPairs.HALVES);
    }

    /** Llama style: rotary positions, RMSNorm, SwiGLU, grouped-query attention, no biases. */
    public static TransformerConfig llama(int vocabSize, int contextLength, int layers, int heads, int kvHeads,
                                          int width, int hidden, float normEps, float ropeTheta, boolean tiedHead) {
        return new TransformerConfig(vocabSize, contextLength, layers, heads, kvHeads, width, hidden, 0f, false,
                Norm.RMS_NORM, Positions.ROTARY, Mlp.SWIGLU, normEps, ropeTheta, tiedHead, false,
                RotaryPairs.HALVES);
    }

    /** This shape with another context length (e.g. to cap a model's cache). */
    public TransformerConfig withContextLength(int n) {
        return new TransformerConfig(vocabSize, n, layers, heads, kvHeads, width, hidden, dropout, bias, norm, positions,
                mlp, normEps, ropeTheta, tiedHead, qkvBias, rotaryPairs);
    }

    /** This shape with q, k, v biases (Qwen2) and a rotary pairing. */
    public TransformerConfig withAttention(boolean qkvBias, RotaryPairs pairs) {
        return new TransformerConfig(vocabSize, contextLength, layers, heads, kvHeads, width, hidden, dropout, bias, norm,
                positions, mlp, normEps, ropeTheta, tiedHead, qkvBias, pairs);
    }

    public int headDim() {
        return width / heads;
    }
}
