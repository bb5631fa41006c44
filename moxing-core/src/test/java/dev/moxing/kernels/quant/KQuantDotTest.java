package dev.moxing.kernels.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.moxing.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fused Q4_K / Q6_K row dots against dequantizing the row with {@link Dequantize} (ggml's
 * formulas, checked against fixtures elsewhere) and a double-precision dot: equal up to float
 * rounding, on rows whose quants span the whole range (mixed signs and magnitudes per block).
 */
class KQuantDotTest {

    private static float[] weights(Random r, int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float) (r.nextGaussian() * (1 + (i / 32) % 5)) + (i % 256 < 64 ? 0.3f : 0f);
        return w;
    }

    private static void check(DType type, long blockBytes) {
        assumeTrue(KQuantDot.SUPPORTED, "fused K-quant dots need 16 float lanes");
        Random r = new Random(11);
        float[] lanes = new float[64];
        for (int blocks : new int[] {1, 3, 11}) {
            int n = 256 * blocks;
            float[] w = weights(r, n);
            byte[] stored = new byte[(int) (blockBytes * blocks) + 7];
            MemorySegment seg = MemorySegment.ofArray(stored);
            Quantize.row(type, w, 0, n, seg, 7); // an unaligned offset on purpose
            float[] deq = new float[n];
            Dequantize.row(type, seg, 7, deq, 0, n);
            float[] x = new float[n + 5];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            double expected = 0, scale = 0;
            for (int i = 0; i < n; i++) {
                expected += (double) deq[i] * x[5 + i];
                scale += Math.abs((double) deq[i] * x[5 + i]);
            }
            float got;
            if (type == DType.Q4_K) {
                float[] xsum = new float[n / 32];
                KQuantDot.blockSums32(x, 5, n, xsum);
                got = KQuantDot.q4k(x, 5, xsum, seg, 7, blocks, lanes);
            } else {
                got = KQuantDot.q6k(x, 5, seg, 7, blocks, lanes);
            }
            assertThat(Math.abs(got - expected)).as("%s, %d blocks: %f vs %f", type, blocks, got, expected)
                    .isLessThan(1e-5 * scale);
        }
    }

    @Test
    void q4kMatchesDequantizeThenDot() {
        check(DType.Q4_K, 144);
    }

    @Test
    void q6kMatchesDequantizeThenDot() {
        check(DType.Q6_K, 210);
    }
}
