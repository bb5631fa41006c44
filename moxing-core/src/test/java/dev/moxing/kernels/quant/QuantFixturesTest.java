package dev.moxing.kernels.quant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moxing.tensor.DType;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Quantize} and {@link Dequantize} against the numpy reference in
 * {@code tools/reference/make_quant_fixtures.py} (format documented there): quantized bytes must
 * be identical to ggml's reference quantizers and dequantized floats bit-identical.
 */
class QuantFixturesTest {

    /** One fixture file: optional float input, the block bytes, the expected dequantized floats. */
    record Fixture(float[] input, byte[] bytes, float[] expected) {

        static Fixture load(DType type) throws IOException {
            return load(type.name());
        }

        static Fixture load(String name) throws IOException {
            try (InputStream in = QuantFixturesTest.class.getResourceAsStream("/fixtures/quant/" + name + ".bin")) {
                assertThat(in).as("fixture " + name).isNotNull();
                ByteBuffer b = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
                int kind = b.getInt(), n = b.getInt();
                float[] input = null;
                if (kind == 0) {
                    input = new float[n];
                    b.asFloatBuffer().get(input);
                    b.position(b.position() + 4 * n);
                }
                byte[] bytes = new byte[b.getInt()];
                b.get(bytes);
                float[] expected = new float[n];
                b.asFloatBuffer().get(expected);
                return new Fixture(input, bytes, expected);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void quantizeMatchesGgmlBytes(DType type) throws IOException {
        assertSameBytes(type, Fixture.load(type));
    }

    /** The K-quants: rows of awkward and random super-blocks through ggml's reference searches. */
    @ParameterizedTest
    @EnumSource(names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void kQuantizeMatchesGgmlBytes(DType type) throws IOException {
        Fixture f = Fixture.load(type + "-quantized");
        assertSameBytes(type, f);
        // ... and the bytes decode to the reference's floats.
        float[] got = new float[f.expected.length];
        Dequantize.row(type, MemorySegment.ofArray(f.bytes), 0, got, 0, got.length);
        assertThat(got).containsExactly(f.expected);
    }

    private static void assertSameBytes(DType type, Fixture f) {
        // At an odd offset in a larger segment: the kernels must not assume alignment.
        MemorySegment seg = MemorySegment.ofArray(new byte[f.bytes.length + 7]);
        Quantize.row(type, f.input, 0, f.input.length, seg, 3);
        byte[] got = seg.asSlice(3, f.bytes.length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        for (int blk = 0; blk < got.length / type.blockBytes(); blk++) {
            int from = blk * type.blockBytes(), to = from + type.blockBytes();
            assertThat(java.util.Arrays.copyOfRange(got, from, to))
                    .as("%s block %d", type, blk)
                    .containsExactly(java.util.Arrays.copyOfRange(f.bytes, from, to));
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K"})
    void dequantizeMatchesReferenceBits(DType type) throws IOException {
        Fixture f = Fixture.load(type);
        MemorySegment seg = MemorySegment.ofArray(new byte[f.bytes.length + 5]);
        MemorySegment.copy(MemorySegment.ofArray(f.bytes), 0, seg, 5, f.bytes.length);
        float[] got = new float[f.expected.length + 2];
        Dequantize.row(type, seg, 5, got, 2, f.expected.length);
        for (int i = 0; i < f.expected.length; i++) {
            if (Float.floatToIntBits(got[i + 2]) != Float.floatToIntBits(f.expected[i])) {
                throw new AssertionError(type + " element " + i + " (block " + i / type.blockSize() + "): expected "
                        + f.expected[i] + " got " + got[i + 2]);
            }
        }
    }
}
