package dev.moxing.llm.model;

import dev.moxing.autograd.Autograd;
import dev.moxing.tensor.Tensor;

/**
 * Rotary position embeddings (RoFormer) as one fused op: each head's dims form pairs rotated by
 * angle pos · θ^(−2i/D) / f_i, i the pair index and f_i an optional per-pair frequency factor (1 by
 * default; Llama 3.1's "llama3" scaling and linear scaling divide frequencies by such factors, as
 * llama.cpp's {@code rope_freqs.weight} does). Which dims pair up is {@link TransformerConfig.RotaryPairs}.
 * The backward pass is the inverse rotation of the gradient (a rotation is orthogonal), so no
 * intermediate tensors exist in either direction. The cos/sin tables are computed once per model.
 */
final class Rotary {
    private final float[] cos; // (T, D/2)
    private final float[] sin; // (T, D/2)
    private final int half;
    private final boolean adjacent;

    Rotary(int contextLength, int headDim, float theta, TransformerConfig.RotaryPairs pairs) {
        this(contextLength, headDim, theta, pairs, null);
    }

    /** {@code freqFactors}: D/2 positive divisors of the pair frequencies, or null for none. */
    Rotary(int contextLength, int headDim, float theta, TransformerConfig.RotaryPairs pairs, float[] freqFactors) {
        half = headDim / 2;
        if (freqFactors != null) {
            if (freqFactors.length != half) {
                throw new IllegalArgumentException("rotary: " + freqFactors.length + " frequency factors, expected " + half);
            }
            for (float f : freqFactors) {
                if (!(f > 0) || Float.isInfinite(f)) throw new IllegalArgumentException("rotary: frequency factor " + f + " is not positive");
            }
        }
        adjacent = pairs == TransformerConfig.RotaryPairs.ADJACENT;
        cos = new float[contextLength * half];
        sin = new float[contextLength * half];
        for (int i = 0; i < half; i++) {
            // Frequency and angle in float, as llama2.c, llama.cpp and Hugging Face compute them, so
            // that greedy outputs agree with theirs as far as possible.
            float freq = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
            if (freqFactors != null) freq /= freqFactors[i]; // in float, as llama.cpp divides by rope_freqs
            for (int p = 0; p < contextLength; p++) {
                float angle = p * freq;
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
    }

    /** x (B, T, H, D) at absolute positions start..start+T-1 → rotated, same shape. */
    Tensor apply(Tensor x, int start) {
        Tensor in = x.contiguous();
        int[] s = in.shape();
        int t = s[1], heads = s[2], d = s[3];
        if (d != 2 * half) throw new IllegalArgumentException("rotary: head dim " + d + ", expected " + 2 * half);
        if ((long) (start + t) * half > cos.length) {
            throw new IllegalArgumentException("rotary: positions up to " + (start + t) + " exceed the table");
        }
        float[] out = new float[in.numel()];
        rotate(in.buffer(), in.offset(), out, s[0] * t, t, heads, start, 1f);
        return Autograd.record(Tensor.fromArray(out, s), "rotary", g -> {
            Tensor gc = g.contiguous();
            float[] dx = new float[gc.numel()];
            rotate(gc.buffer(), gc.offset(), dx, s[0] * t, t, heads, start, -1f);
            return new Tensor[] {Tensor.fromArray(dx, s)};
        }, in);
    }

    /** Rotates rows (B·T, H, D) by their position's angle; direction −1 rotates back. */
    private void rotate(float[] x, int off, float[] y, int positions, int t, int heads, int start, float direction) {
        int d = 2 * half;
        for (int bt = 0; bt < positions; bt++) {
            int table = (start + bt % t) * half;
            for (int h = 0; h < heads; h++) {
                int row = (bt * heads + h) * d;
                for (int i = 0; i < half; i++) {
                    int a = adjacent ? 2 * i : i, b = adjacent ? 2 * i + 1 : i + half;
                    float c = cos[table + i], sn = direction * sin[table + i];
                    float x0 = x[off + row + a], x1 = x[off + row + b];
                    y[row + a] = x0 * c - x1 * sn;
                    y[row + b] = x0 * sn + x1 * c;
                }
            }
        }
    }
}
