package dev.moxing.nn.layers;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Linear's bias gradient: the vector, column-split sums are the plain double loop bit for bit. */
class LinearColumnSumsTest {

    @ParameterizedTest
    @CsvSource({"1,1,0", "3,7,5", "300,65,0", "4096,128,3", "513,513,11", "256,8,0"})
    void matchTheSequentialDoubleSum(int rows, int out, int offset) {
        java.util.Random rnd = new java.util.Random(rows * 31L + out);
        float[] g = new float[offset + rows * out];
        for (int i = 0; i < g.length; i++) g[i] = (float) (rnd.nextGaussian() * Math.exp(rnd.nextGaussian() * 3));
        double[] acc = new double[out];
        for (int r = 0; r < rows; r++) for (int j = 0; j < out; j++) acc[j] += g[offset + r * out + j];
        float[] got = Linear.columnSums(g, offset, rows, out);
        assertThat(got).hasSize(out);
        for (int j = 0; j < out; j++) {
            assertThat(Float.floatToRawIntBits(got[j])).as("column %d", j).isEqualTo(Float.floatToRawIntBits((float) acc[j]));
        }
    }
}
