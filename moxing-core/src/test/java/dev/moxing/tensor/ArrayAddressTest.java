package dev.moxing.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ArrayAddressTest {
    @Test
    void nativeMemoryPaddingReachesTheNextCacheLine() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment line = arena.allocate(256, 64);
            for (int skip = 0; skip < 64; skip++) {
                MemorySegment s = line.asSlice(skip);
                int pad = ArrayAddress.alignmentPadding(s);
                assertThat(pad).isBetween(0, 63);
                assertThat((s.address() + pad) % 64).isZero();
                assertThat(pad).isEqualTo((64 - skip) % 64);
            }
        }
    }

    /**
     * The tests run with native access, so the heap probe must answer: skipping k elements of an
     * array moves the padding by k elements, modulo a line (an unknown answer, 0 everywhere, fails).
     */
    @Test
    void arrayPaddingFollowsTheElementAddress() {
        float[] floats = new float[1 << 22]; // large: allocated where it stays during the test
        MemorySegment f = MemorySegment.ofArray(floats);
        int pad = ArrayAddress.alignmentPadding(f);
        assertThat(pad % 4).isZero();
        for (int k = 1; k < 16; k++) {
            assertThat(ArrayAddress.alignmentPadding(f.asSlice(4L * k))).isEqualTo(Math.floorMod(pad - 4 * k, 64));
        }
        byte[] bytes = new byte[1 << 22];
        MemorySegment b = MemorySegment.ofArray(bytes);
        int bpad = ArrayAddress.alignmentPadding(b);
        for (int k = 1; k < 64; k++) {
            assertThat(ArrayAddress.alignmentPadding(b.asSlice(k))).isEqualTo(Math.floorMod(bpad - k, 64));
        }
    }
    /** Arrays are viewed from a cache line (the tests run with native access, so the address is known). */
    @ParameterizedTest
    @ValueSource(ints = {64, 4096, 1 << 20, 24 << 20})
    void alignedArraysStartOnACacheLine(int bytes) {
        for (DType kind : List.of(DType.F32, DType.F16, DType.BF16, DType.I8)) {
            MemorySegment a = ArrayAddress.alignedArray(kind, bytes);
            assertThat(a.byteSize()).isEqualTo(bytes);
            assertThat(ArrayAddress.alignmentPadding(a)).as(kind + " " + bytes).isZero();
            // and the probe is not answering 0 for everything: one element further is off the line
            assertThat(ArrayAddress.alignmentPadding(a.asSlice(4))).as(kind + " " + bytes).isEqualTo(60);
        }
        // the array type is the one its kernels load
        assertThat(ArrayAddress.alignedArray(DType.F32, 64).heapBase()).get().isInstanceOf(float[].class);
        assertThat(ArrayAddress.alignedArray(DType.F16, 64).heapBase()).get().isInstanceOf(short[].class);
        assertThat(ArrayAddress.alignedArray(DType.Q8_0, 64).heapBase()).get().isInstanceOf(byte[].class);
    }
}
