package dev.moxing.llm.model;

import dev.moxing.kernels.quant.Quantize;
import dev.moxing.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * Keys and values of past positions, per layer, so that generating a token costs one position,
 * not a re-run of the prefix. Each layer owns two (B, Hkv, rows, D) buffers of the cache's
 * {@link KvCacheType}; a step writes its new rows in place (F16 and Q8_0 encode them) and gets back
 * views of the first {@code length + new} rows, which attention reads without copying or decoding
 * the whole buffer. {@link #length()} is the number of cached positions.
 *
 * <p>The buffers grow with the positions (at least {@link #MIN_ROWS}, doubling, up to the
 * capacity), copying the cached rows at each growth (at most as many rows as end up cached), rather
 * than holding the whole context from the first token: for a 1.1B model with a 2,048-token
 * context the full F32 cache is 92 MB, whose fresh pages fault in at ~330 MB/s on this project's
 * VMs — a quarter of a second before the first token and 92 MB resident for a short answer.
 */
public final class KvCache {
    private final KvCacheType type;
    private final Tensor[] keys;
    private final Tensor[] values;
    private final int capacity;
    /** Rows the buffers are first given (fewer when the capacity is smaller). */
    static final int MIN_ROWS = 64;
    private int batch = -1, heads, dim;
    private int rows; // rows per (batch, head) sequence in the buffers now
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
            checkFits(capacity); // at the first token, not when the buffers grow that far
        } else if (b != batch || h != heads || d != dim) {
            throw new IllegalArgumentException("KV cache: holds (" + batch + ", " + heads + ", ·, " + dim + "), got "
                    + b + ", " + h + ", ·, " + d);
        }
        if (length + t > capacity) {
            throw new IllegalStateException("KV cache: " + (length + t) + " positions exceed the context length " + capacity);
        }
        if (length + t > rows) grow(length + t);
        if (keys[layer] == null || keys[layer].size(2) != rows) {
            keys[layer] = regrown(keys[layer]);
            values[layer] = regrown(values[layer]);
        }
        return new Tensor[] {write(keys[layer], k), write(values[layer], v)};
    }

    /**
     * Makes room for {@code needed} positions: the row count doubles (from MIN_ROWS) until it
     * does, capped at the capacity. Each layer's buffers follow at its next append ({@link #regrown}),
     * so that a layer that never appends allocates nothing.
     */
    private void grow(int needed) {
        int r = Math.max(rows, Math.min(capacity, MIN_ROWS));
        while (r < needed) r = (int) Math.min(capacity, 2L * r);
        rows = r;
    }

    /** A buffer of the current row count holding the first {@code length} rows of {@code old} (if any). */
    private Tensor regrown(Tensor old) {
        Tensor buf = allocate(rows);
        if (old == null || length == 0) return buf;
        if (type == KvCacheType.F32) {
            buf.narrow(2, 0, length).copyFrom(old.narrow(2, 0, length));
        } else {
            MemorySegment from = ((dev.moxing.tensor.Storage.Segment) old.storage()).segment();
            MemorySegment to = ((dev.moxing.tensor.Storage.Segment) buf.storage()).segment();
            long rowBytes = type.dtype().bytesFor(dim), oldRows = old.size(2);
            for (int s = 0; s < batch * heads; s++) { // each sequence's rows are contiguous
                MemorySegment.copy(from, s * oldRows * rowBytes, to, s * rows * rowBytes, length * rowBytes);
            }
        }
        return buf;
    }

    /** A (B, Hkv, n, D) buffer: heap floats for F32, heap bytes in the stored layout otherwise. */
    private Tensor allocate(int n) { // n <= capacity, which checkFits passed at the first append
        if (type == KvCacheType.F32) return Tensor.zeros(batch, heads, n, dim);
        long bytes = type.dtype().bytesFor((long) batch * heads * n * dim);
        return Tensor.fromSegment(MemorySegment.ofArray(new byte[(int) bytes]), type.dtype(), batch, heads, n, dim);
    }

    /** One layer's keys for n positions must fit in one Java array (F32: floats, else bytes). */
    private void checkFits(int n) {
        long values = (long) batch * heads * n * dim;
        long units = type == KvCacheType.F32 ? values : type.dtype().bytesFor(values);
        if (units > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("KV cache: one layer's " + type + " keys for " + n + " positions need "
                    + type.dtype().bytesFor(values) + " bytes, more than one Java array holds; use a shorter context");
        }
    }

    /** Stores x (B, Hkv, Tnew, D) in rows length.. of buf and returns the view of rows 0..length+Tnew. */
    private Tensor write(Tensor buf, Tensor x) {
        int t = x.size(2);
        if (type == KvCacheType.F32) {
            buf.narrow(2, length, t).copyFrom(x);
        } else {
            float[] fresh = x.toFloatArray();                                     // (B, Hkv, Tnew, D)
            MemorySegment seg = ((dev.moxing.tensor.Storage.Segment) buf.storage()).segment();
            long rowBytes = type.dtype().bytesFor(dim);
            for (int s = 0; s < batch * heads; s++) { // each sequence's new rows are contiguous in both
                Quantize.row(type.dtype(), fresh, s * t * dim, t * dim, seg, ((long) s * buf.size(2) + length) * rowBytes);
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
