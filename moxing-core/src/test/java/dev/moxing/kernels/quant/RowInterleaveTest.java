package dev.moxing.kernels.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.moxing.parallel.WorkerPool;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Q8_0 / Q4_0 / Q4_K / Q6_K matrices with 16 rows interleaved (RowInterleave) hold the same values as in ggml's
 * block layout: decoded row by row they equal Dequantize's output exactly, and the matmul over
 * them (one row of x: HeapQuantDot's group kernels; several: weights decoded into the GEMM's packed panels) agrees
 * with the block layout's to float rounding. Reference: an exact double-precision product of x
 * with the dequantized weights.
 */
class RowInterleaveTest {
    private static final WorkerPool POOL1 = new WorkerPool(1);
    private static final WorkerPool POOL3 = new WorkerPool(3);

    @ParameterizedTest(name = "{0} ({1}, {2})")
    @CsvSource({"Q8_0, 16, 32", "Q8_0, 48, 288", "Q8_0, 320, 768", "Q4_0, 16, 32", "Q4_0, 48, 288", "Q4_0, 320, 768",
        "Q4_K, 16, 256", "Q4_K, 48, 512", "Q4_K, 320, 768", "Q6_K, 16, 256", "Q6_K, 48, 512", "Q6_K, 320, 768",
        // rows longer than the GEMM's k block: the packed panels come in several k blocks
        "Q4_0, 32, 2080", "Q8_0, 16, 1600", "Q4_K, 48, 1792", "Q6_K, 16, 1536"})
    void sameValuesAndProducts(DType t, int out, int in) {
        assumeTrue(RowInterleave.suits(t, out, in), "needs 16 float lanes (AVX-512)");
        Random rnd = new Random(out * 7L + in);
        long offset = 2 * t.blockBytes(); // a block-aligned offset into the file's array
        MemorySegment blocks = QuantMatmulTest.weights(t, out, in, offset, rnd);
        long bytes = t.bytesFor((long) out * in);
        byte[] array = new byte[(int) bytes + 64];
        MemorySegment r16 = MemorySegment.ofArray(array);
        RowInterleave.interleave(t, blocks, offset, r16, 64, out, in);
        DType it = RowInterleave.interleaved(t);

        float[] plain = new float[out * in], fromRows = new float[out * in];
        Dequantize.row(t, blocks, offset, plain, 0, out * in);
        RowInterleave.decodeRows(it, r16, 64, in, 0, out, fromRows, 0);
        assertThat(fromRows).containsExactly(plain);
        float[] oneRow = new float[in];
        RowInterleave.decodeRows(it, r16, 64, in, out - 3, 1, oneRow, 0);
        for (int k = 0; k < in; k++) assertThat(oneRow[k]).isEqualTo(plain[(out - 3) * in + k]);
        // a tensor over it decodes as the whole matrix, not as a view
        Tensor w = Tensor.fromSegment(r16.asSlice(64, bytes), it, out, in);
        assertThat(w.toFloatArray()).containsExactly(plain);
        if (out > 16) {
            assertThatThrownBy(() -> w.narrow(0, 16, 16).toFloatArray()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(it.name());
        }
        assertThatThrownBy(() -> Dequantize.row(it, r16, 64, oneRow, 0, in)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("interleaved");

        for (int rows : new int[] {1, 3, 40}) {
            float[] x = new float[rows * in + 5];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            double[] ref = new double[rows * out];
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < out; o++) {
                    double s = 0;
                    for (int k = 0; k < in; k++) s += (double) x[5 + r * in + k] * plain[o * in + k];
                    ref[r * out + o] = s;
                }
            }
            for (WorkerPool pool : new WorkerPool[] {POOL1, POOL3}) {
                float[] y = new float[rows * out + 2];
                QuantMatmul.matmul(pool, x, 5, rows, in, it, r16, 64, out, y, 1);
                assertThat(y[0]).isZero();
                assertThat(y[rows * out + 1]).isZero();
                for (int i = 0; i < rows * out; i++) {
                    double scale = 0; // the sum of |terms| bounds the rounding of any summation order
                    int r = i / out, o = i % out;
                    for (int k = 0; k < in; k++) scale += Math.abs((double) x[5 + r * in + k] * plain[o * in + k]);
                    assertThat((double) y[1 + i]).as("rows=%d, y[%d]", rows, i).isCloseTo(ref[i], within(1e-5 * scale + 1e-6));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} ({1}, {2})")
    @CsvSource({"Q8_0, 8, 32", "Q4_K, 16, 128", "Q6_K, 8, 256", "Q5_K, 16, 256", "F16, 16, 32"})
    void onlyWholeGroupsOfBlockTypes(DType t, int out, int in) {
        assertThat(RowInterleave.suits(t, out, in)).isFalse();
    }
}
