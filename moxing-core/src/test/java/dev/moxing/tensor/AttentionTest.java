package dev.moxing.tensor;

import dev.moxing.random.Rng;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The fused attention kernel against the naive composition softmax(QKᵀ/√d + mask)V (itself checked against PyTorch op by op). */
class AttentionTest {

    /** The reference: materialise the scores, mask, softmax, multiply. */
    static Tensor naive(Tensor q, Tensor k, Tensor v, boolean causal) {
        int h = q.size(1), hkv = k.size(1), tq = q.size(2), tk = k.size(2), d = q.size(3);
        if (h != hkv) { // repeat each kv head for its group of query heads
            int g = h / hkv;
            Tensor[] ks = new Tensor[h], vs = new Tensor[h];
            for (int i = 0; i < h; i++) {
                ks[i] = k.narrow(1, i / g, 1);
                vs[i] = v.narrow(1, i / g, 1);
            }
            k = Tensor.cat(1, ks);
            v = Tensor.cat(1, vs);
        }
        Tensor s = q.matmul(k.transpose(2, 3)).mul((float) (1 / Math.sqrt(d)));
        if (causal) {
            float[] mask = new float[tq * tk];
            for (int i = 0; i < tq; i++) for (int j = 0; j < tk; j++) mask[i * tk + j] = j > i + tk - tq ? 1 : 0;
            s = s.maskedFill(Tensor.of(mask, tq, tk), Float.NEGATIVE_INFINITY);
        }
        return s.softmax(-1).matmul(v);
    }

    @ParameterizedTest
    @CsvSource({
            "1,1,1,1,5,true", "2,3,3,7,8,true", "2,4,2,70,16,true", "1,2,2,130,8,false", "2,6,3,65,32,true",
            "1,2,1,64,64,true", "1,2,2,3,8,true",
            // head size 48: a full column block and a partial one that ends at the arrays' end (TileGemm.edgeColumns)
            "2,3,3,70,48,true", "1,2,2,130,48,false"})
    void matchesNaiveForwardAndBackward(int b, int h, int hkv, int t, int d, boolean causal) {
        check(b, h, hkv, t, t, d, causal);
    }

    @ParameterizedTest
    @CsvSource({"1,2,2,1,9,8,true", "2,4,2,5,70,16,true", "1,2,1,3,3,8,false"})
    void queriesAttendToACachedPrefix(int b, int h, int hkv, int tq, int tk, int d, boolean causal) {
        check(b, h, hkv, tq, tk, d, causal);
    }

    private static void check(int b, int h, int hkv, int tq, int tk, int d, boolean causal) {
        Rng rng = new Rng(b * 1000 + h * 100 + tq * 10 + d);
        Tensor q = Tensor.randn(rng, b, h, tq, d).setRequiresGrad(true);
        Tensor k = Tensor.randn(rng, b, hkv, tk, d).setRequiresGrad(true);
        Tensor v = Tensor.randn(rng, b, hkv, tk, d).setRequiresGrad(true);
        Tensor g = Tensor.randn(rng, b, h, tq, d);
        Tensor fused = Tensor.attention(q, k, v, causal);
        fused.backward(g);
        float[] fq = q.grad().toFloatArray(), fk = k.grad().toFloatArray(), fv = v.grad().toFloatArray();
        q.zeroGrad();
        k.zeroGrad();
        v.zeroGrad();
        Tensor ref = naive(q, k, v, causal);
        ref.backward(g);
        close(fused.toFloatArray(), ref.toFloatArray(), "out");
        close(fq, q.grad().toFloatArray(), "dq");
        close(fk, k.grad().toFloatArray(), "dk");
        close(fv, v.grad().toFloatArray(), "dv");
    }

    /**
     * q, k, v as projections are laid out, (B, T, H, D) transposed to (B, H, T, D) views, which
     * attention reads in place and answers with a view of a (B, T, H, D) array; the gradient comes
     * in that layout too ({@code gradInRows}) or as a plain contiguous (B, H, T, D) tensor.
     */
    @ParameterizedTest
    @CsvSource({
            "2,4,4,70,16,true,true", "2,4,4,70,16,true,false", "1,6,3,65,32,true,true", "2,2,2,130,8,false,true",
            "1,2,2,3,5,true,false", "1,1,1,64,64,true,true", "1,2,1,1,8,true,true", "1,6,6,65,48,true,true"})
    void readsHeadsInterleavedInRows(int b, int h, int hkv, int t, int d, boolean causal, boolean gradInRows) {
        Rng rng = new Rng(b * 1000 + h * 100 + t * 10 + d);
        Tensor q = Tensor.randn(rng, b, t, h, d).setRequiresGrad(true);
        Tensor k = Tensor.randn(rng, b, t, hkv, d).setRequiresGrad(true);
        Tensor v = Tensor.randn(rng, b, t, hkv, d).setRequiresGrad(true);
        Tensor g = gradInRows ? Tensor.randn(rng, b, t, h, d).transpose(1, 2) : Tensor.randn(rng, b, h, t, d);
        Tensor fused = Tensor.attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), causal);
        assertThat(fused.shape()).containsExactly(b, h, t, d);
        assertThat(fused.transpose(1, 2).isContiguous()).as("output (B, T, H, D) in memory").isTrue();
        fused.backward(g);
        float[] fq = q.grad().toFloatArray(), fk = k.grad().toFloatArray(), fv = v.grad().toFloatArray();
        q.zeroGrad();
        k.zeroGrad();
        v.zeroGrad();
        Tensor ref = naive(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), causal);
        ref.backward(g);
        close(fused.toFloatArray(), ref.toFloatArray(), "out");
        close(fq, q.grad().toFloatArray(), "dq");
        close(fk, k.grad().toFloatArray(), "dk");
        close(fv, v.grad().toFloatArray(), "dv");
    }

    private static void close(float[] a, float[] e, String what) {
        assertThat(a).hasSameSizeAs(e);
        for (int i = 0; i < a.length; i++) {
            assertThat(Math.abs(a[i] - e[i])).as("%s[%d]: %f vs %f", what, i, a[i], e[i])
                    .isLessThanOrEqualTo(2e-5f + 1e-4f * Math.abs(e[i]));
        }
    }
}
