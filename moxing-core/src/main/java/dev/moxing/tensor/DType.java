package dev.moxing.tensor;

/**
 * Element types. Compute happens in F32; the others exist so that stored weights (F16, BF16,
 * block-quantized) and indices (I32) can live in tensors without conversion. Block-quantized
 * types pack {@link #blockSize()} elements into {@link #blockBytes()} bytes (ggml layouts).
 */
public enum DType {
    F32(1, 4),
    F16(1, 2),
    BF16(1, 2),
    I32(1, 4),
    I8(1, 1),
    /** ggml Q8_0: per 32 elements, an f16 scale and 32 int8 values. */
    Q8_0(32, 34),
    /** ggml Q4_0: per 32 elements, an f16 scale and 16 bytes of 4-bit values (offset 8). */
    Q4_0(32, 18),
    /** ggml Q4_1: per 32 elements, f16 scale and min, 16 bytes of 4-bit values. */
    Q4_1(32, 20),
    /** ggml Q5_0: per 32 elements, an f16 scale, 4 bytes of fifth bits, 16 bytes of low nibbles (offset 16). */
    Q5_0(32, 22),
    /** ggml Q5_1: per 32 elements, f16 scale and min, 4 bytes of fifth bits, 16 bytes of low nibbles. */
    Q5_1(32, 24),
    /** ggml Q2_K: per 256 elements, 16 bytes of 4-bit scales and mins, 64 bytes of 2-bit values, f16 d and dmin. */
    Q2_K(256, 84),
    /** ggml Q3_K: per 256 elements, 32 bytes of high bits, 64 bytes of 2-bit values, 12 bytes of 6-bit scales, f16 d. */
    Q3_K(256, 110),
    /** ggml Q4_K: per 256 elements, f16 d and dmin, 12 bytes of 6-bit scales, 128 bytes of 4-bit values. */
    Q4_K(256, 144),
    /** ggml Q5_K: per 256 elements, f16 d and dmin, 12 bytes of 6-bit scales, 32 bytes of fifth bits, 128 bytes of nibbles. */
    Q5_K(256, 176),
    /** ggml Q6_K: per 256 elements, 128 bytes of low nibbles, 64 bytes of 2-bit highs, 16 int8 scales, f16 d. */
    Q6_K(256, 210),
    /** ggml Q8_K (activation type of the K-quant dot products): f32 d, 256 int8 values, 16 int16 block sums. */
    Q8_K(256, 292),
    /**
     * Q8_0 with 16 rows interleaved, Moxing's heap layout for decoding (never in a file): a matrix
     * of rows a multiple of 16 is stored group by group of 16 rows, and within a group block column
     * by block column, byte k of the 16 rows' blocks for k = 0…33 (544 bytes). One vector load is
     * then the same weight of 16 rows. See {@code RowInterleave}.
     */
    Q8_0_R16(32, 34),
    /** Q4_0 with 16 rows interleaved (as {@link #Q8_0_R16}): byte k of the 16 rows' blocks, k = 0…17 (288 bytes). */
    Q4_0_R16(32, 18),
    /** Q4_K with 16 rows interleaved: per group of 16 rows and block column, byte k of the 16 rows' blocks for k = 0…143 (2,304 bytes). */
    Q4_K_R16(256, 144),
    /** Q6_K with 16 rows interleaved: per group of 16 rows and block column, byte k of the 16 rows' blocks for k = 0…209 (3,360 bytes). */
    Q6_K_R16(256, 210);

    private final int blockSize;
    private final int blockBytes;

    DType(int blockSize, int blockBytes) {
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** Elements per block (1 for plain types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block (the element size for plain types). */
    public int blockBytes() {
        return blockBytes;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** For a 16-row interleaved type, the block type of its rows (Q8_0, Q4_0); null for the others. */
    public DType interleavedFrom() {
        return switch (this) {
            case Q8_0_R16 -> Q8_0;
            case Q4_0_R16 -> Q4_0;
            case Q4_K_R16 -> Q4_K;
            case Q6_K_R16 -> Q6_K;
            default -> null;
        };
    }

    /** Bytes needed for {@code elements} elements; elements must be a multiple of the block size. */
    public long bytesFor(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(this + ": " + elements + " elements is not a multiple of the block size " + blockSize);
        }
        return elements / blockSize * blockBytes;
    }
}
