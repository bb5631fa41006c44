package dev.moxing.llm.model;

import dev.moxing.tensor.Tensor;

/**
 * Rotary position embeddings (RoFormer), "rotate half" convention: dims i and i + D/2 of each head
 * form a pair rotated by angle pos · θ^(−2i/D). The cos/sin tables are computed once per model.
 */
final class Rotary {
    private final Tensor cos; // (T, D/2)
    private final Tensor sin; // (T, D/2)

    Rotary(int contextLength, int headDim, float theta) {
        int half = headDim / 2;
        float[] c = new float[contextLength * half], s = new float[contextLength * half];
        for (int p = 0; p < contextLength; p++) {
            for (int i = 0; i < half; i++) {
                double freq = Math.pow(theta, -2.0 * i / headDim);
                c[p * half + i] = (float) Math.cos(p * freq);
                s[p * half + i] = (float) Math.sin(p * freq);
            }
        }
        cos = Tensor.fromArray(c, contextLength, half);
        sin = Tensor.fromArray(s, contextLength, half);
    }

    /** x (B, H, T, D) at absolute positions start..start+T-1 → rotated, same shape. */
    Tensor apply(Tensor x, int start) {
        int t = x.size(2), half = x.size(3) / 2;
        Tensor c = cos.narrow(0, start, t), s = sin.narrow(0, start, t); // (T, D/2), broadcast over (B, H)
        Tensor x1 = x.narrow(3, 0, half), x2 = x.narrow(3, half, half);
        return Tensor.cat(3, x1.mul(c).sub(x2.mul(s)), x1.mul(s).add(x2.mul(c)));
    }
}
