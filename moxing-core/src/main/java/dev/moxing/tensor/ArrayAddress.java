package dev.moxing.tensor;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Where a heap array's data lies in memory, modulo a cache line, so that data placed in a large
 * array can start on a 64-byte boundary.
 *
 * <p>Why: a 64-byte vector load from an address that is not a multiple of 64 spans two cache
 * lines. Streaming an F32 matrix from memory on one thread (AVX-512, Zen 5), 768-wide rows, the
 * same kernel reads 24-26 GB/s over misaligned data and 34-36 GB/s over aligned data. The JVM
 * only promises 8-byte alignment for an object and the element data starts after a 12- or 16-byte
 * header, so the offset has to be asked for.
 *
 * <p>How: Java has no API for an array's address, but a critical downcall may be passed a heap
 * array and receives its address; libc's {@code memmove(p, p, 0)} copies nothing and returns
 * {@code p}. The answer holds until a collector moves the array. A model's arrays are too large
 * to be moved often: G1 allocates them in humongous regions, which it does not move; the serial
 * collector allocates an array larger than its eden in the old generation, where only a full
 * collection that frees space below it moves it. A moved array loses speed, never correctness. Without native access ({@code --enable-native-access}), or where the C library has
 * no {@code memmove}, the offset is unknown and callers place data as if it were aligned.
 */
public final class ArrayAddress {
    /** The cache-line size that data is aligned to. */
    public static final int LINE = 64;
    private static final MethodHandle MEMMOVE = memmove();

    private ArrayAddress() {}

    /**
     * The bytes to skip from the start of {@code segment} (a heap segment over a primitive array,
     * or native memory) so that what follows starts on a 64-byte boundary now: 0 to 63; 0 when
     * unknown. For an array segment it is a multiple of the element size, as the header and the
     * object alignment are.
     */
    public static int alignmentPadding(MemorySegment segment) {
        if (!segment.isNative()) {
            if (MEMMOVE == null) return 0;
            try {
                MemorySegment s = segment.asSlice(0, 0);
                return padding(((MemorySegment) MEMMOVE.invokeExact(s, s, 0L)).address());
            } catch (Throwable e) {
                return 0; // a speed hint only
            }
        }
        return padding(segment.address());
    }

    /**
     * A new heap array of {@code bytes} (a multiple of 4) viewed from its first cache-line boundary:
     * a float[] for F32, a short[] for F16 and BF16 (what their kernels load), a byte[] otherwise;
     * one line longer than asked, so that the view fits whatever the array's offset.
     */
    public static MemorySegment alignedArray(DType elements, int bytes) {
        int room = Math.addExact(bytes, LINE);
        MemorySegment a = switch (elements) {
            case F32 -> MemorySegment.ofArray(new float[room / 4]);
            case F16, BF16 -> MemorySegment.ofArray(new short[room / 2]);
            default -> MemorySegment.ofArray(new byte[room]);
        };
        return a.asSlice(alignmentPadding(a), bytes);
    }

    private static int padding(long address) {
        return (int) Math.floorMod(-address, (long) LINE);
    }

    /** {@code memmove} as a critical downcall that may be passed heap arrays; null when unavailable. */
    private static MethodHandle memmove() {
        if (!ArrayAddress.class.getModule().isNativeAccessEnabled()) return null;
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("memmove")
                    .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG), Linker.Option.critical(true)))
                    .orElse(null);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
