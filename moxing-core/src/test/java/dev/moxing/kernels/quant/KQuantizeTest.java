package dev.moxing.kernels.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moxing.random.Rng;
import dev.moxing.tensor.DType;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * K-quant round trips: quantize, dequantize, and the error stays within what the format can
 * hold. Byte identity with ggml is {@link QuantFixturesTest}'s job; this checks the quantizers
 * on rows the fixtures do not have and that quantizing what was decoded reproduces it.
 */
class KQuantizeTest {

    private static float[] gaussianRow(long seed, int n) {
        Rng rng = new Rng(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rng.nextGaussian();
        return x;
    }

    private static float[] roundTrip(DType type, float[] x) {
        MemorySegment seg = MemorySegment.ofArray(new byte[x.length / type.blockSize() * type.blockBytes()]);
        Quantize.row(type, x, 0, x.length, seg, 0);
        float[] y = new float[x.length];
        Dequantize.row(type, seg, 0, y, 0, x.length);
        return y;
    }

    /**
     * Relative RMS error on unit Gaussian rows: each extra bit halves it. Measured on this row:
     * Q2_K 0.294, Q3_K 0.150, Q4_K 0.0707, Q5_K 0.0360, Q6_K 0.0176; the bounds leave ~10%.
     */
    @ParameterizedTest
    @CsvSource({"Q2_K, 0.32", "Q3_K, 0.165", "Q4_K, 0.078", "Q5_K, 0.04", "Q6_K, 0.0195"})
    void roundTripErrorIsWithinTheFormatsPrecision(DType type, double bound) {
        float[] x = gaussianRow(7, 256 * 64);
        float[] y = roundTrip(type, x);
        double err = 0, norm = 0;
        for (int i = 0; i < x.length; i++) {
            err += (x[i] - y[i]) * (double) (x[i] - y[i]);
            norm += x[i] * (double) x[i];
        }
        double rel = Math.sqrt(err / norm);
        assertThat(rel).as("%s relative RMS error", type).isLessThan(bound);
    }

    /**
     * Decoded values are representable, and the searches find them again: re-quantizing a decoded
     * row reproduces it exactly, except Q3_K, whose one-at-a-time refinement moves a few levels.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void requantizingDecodedValuesIsStable(DType type) {
        float[] once = roundTrip(type, gaussianRow(11, 256 * 8));
        float[] twice = roundTrip(type, once);
        double diff = 0, norm = 0;
        for (int i = 0; i < once.length; i++) {
            diff += Math.abs(once[i] - twice[i]);
            norm += Math.abs(once[i]);
        }
        assertThat(diff / norm).as(type + " drift on requantizing").isLessThanOrEqualTo(type == DType.Q3_K ? 0.01 : 0.0);
    }

    @ParameterizedTest
    @EnumSource(names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void zeroRowsStayZeroAndRowsMustBeWholeSuperBlocks(DType type) {
        for (float v : roundTrip(type, new float[512])) assertThat(v).isZero(); // Q6_K decodes 0·(0 − 32) as −0
        MemorySegment seg = MemorySegment.ofArray(new byte[4096]);
        assertThatThrownBy(() -> Quantize.row(type, new float[288], 0, 288, seg, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 256");
    }

    @org.junit.jupiter.api.Test
    void nearestIntRoundsHalvesToEven() {
        assertThat(KQuantize.nearestInt(2.5f)).isEqualTo(2);
        assertThat(KQuantize.nearestInt(3.5f)).isEqualTo(4);
        assertThat(KQuantize.nearestInt(-2.5f)).isEqualTo(-2);
        assertThat(KQuantize.nearestInt(-0.49999997f)).isEqualTo(0);
        assertThat(KQuantize.nearestInt(4194303f)).isEqualTo(4194303);
    }
}
