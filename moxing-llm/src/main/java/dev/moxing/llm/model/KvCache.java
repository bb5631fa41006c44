package dev.moxing.llm.model;

import dev.moxing.tensor.Tensor;

/**
 * Keys and values of past positions, per layer, so that generating a token costs one position,
 * not a re-run of the prefix. Each layer keeps (B, Hkv, T, D) tensors that grow by concatenation;
 * {@link #length()} is the number of cached positions.
 */
public final class KvCache {
    private final Tensor[] keys;
    private final Tensor[] values;
    private final int capacity;
    private int length;

    public KvCache(int layers, int capacity) {
        this.keys = new Tensor[layers];
        this.values = new Tensor[layers];
        this.capacity = capacity;
    }

    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /** Appends this step's k, v (B, Hkv, Tnew, D) for a layer and returns the full cached k, v. */
    Tensor[] append(int layer, Tensor k, Tensor v) {
        if (keys[layer] == null) {
            keys[layer] = k.contiguous();
            values[layer] = v.contiguous();
        } else {
            keys[layer] = Tensor.cat(2, keys[layer], k);
            values[layer] = Tensor.cat(2, values[layer], v);
        }
        return new Tensor[] {keys[layer], values[layer]};
    }

    /** Called once per forward after every layer appended. */
    void advance(int positions) {
        length += positions;
        if (length > capacity) {
            throw new IllegalStateException("KV cache: " + length + " positions exceed the context length " + capacity);
        }
    }

    public void clear() {
        java.util.Arrays.fill(keys, null);
        java.util.Arrays.fill(values, null);
        length = 0;
    }
}
