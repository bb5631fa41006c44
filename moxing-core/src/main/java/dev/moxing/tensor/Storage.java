package dev.moxing.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Where a tensor's elements live. Compute tensors live on the Java heap (fast for the Vector API,
 * managed by the GC); stored weights can stay in off-heap or memory-mapped {@link MemorySegment}s
 * and are only copied when an op needs them as F32 on the heap.
 */
public sealed interface Storage permits Storage.Floats, Storage.Ints, Storage.Segment {

    DType dtype();

    /** Number of elements (not bytes). */
    long length();

    /** Float32 elements on the heap. */
    record Floats(float[] data) implements Storage {
        public DType dtype() {
            return DType.F32;
        }

        public long length() {
            return data.length;
        }
    }

    /** Int32 elements (indices) on the heap. */
    record Ints(int[] data) implements Storage {
        public DType dtype() {
            return DType.I32;
        }

        public long length() {
            return data.length;
        }
    }

    /** Elements of any dtype in a memory segment: off-heap, or a memory-mapped file region. */
    record Segment(MemorySegment segment, DType dtype, long length) implements Storage {
        public Segment {
            long need = dtype.bytesFor(length);
            if (segment.byteSize() < need) {
                throw new IllegalArgumentException("Storage.Segment: " + length + " " + dtype + " elements need "
                        + need + " bytes, segment has " + segment.byteSize());
            }
        }

        /** Copies I32 content to the heap exactly (floats would round ids above 2^24). */
        int[] toInts() {
            if (dtype != DType.I32) throw new IllegalStateException("Storage.Segment: not I32 but " + dtype);
            int[] out = new int[Math.toIntExact(length)];
            MemorySegment.copy(segment, ValueLayout.JAVA_INT_UNALIGNED, 0, out, 0, out.length);
            return out;
        }

        /** Copies F32 or I32 content to the heap; other dtypes need a dequantizing kernel. */
        float[] toFloats() {
            float[] out = new float[Math.toIntExact(length)];
            switch (dtype) {
                case F32 -> MemorySegment.copy(segment, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, out, 0, out.length);
                case I32 -> {
                    for (int i = 0; i < out.length; i++) out[i] = segment.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i);
                }
                case F16 -> {
                    for (int i = 0; i < out.length; i++) {
                        out[i] = Float.float16ToFloat(segment.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i));
                    }
                }
                case BF16 -> {
                    for (int i = 0; i < out.length; i++) {
                        out[i] = Float.intBitsToFloat(segment.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i) << 16);
                    }
                }
                default -> dev.moxing.kernels.quant.Dequantize.row(dtype, segment, 0, out, 0, out.length);
            }
            return out;
        }
    }
}
