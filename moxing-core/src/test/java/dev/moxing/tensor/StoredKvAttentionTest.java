package dev.moxing.tensor;

import dev.moxing.kernels.quant.Dequantize;
import dev.moxing.kernels.quant.QuantAttention;
import dev.moxing.kernels.quant.Quantize;
import dev.moxing.random.Rng;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Attention against keys and values stored as F16 or Q8_0 (a compact KV cache), read through
 * prefix views of (B, Hkv, R, D) segments: the result must be exactly FlashAttention's on the
 * decoded values (the same arithmetic in the same order), and close to the naive composition.
 */
class StoredKvAttentionTest {

    @ParameterizedTest
    @CsvSource({
            // b, h, hkv, tq, tk, rows, d, type
            "1, 4, 2, 1, 9, 16, 32, F16", "2, 4, 2, 3, 70, 80, 32, Q8_0", "1, 2, 2, 1, 200, 200, 64, Q8_0",
            "1, 3, 1, 4, 130, 131, 32, F16",                                           // decoding: ≤ 4 query rows
            "2, 4, 2, 70, 70, 100, 32, F16", "1, 6, 3, 65, 130, 130, 64, Q8_0", "1, 2, 1, 9, 40, 64, 32, Q8_0"})
    void matchesFlashAttentionOnTheDecodedValues(int b, int h, int hkv, int tq, int tk, int rows, int d, DType type) {
        Rng rng = new Rng(b * 1000 + h * 100 + tq * 10 + d);
        Tensor q = Tensor.randn(rng, b, h, tq, d);
        float[] k = Tensor.randn(rng, b, hkv, rows, d).toFloatArray(), v = Tensor.randn(rng, b, hkv, rows, d).toFloatArray();
        Tensor kStored = stored(k, type, b, hkv, rows, d).narrow(2, 0, tk), vStored = stored(v, type, b, hkv, rows, d).narrow(2, 0, tk);
        Tensor kF32 = Tensor.of(decoded(k, type), b, hkv, rows, d).narrow(2, 0, tk);
        Tensor vF32 = Tensor.of(decoded(v, type), b, hkv, rows, d).narrow(2, 0, tk);

        assertThat(Attention.storedRows(kStored, vStored)).as("read in place by QuantAttention").isEqualTo(rows);
        Tensor got = Tensor.attention(q, kStored, vStored, true);
        assertThat(got.toFloatArray()).containsExactly(Tensor.attention(q, kF32, vF32, true).toFloatArray());
        float[] direct = new float[b * h * tq * d];
        QuantAttention.forward(q.toFloatArray(), type, segment(kStored), segment(vStored), direct, new float[b * h * tq],
                b, h, hkv, tq, tk, rows, d, true);
        assertThat(direct).containsExactly(got.toFloatArray());
        float[] ref = AttentionTest.naive(q, kF32, vF32, true).toFloatArray(), g = got.toFloatArray();
        for (int i = 0; i < ref.length; i++) assertThat(g[i]).as("element %d", i).isCloseTo(ref[i], org.assertj.core.data.Offset.offset(2e-5f));
    }

    @Test
    void storingRoundsTheValuesSoTheResultMovesLittle() {
        // The stored types only round keys and values: against the F32 originals, F16 stays within
        // ~1e-3 of the output and Q8_0 within ~1e-2 (unit-variance random data).
        Rng rng = new Rng(7);
        int b = 1, h = 4, hkv = 2, t = 50, d = 64;
        Tensor q = Tensor.randn(rng, b, h, 1, d);
        float[] k = Tensor.randn(rng, b, hkv, t, d).toFloatArray(), v = Tensor.randn(rng, b, hkv, t, d).toFloatArray();
        float[] exact = Tensor.attention(q, Tensor.of(k, b, hkv, t, d), Tensor.of(v, b, hkv, t, d), true).toFloatArray();
        float[] f16 = Tensor.attention(q, stored(k, DType.F16, b, hkv, t, d), stored(v, DType.F16, b, hkv, t, d), true).toFloatArray();
        float[] q8 = Tensor.attention(q, stored(k, DType.Q8_0, b, hkv, t, d), stored(v, DType.Q8_0, b, hkv, t, d), true).toFloatArray();
        assertThat(maxDiff(f16, exact)).isLessThan(2e-3f).isGreaterThan(0f);
        assertThat(maxDiff(q8, exact)).isLessThan(3e-2f).isGreaterThan(maxDiff(f16, exact));
    }

    @Test
    void q8_0NeedsAHeadDimThatIsAMultipleOf32() {
        MemorySegment kv = MemorySegment.ofArray(new byte[34 * 4]);
        assertThatThrownBy(() -> QuantAttention.forward(new float[16], DType.Q8_0, kv, kv, new float[16], new float[1],
                1, 1, 1, 1, 2, 2, 16, true))
                .hasMessageContaining("Q8_0").hasMessageContaining("multiple of 32, got 16");
    }

    static Tensor stored(float[] x, DType type, int... shape) {
        MemorySegment seg = MemorySegment.ofArray(new byte[(int) type.bytesFor(x.length)]);
        Quantize.row(type, x, 0, x.length, seg, 0);
        return Tensor.fromSegment(seg, type, shape);
    }

    private static MemorySegment segment(Tensor t) {
        return ((Storage.Segment) t.storage()).segment();
    }

    private static float[] decoded(float[] x, DType type) {
        MemorySegment seg = MemorySegment.ofArray(new byte[(int) type.bytesFor(x.length)]);
        Quantize.row(type, x, 0, x.length, seg, 0);
        float[] out = new float[x.length];
        Dequantize.row(type, seg, 0, out, 0, x.length);
        return out;
    }

    private static float maxDiff(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
