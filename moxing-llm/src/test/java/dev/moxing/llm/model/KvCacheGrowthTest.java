package dev.moxing.llm.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The cache's buffers grow with the positions (64 rows, doubling, capped at the capacity) and keep every row. */
class KvCacheGrowthTest {
    private static final int HEADS = 2, DIM = 64;

    /** (1, HEADS, t, DIM) rows of a seeded random stream: row p of head h is the same whatever the chunking. */
    private static Tensor rows(int from, int t, int salt) {
        float[] x = new float[HEADS * t * DIM];
        for (int h = 0; h < HEADS; h++) {
            for (int p = 0; p < t; p++) {
                Rng rng = new Rng(salt * 1_000_003L + h * 10_007L + from + p);
                for (int d = 0; d < DIM; d++) x[(h * t + p) * DIM + d] = (float) rng.nextGaussian();
            }
        }
        return Tensor.fromArray(x, 1, HEADS, t, DIM);
    }

    /** Appends positions [0, n) to layer 0 in chunks of {@code chunk}; returns the last views (k, v). */
    private static Tensor[] fill(KvCache cache, int n, int chunk) {
        Tensor[] kv = null;
        for (int p = 0; p < n; p += chunk) {
            int t = Math.min(chunk, n - p);
            kv = cache.append(0, rows(p, t, 1), rows(p, t, 2));
            cache.advance(t);
        }
        return kv;
    }

    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void rowsAppendedOneAtATimeSurviveEachGrowthUnchanged(KvCacheType type) {
        KvCache grown = new KvCache(1, 300, type), once = new KvCache(1, 300, type);
        Tensor[] a = fill(grown, 200, 1);  // 64 -> 128 -> 256 rows, copying at each step
        Tensor[] b = fill(once, 200, 200); // straight to 256 rows, no copy
        assertThat(a[0].toFloatArray()).as("keys").containsExactly(b[0].toFloatArray());
        assertThat(a[1].toFloatArray()).as("values").containsExactly(b[1].toFloatArray());
        assertThat(grown.allocatedBytes()).isEqualTo(once.allocatedBytes())
                .isEqualTo(2 * type.dtype().bytesFor((long) HEADS * 256 * DIM));
        if (type == KvCacheType.F32) assertThat(a[0].toFloatArray()).containsExactly(rows(0, 200, 1).toFloatArray());
    }

    /** A context whose cache could never fit in Java arrays is refused at the first token, not when the buffers reach it. */
    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void aContextTooLargeForOneArrayIsRefusedAtTheFirstAppend(KvCacheType type) {
        KvCache cache = new KvCache(1, 1 << 26, type); // 2 heads x 2^26 positions x 64 values per layer
        assertThatThrownBy(() -> cache.append(0, rows(0, 1, 1), rows(0, 1, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("67108864 positions").hasMessageContaining("use a shorter context");
        assertThat(cache.allocatedBytes()).isZero();
    }

    @Test
    void theBuffersStartAt64RowsAndStopAtTheCapacity() {
        KvCache cache = new KvCache(1, 100, KvCacheType.F32);
        fill(cache, 3, 3);
        assertThat(cache.allocatedBytes()).isEqualTo(2L * HEADS * 64 * DIM * 4);
        fill(cache, 97, 1); // 100 positions in all: 64 -> 100 rows (128 capped)
        assertThat(cache.allocatedBytes()).isEqualTo(2L * HEADS * 100 * DIM * 4);
    }
}
