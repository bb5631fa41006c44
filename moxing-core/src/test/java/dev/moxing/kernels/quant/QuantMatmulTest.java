package dev.moxing.kernels.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moxing.parallel.WorkerPool;
import dev.moxing.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link QuantMatmul} against dequantize-then-dot in double, for every weight type on sizes that
 * hit each path (fused rows == 1, decoded rows 2..4, Gemm panels beyond) and ragged edges; the
 * vector decoder against the scalar one bit for bit; thread-count independence; bad arguments.
 */
class QuantMatmulTest {

    private static final WorkerPool POOL1 = new WorkerPool(1);
    private static final WorkerPool POOL3 = new WorkerPool(3);
    private static final int[] ROWS = {1, 2, 3, 5, 17, 64};
    private static final int[] OUTS = {1, 7, 33, 300};

    static Stream<DType> weightTypes() {
        // the 16-row interleaved types are a heap layout with their own tests (RowInterleaveTest)
        return Stream.of(DType.values()).filter(t -> t != DType.I32 && t != DType.I8 && t.interleavedFrom() == null);
    }

    /** Random weights of (out, in) in type t at byteOffset of a segment with slack on both sides. */
    static MemorySegment weights(DType t, int out, int in, long byteOffset, Random rnd) {
        long bytes = t.bytesFor((long) out * in);
        MemorySegment seg = MemorySegment.ofArray(new byte[(int) (byteOffset + bytes + 3)]);
        float[] src = new float[out * in];
        for (int i = 0; i < src.length; i++) src[i] = (float) rnd.nextGaussian() * (1 + i % 7);
        switch (t) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 -> Quantize.row(t, src, 0, src.length, seg, byteOffset);
            default -> randomKBlocks(t, seg, byteOffset, (int) (bytes / t.blockBytes()), rnd);
        }
        return seg;
    }

    /** Random bytes with finite scales: every bit pattern, not only those a quantizer writes. */
    static void randomKBlocks(DType t, MemorySegment seg, long off, int blocks, Random rnd) {
        byte[] b = new byte[t.blockBytes()];
        for (int k = 0; k < blocks; k++) {
            rnd.nextBytes(b);
            long o = off + (long) k * b.length;
            MemorySegment.copy(MemorySegment.ofArray(b), 0, seg, o, b.length);
            int[] scaleOffsets = switch (t) {
                case Q2_K -> new int[] {80, 82};
                case Q3_K -> new int[] {108};
                case Q4_K, Q5_K -> new int[] {0, 2};
                case Q6_K -> new int[] {208};
                default -> new int[0];
            };
            for (int s : scaleOffsets) seg.set(Blocks.I16, o + s, Float.floatToFloat16((float) rnd.nextGaussian() * 0.01f));
            if (t == DType.Q8_K) seg.set(Blocks.F32, o, (float) rnd.nextGaussian() * 0.01f);
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        weightTypes().forEach(t -> {
            int bs = t.blockSize();
            int[] ins = bs == 1 ? new int[] {1, 17, 100} : bs == 32 ? new int[] {32, 96} : new int[] {256, 512};
            for (int in : ins) for (int rows : ROWS) for (int out : OUTS) list.add(Arguments.of(t, rows, in, out));
        });
        return list.stream();
    }

    @ParameterizedTest(name = "{0} rows={1} in={2} out={3}")
    @MethodSource("cases")
    void matchesDequantizeThenDot(DType t, int rows, int in, int out) {
        Random rnd = new Random(31L * rows + 7L * in + out + t.ordinal());
        long wOff = 5;
        MemorySegment w = weights(t, out, in, wOff, rnd);
        int xOff = 3, yOff = 2;
        float[] x = new float[xOff + rows * in];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] y = new float[yOff + rows * out + 1];
        java.util.Arrays.fill(y, Float.NaN); // must be overwritten, never read
        QuantMatmul.matmul(POOL3, x, xOff, rows, in, t, w, wOff, out, y, yOff);

        float[] wr = new float[in];
        long rowBytes = t.bytesFor(in);
        for (int o = 0; o < out; o++) {
            Dequantize.row(t, w, wOff + o * rowBytes, wr, 0, in);
            for (int r = 0; r < rows; r++) {
                double ref = 0, mag = 0;
                for (int i = 0; i < in; i++) {
                    ref += (double) x[xOff + r * in + i] * wr[i];
                    mag += Math.abs((double) x[xOff + r * in + i] * wr[i]);
                }
                float got = y[yOff + r * out + o];
                assertThat((double) got).as("%s y[%d,%d]", t, r, o).isCloseTo(ref, org.assertj.core.data.Offset.offset(1e-5 * mag + 1e-30));
            }
        }
        assertThat(y[0]).isNaN();
        assertThat(y[yOff + rows * out]).isNaN();
    }

    @ParameterizedTest
    @MethodSource("weightTypes")
    void vectorDecoderMatchesScalarBits(DType t) {
        Random rnd = new Random(t.ordinal());
        int n = t.blockSize() == 1 ? 1000 + 3 : 8 * t.blockSize();
        MemorySegment w = weights(t, 1, n, 7, rnd);
        if (t == DType.F16) {
            // Every f16 bit pattern: zeros, subnormals, infinities, NaNs.
            n = 65536;
            w = MemorySegment.ofArray(new byte[2 * n + 7]);
            for (int i = 0; i < n; i++) w.set(Blocks.I16, 7 + 2L * i, (short) i);
        }
        float[] a = new float[n + 1], b = new float[n + 1];
        Dequantize.row(t, w, 7, a, 1, n);
        VectorDequant.row(t, w, 7, n, b, 1);
        for (int i = 0; i <= n; i++) {
            // floatToIntBits: NaN payloads (quiet or signalling) are not part of the contract.
            if (Float.floatToIntBits(a[i]) != Float.floatToIntBits(b[i])) {
                throw new AssertionError(t + " element " + i + ": scalar " + a[i] + " vector " + b[i]);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void sameBitsForAnyThreadCount(DType t) {
        Random rnd = new Random(5);
        int in = 512, out = 1000;
        MemorySegment w = weights(t, out, in, 0, rnd);
        for (int rows : new int[] {1, 3, 20}) {
            float[] x = new float[rows * in];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] y1 = new float[rows * out], y3 = new float[rows * out];
            QuantMatmul.matmul(POOL1, x, 0, rows, in, t, w, 0, out, y1, 0);
            QuantMatmul.matmul(POOL3, x, 0, rows, in, t, w, 0, out, y3, 0);
            assertThat(y3).as("%s rows=%d", t, rows).containsExactly(y1);
        }
    }

    @Test
    void rejectsBadArguments() {
        MemorySegment w = MemorySegment.ofArray(new byte[34 * 4]);
        float[] x = new float[64], y = new float[4];
        assertThatThrownBy(() -> QuantMatmul.matmul(x, 0, 1, 48, DType.Q8_0, w, 0, 2, y, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("in=48").hasMessageContaining("32");
        assertThatThrownBy(() -> QuantMatmul.matmul(x, 0, 1, 64, DType.Q8_0, w, 40, 2, y, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("past the segment");
        assertThatThrownBy(() -> QuantMatmul.matmul(x, 1, 1, 64, DType.Q8_0, w, 0, 2, y, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x range");
        assertThatThrownBy(() -> QuantMatmul.matmul(x, 0, 1, 64, DType.Q8_0, w, 0, 2, y, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("y range");
        assertThatThrownBy(() -> QuantMatmul.matmul(x, 0, 1, 64, DType.I8, w, 0, 2, y, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("I8");
        float[] d = new float[64];
        assertThatThrownBy(() -> Dequantize.row(DType.Q4_K, w, 0, d, 0, 32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 256");
        assertThatThrownBy(() -> Dequantize.row(DType.Q8_0, w, 34 * 3 + 1, d, 0, 32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("past the segment");
        assertThatThrownBy(() -> Dequantize.row(DType.Q8_0, w, -1, d, 0, 32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offset -1");
        assertThatThrownBy(() -> Dequantize.row(DType.Q8_0, w, 0, d, 40, 32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dst range");
        assertThatThrownBy(() -> Dequantize.row(DType.I32, w, 0, d, 0, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("I32");
        assertThatThrownBy(() -> Quantize.row(DType.Q8_K, d, 0, 256, w, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Q8_K");
        assertThatThrownBy(() -> Quantize.row(DType.Q8_0, d, 0, 33, w, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 32");
        assertThatThrownBy(() -> Quantize.row(DType.Q8_0, d, 40, 32, w, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("src range");
    }
}
