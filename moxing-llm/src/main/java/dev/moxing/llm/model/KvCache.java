package dev.moxing.llm.model;

import dev.moxing.tensor.Tensor;

/**
 * Keys and values of past positions, per layer, so that generating a token costs one position,
 * not a re-run of the prefix. Each layer owns two (B, Hkv, capacity, D) buffers, allocated at the
 * first append; a step writes its new rows in place and gets back views of the first
 * {@code length + new} rows, which attention reads without copying. {@link #length()} is the
 * number of cached positions.
 */
public final class KvCache {
    private final float[][] keys;
    private final float[][] values;
    private final int capacity;
    private int batch = -1, heads, dim;
    private int length;

    public KvCache(int layers, int capacity) {
        this.keys = new float[layers][];
        this.values = new float[layers][];
        this.capacity = capacity;
    }

    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /** Appends this step's k, v (B, Hkv, Tnew, D) for a layer and returns views of all cached k, v. */
    Tensor[] append(int layer, Tensor k, Tensor v) {
        int b = k.size(0), h = k.size(1), t = k.size(2), d = k.size(3);
        if (batch < 0) {
            batch = b;
            heads = h;
            dim = d;
        } else if (b != batch || h != heads || d != dim) {
            throw new IllegalArgumentException("KV cache: holds (" + batch + ", " + heads + ", ·, " + dim + "), got "
                    + b + ", " + h + ", ·, " + d);
        }
        if (length + t > capacity) {
            throw new IllegalStateException("KV cache: " + (length + t) + " positions exceed the context length " + capacity);
        }
        if (keys[layer] == null) {
            keys[layer] = new float[b * h * capacity * d];
            values[layer] = new float[b * h * capacity * d];
        }
        return new Tensor[] {write(keys[layer], k), write(values[layer], v)};
    }

    /** Copies x (B, Hkv, Tnew, D) to rows length.. of buf and returns the view of rows 0..length+Tnew. */
    private Tensor write(float[] buf, Tensor x) {
        int t = x.size(2);
        Tensor all = Tensor.fromArray(buf, batch, heads, capacity, dim);
        all.narrow(2, length, t).copyFrom(x);
        return all.narrow(2, 0, length + t);
    }

    /** Called once per forward after every layer appended. */
    void advance(int positions) {
        length += positions;
    }

    /** Forgets every position (the buffers are kept for reuse). */
    public void clear() {
        length = 0;
    }

    /** Keeps the first {@code n} positions (e.g. the shared prefix of a new prompt). */
    public void truncate(int n) {
        if (n < 0 || n > length) throw new IllegalArgumentException("KV cache: cannot truncate " + length + " positions to " + n);
        length = n;
    }
}
