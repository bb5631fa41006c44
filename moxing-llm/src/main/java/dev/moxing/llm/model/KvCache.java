package dev.moxing.llm.model;

import dev.moxing.kernels.quant.Quantize;
import dev.moxing.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * Keys and values of past positions, per layer, so that generating a token costs one position,
 * not a re-run of the prefix. Each layer owns two (B, Hkv, capacity, D) buffers of the cache's
 * {@link KvCacheType}, allocated at the first append; a step writes its new rows in place (F16 and
 * Q8_0 encode them) and gets back views of the first {@code length + new} rows, which attention
 * reads without copying or decoding the whole buffer. {@link #length()} is the number of cached
 * positions.
 */
public final class KvCache {
    private final KvCacheType type;
    private final Tensor[] keys;
    private final Tensor[] values;
    private final int capacity;
    private int batch = -1, heads, dim;
    private int length;

    public KvCache(int layers, int capacity) {
        this(layers, capacity, KvCacheType.F32);
    }

    public KvCache(int layers, int capacity, KvCacheType type) {
        this.type = type;
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

    public KvCacheType type() {
        return type;
    }

    /** Bytes of the buffers allocated so far (layers that have seen an append). */
    public long allocatedBytes() {
        long n = 0;
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) n += 2 * type.dtype().bytesFor(keys[i].numel());
        }
        return n;
    }

    /** Appends this step's k, v (B, Hkv, Tnew, D) for a layer and returns views of all cached k, v. */
    Tensor[] append(int layer, Tensor k, Tensor v) {
        int b = k.size(0), h = k.size(1), t = k.size(2), d = k.size(3);
        if (batch < 0) {
            type.checkHeadDim(d);
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
            keys[layer] = allocate();
            values[layer] = allocate();
        }
        return new Tensor[] {write(keys[layer], k), write(values[layer], v)};
    }

    /** A (B, Hkv, capacity, D) buffer: heap floats for F32, heap bytes in the stored layout otherwise. */
    private Tensor allocate() {
        long n = (long) batch * heads * capacity * dim;
        if (type == KvCacheType.F32) return Tensor.zeros(batch, heads, capacity, dim);
        long bytes = type.dtype().bytesFor(n);
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("KV cache: one layer's " + type + " keys need " + bytes
                    + " bytes, more than one Java array holds; use a shorter context");
        }
        return Tensor.fromSegment(MemorySegment.ofArray(new byte[(int) bytes]), type.dtype(), batch, heads, capacity, dim);
    }

    /** Stores x (B, Hkv, Tnew, D) in rows length.. of buf and returns the view of rows 0..length+Tnew. */
    private Tensor write(Tensor buf, Tensor x) {
        int t = x.size(2);
        if (type == KvCacheType.F32) {
            buf.narrow(2, length, t).copyFrom(x);
        } else {
            float[] rows = x.toFloatArray();                                      // (B, Hkv, Tnew, D)
            MemorySegment seg = ((dev.moxing.tensor.Storage.Segment) buf.storage()).segment();
            long rowBytes = type.dtype().bytesFor(dim);
            for (int s = 0; s < batch * heads; s++) { // each sequence's new rows are contiguous in both
                Quantize.row(type.dtype(), rows, s * t * dim, t * dim, seg, ((long) s * capacity + length) * rowBytes);
            }
        }
        return buf.narrow(2, 0, length + t);
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
