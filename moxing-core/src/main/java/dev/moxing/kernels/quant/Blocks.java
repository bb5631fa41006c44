package dev.moxing.kernels.quant;

import dev.moxing.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * What every quant kernel needs to read ggml blocks: little-endian unaligned layouts (GGUF files
 * are little-endian and memory-mapped tensors sit at arbitrary offsets) and argument checks.
 */
final class Blocks {

    static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Elements per K-quant super-block. */
    static final int QK_K = 256;

    private Blocks() {}

    /** The f16 at byte {@code off}, widened exactly. */
    static float f16(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(I16, off));
    }

    /** The unsigned byte at {@code off}. */
    static int u8(MemorySegment s, long off) {
        return s.get(I8, off) & 0xFF;
    }

    /** Checks that n elements of {@code type} fit in the segment at byteOffset; returns their byte count. */
    static long checkSegment(String op, DType type, MemorySegment seg, long byteOffset, long n) {
        if (n < 0) throw new IllegalArgumentException(op + ": negative element count " + n);
        if (n % type.blockSize() != 0) {
            throw new IllegalArgumentException(op + ": " + type + " needs a multiple of " + type.blockSize()
                    + " elements, got " + n);
        }
        long bytes = n / type.blockSize() * type.blockBytes();
        if (byteOffset < 0 || byteOffset > seg.byteSize() || bytes > seg.byteSize() - byteOffset) {
            throw new IllegalArgumentException(op + ": " + n + " " + type + " elements (" + bytes + " bytes) at byte offset "
                    + byteOffset + " run past the segment of " + seg.byteSize() + " bytes");
        }
        return bytes;
    }

    /** Checks that [offset, offset + n) lies in an array of the given length. */
    static void checkArray(String op, String name, int length, int offset, long n) {
        if (offset < 0 || n < 0 || offset + n > length) {
            throw new IllegalArgumentException(op + ": " + name + " range [" + offset + ", " + (offset + n)
                    + ") is outside its array of length " + length);
        }
    }
}
