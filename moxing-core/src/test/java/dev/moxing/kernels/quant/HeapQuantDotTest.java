package dev.moxing.kernels.quant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moxing.parallel.WorkerPool;
import dev.moxing.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The decode matvec over Q8_0 / Q4_0 / Q4_K / Q6_K weights in a heap byte array (F16 a short array, F32 a float
 * array; rows whose width is not a multiple of the kernel's step, 40 and 48, take the segment kernels) ({@link HeapQuantDot}) gives
 * the same bits as over the same bytes in a native segment (QuantMatmul's segment kernels, what a
 * memory-mapped file runs), for row counts that leave every remainder of the four-quarter split,
 * at an offset inside the array, on one and three threads. Both are checked against
 * dequantize-then-dot by {@link QuantMatmulTest} (whose weights are heap arrays).
 */
class HeapQuantDotTest {

    private static final WorkerPool POOL1 = new WorkerPool(1);
    private static final WorkerPool POOL3 = new WorkerPool(3);

    @ParameterizedTest(name = "{0} in={1} out={2}")
    @CsvSource({"Q8_0, 32, 1", "Q8_0, 96, 7", "Q8_0, 288, 33", "Q8_0, 768, 301", "Q8_0, 64, 4098",
        "Q4_0, 32, 1", "Q4_0, 96, 7", "Q4_0, 288, 33", "Q4_0, 768, 301", "Q4_0, 64, 4098",
        "Q4_K, 256, 1", "Q4_K, 512, 7", "Q4_K, 768, 33", "Q4_K, 256, 301",
        "Q6_K, 256, 1", "Q6_K, 512, 7", "Q6_K, 768, 33", "Q6_K, 256, 301",
        "F16, 16, 1", "F16, 64, 7", "F16, 288, 33", "F16, 768, 301", "F16, 40, 5",
        "F32, 32, 1", "F32, 64, 7", "F32, 288, 33", "F32, 768, 301", "F32, 48, 5"})
    void sameBitsAsTheSegmentKernels(DType t, int in, int out) {
        Random rnd = new Random(in * 31L + out);
        long offset = 3 * t.blockBytes() + 1; // an odd byte offset into the array, as a tensor slice has
        MemorySegment heap = QuantMatmulTest.weights(t, out, in, offset, rnd);
        if (t == DType.F16 || t == DType.F32) { // placed in short / float arrays, at an aligned offset as a slot is
            long bytes = t.bytesFor((long) out * in);
            MemorySegment array = t == DType.F16 ? MemorySegment.ofArray(new short[(int) (bytes / 2) + 8])
                    : MemorySegment.ofArray(new float[(int) (bytes / 4) + 8]);
            array.asSlice(8, bytes).copyFrom(heap.asSlice(offset, bytes));
            offset = 8;
            heap = array;
        }
        assertThat(heap.heapBase()).isPresent();
        float[] x = new float[in + 5];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment nat = arena.allocate(heap.byteSize(), 64).copyFrom(heap);
            for (WorkerPool pool : new WorkerPool[] {POOL1, POOL3}) {
                float[] fromHeap = new float[out + 2], fromSegment = new float[out + 2];
                QuantMatmul.matmul(pool, x, 5, 1, in, t, heap, offset, out, fromHeap, 1);
                QuantMatmul.matmul(pool, x, 5, 1, in, t, nat, offset, out, fromSegment, 1);
                assertThat(fromHeap).containsExactly(fromSegment);
                assertThat(fromHeap[0]).isZero();
                assertThat(fromHeap[out + 1]).isZero();
            }
        }
    }
}
