package dev.moxing.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.moxing.kernels.quant.Quantize;
import dev.moxing.kernels.quant.RowInterleave;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A stored weight with its rows interleaved by 16 (what WeightPlacement makes of a loaded Q8_0 /
 * Q4_0 / Q4_K / Q6_K matrix) behaves as the same weight in ggml's block layout: the linear layer's output to
 * float rounding, the gradient that reaches its input exactly (both decode to the same floats),
 * and rows looked up as an embedding exactly.
 */
class InterleavedStoredWeightsTest {

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void behavesAsTheBlockLayout(DType t) {
        int out = 48, in = t.blockSize() == 256 ? 512 : 96;
        assumeTrue(RowInterleave.suits(t, out, in), "needs 16 float lanes (AVX-512)");
        Random rnd = new Random(3);
        float[] w = new float[out * in];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        long bytes = t.bytesFor((long) out * in);
        MemorySegment blocks = MemorySegment.ofArray(new byte[(int) bytes]);
        Quantize.row(t, w, 0, w.length, blocks, 0);
        MemorySegment rows16 = MemorySegment.ofArray(new byte[(int) bytes]);
        RowInterleave.interleave(t, blocks, 0, rows16, 0, out, in);
        Tensor plain = Tensor.fromSegment(blocks, t, out, in);
        Tensor interleaved = Tensor.fromSegment(rows16, RowInterleave.interleaved(t), out, in);

        float[] xs = new float[5 * in];
        for (int i = 0; i < xs.length; i++) xs[i] = (float) rnd.nextGaussian();
        Tensor x1 = Tensor.of(xs, 5, in).setRequiresGrad(true), x2 = Tensor.of(xs.clone(), 5, in).setRequiresGrad(true);
        Tensor y1 = Linear.apply(x1, plain, null), y2 = Linear.apply(x2, interleaved, null);
        float[] a = y1.toFloatArray(), b = y2.toFloatArray();
        for (int i = 0; i < a.length; i++) assertThat(b[i]).as("y[%d]", i).isCloseTo(a[i], within(1e-4f * (1 + Math.abs(a[i]))));
        y1.sum().backward();
        y2.sum().backward();
        assertThat(x2.grad().toFloatArray()).containsExactly(x1.grad().toFloatArray());

        int[] ids = {0, 17, 47, 31};
        assertThat(StoredWeights.embedding(interleaved, ids, new int[] {4}).toFloatArray())
                .containsExactly(StoredWeights.embedding(plain, ids, new int[] {4}).toFloatArray());
    }
}
