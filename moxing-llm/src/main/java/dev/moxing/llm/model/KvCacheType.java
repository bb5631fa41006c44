package dev.moxing.llm.model;

import dev.moxing.tensor.DType;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The element type a {@link KvCache} stores keys and values in (llama.cpp's {@code -ctk/-ctv}).
 * F32 is exact; F16 halves the cache; Q8_0 (ggml's 32 int8 values and an f16 scale, 34 bytes per
 * 32 values) makes it 3.76 times smaller than F32 and needs a head dim that is a multiple of 32.
 * Attention decodes F16 and Q8_0 rows inside its kernel, so no F32 copy of the cache is made.
 */
public enum KvCacheType {
    F32(DType.F32),
    F16(DType.F16),
    Q8_0(DType.Q8_0);

    private final DType dtype;

    KvCacheType(DType dtype) {
        this.dtype = dtype;
    }

    public DType dtype() {
        return dtype;
    }

    /** The name on the command line: f32, f16, q8_0. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** f32, f16 or q8_0 (any case). */
    public static KvCacheType parse(String name) {
        for (KvCacheType t : values()) if (t.name().equalsIgnoreCase(name.strip())) return t;
        throw new IllegalArgumentException("KV cache type must be one of "
                + Arrays.stream(values()).map(KvCacheType::cliName).collect(Collectors.joining(", ")) + "; got '" + name + "'");
    }

    /** Throws unless rows of {@code headDim} values can be stored in this type. */
    public void checkHeadDim(int headDim) {
        if (headDim % dtype.blockSize() != 0) {
            throw new IllegalArgumentException("a " + name() + " KV cache stores rows in blocks of " + dtype.blockSize()
                    + " values, so it needs a head dim that is a multiple of " + dtype.blockSize() + "; this model's head dim is "
                    + headDim + " (use --kv-cache f16 or f32)");
        }
    }

    /** Bytes of the full cache of a model: keys and values of every layer, kv head and position, for {@code batch} sequences. */
    public long bytes(TransformerConfig c, int batch) {
        return 2L * c.layers() * batch * c.kvHeads() * c.contextLength() * dtype.bytesFor(c.headDim());
    }
}
