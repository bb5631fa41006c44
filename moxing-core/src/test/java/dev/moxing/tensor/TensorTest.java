package dev.moxing.tensor;

import dev.moxing.random.Rng;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tensor semantics that PyTorch fixtures do not cover: views share storage, errors, printing, seeding. */
class TensorTest {

    @Test
    void viewsShareStorageAndDoNotCopy() {
        Tensor a = Tensor.arange(12).reshape(3, 4);
        Tensor t = a.t();
        assertThat(t.storage()).isSameAs(a.storage());
        assertThat(t.shape()).containsExactly(4, 3);
        assertThat(t.strides()).containsExactly(1, 4);
        assertThat(t.isContiguous()).isFalse();
        assertThat(t.get(1, 2)).isEqualTo(9f);
        Tensor n = a.narrow(1, 1, 2);
        assertThat(n.storage()).isSameAs(a.storage());
        assertThat(n.toFloatArray()).containsExactly(1, 2, 5, 6, 9, 10);
        Tensor e = Tensor.of(new float[] {1, 2, 3}, 3, 1).expand(3, 4);
        assertThat(e.strides()).containsExactly(1, 0);
        assertThat(e.toFloatArray()).containsExactly(1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
        assertThat(a.unsqueeze(0).shape()).containsExactly(1, 3, 4);
        assertThat(a.unsqueeze(0).squeeze(0).shape()).containsExactly(3, 4);
        assertThat(a.permute(1, 0).contiguous().isContiguous()).isTrue();
        assertThat(a.slice(0, -2, 3).toFloatArray()).containsExactly(4, 5, 6, 7, 8, 9, 10, 11);
    }

    @Test
    void viewRejectsIncompatibleStridesButReshapeCopies() {
        Tensor t = Tensor.arange(6).reshape(2, 3).t();
        assertThatThrownBy(() -> t.view(6)).hasMessageContaining("view").hasMessageContaining("reshape");
        assertThat(t.reshape(6).toFloatArray()).containsExactly(0, 3, 1, 4, 2, 5);
        assertThat(Tensor.arange(24).reshape(2, 3, 4).view(6, -1).shape()).containsExactly(6, 4);
    }

    @Test
    void errorsNameTheOpAndShapes() {
        Tensor a = Tensor.zeros(64, 784), b = Tensor.zeros(512, 10);
        assertThatThrownBy(() -> a.matmul(b))
                .hasMessage("matmul: (64, 784) @ (512, 10): inner dimensions 784 and 512 differ");
        assertThatThrownBy(() -> Tensor.zeros(2, 3).add(Tensor.zeros(4)))
                .hasMessageContaining("add").hasMessageContaining("(2, 3)").hasMessageContaining("(4,)");
        assertThatThrownBy(() -> Tensor.zeros(2, 3).reshape(4, 2)).hasMessageContaining("(4, 2)");
        assertThatThrownBy(() -> Tensor.zeros(2).softmax(3)).hasMessageContaining("softmax");
        assertThatThrownBy(() -> Tensor.zeros(5, 2).indexSelect(0, Tensor.ofInts(new int[] {7}, 1)))
                .hasMessageContaining("index 7 out of range for dim 0 of size 5");
    }

    @Test
    void creationAndSeededRandomness() {
        assertThat(Tensor.arange(0, 1, 0.25f).toFloatArray()).containsExactly(0f, 0.25f, 0.5f, 0.75f);
        assertThat(Tensor.full(7f, 2, 2).sum().item()).isEqualTo(28f);
        Tensor r1 = Tensor.randn(new Rng(3), 1000), r2 = Tensor.randn(new Rng(3), 1000);
        assertThat(r1.toFloatArray()).containsExactly(r2.toFloatArray());
        assertThat(r1.mean().item()).isBetween(-0.1f, 0.1f);
        assertThat(r1.var(0, false).item()).isBetween(0.85f, 1.15f);
        Tensor u = Tensor.rand(new Rng(4), 1000);
        assertThat(u.min().item()).isGreaterThanOrEqualTo(0f);
        assertThat(u.max().item()).isLessThan(1f);
        Tensor ri = Tensor.randint(new Rng(5), -2, 3, 500);
        assertThat(ri.dtype()).isEqualTo(DType.I32);
        assertThat(java.util.Arrays.stream(ri.toIntArray()).allMatch(v -> v >= -2 && v < 3)).isTrue();
    }

    @Test
    void rngStateRoundTrips() {
        Rng a = new Rng(9);
        a.nextGaussian();
        long[] st = a.state();
        float x = a.nextFloat();
        double g = a.nextGaussian();
        Rng b = new Rng(0);
        b.setState(st);
        assertThat(b.nextFloat()).isEqualTo(x);
        assertThat(b.nextGaussian()).isEqualTo(g);
    }

    @Test
    void printsLikePyTorch() {
        assertThat(Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).toString())
                .isEqualTo("tensor([[1., 2.],\n        [3., 4.]])");
        assertThat(Tensor.of(new float[] {0.5f, -1.25f}, 2).toString()).isEqualTo("tensor([ 0.5000, -1.2500])");
        assertThat(Tensor.scalar(3f).toString()).isEqualTo("tensor(3.)");
        assertThat(Tensor.ones(2).setRequiresGrad(true).toString()).isEqualTo("tensor([1., 1.], requires_grad=True)");
        String big = Tensor.arange(2000).toString();
        assertThat(big).startsWith("tensor([   0.,    1.,    2., ...").endsWith("1998., 1999.])");
        assertThat(Tensor.ones(2).setRequiresGrad(true).mul(2f).toString()).contains("grad_fn=<mulBackward>");
    }

    @Test
    void autogradAccumulatesAndFreesGraph() {
        Tensor x = Tensor.of(new float[] {1, 2, 3}, 3).setRequiresGrad(true);
        Tensor y = x.mul(x).sum();
        y.backward(null, true);
        assertThat(x.grad().toFloatArray()).containsExactly(2, 4, 6);
        y.backward();
        assertThat(x.grad().toFloatArray()).containsExactly(4, 8, 12); // accumulated
        assertThatThrownBy(y::backward).hasMessageContaining("second time");
        x.zeroGrad();
        assertThat(x.grad()).isNull();
    }

    @Test
    void backwardFromNonScalarNeedsAGradient() {
        Tensor x = Tensor.ones(2, 2).setRequiresGrad(true);
        Tensor y = x.mul(3f);
        assertThatThrownBy(y::backward).hasMessageContaining("scalar").hasMessageContaining("(2, 2)");
        y.backward(Tensor.full(2f, 2, 2));
        assertThat(x.grad().toFloatArray()).containsExactly(6, 6, 6, 6);
    }

    @Test
    void noGradDetachAndRetainGrad() {
        Tensor x = Tensor.ones(3).setRequiresGrad(true);
        try (var g = Tensor.noGrad()) {
            assertThat(x.mul(2f).requiresGrad()).isFalse();
        }
        assertThat(x.mul(2f).requiresGrad()).isTrue();
        assertThat(x.mul(2f).detach().requiresGrad()).isFalse();
        Tensor h = x.mul(2f).retainGrad();
        Tensor out = h.exp().sum();
        out.backward();
        assertThat(h.grad()).isNotNull();
        assertThat(h.grad().toFloatArray()[0]).isCloseTo((float) Math.exp(2), org.assertj.core.data.Offset.offset(1e-5f));
        assertThat(x.grad().toFloatArray()[0]).isCloseTo((float) (2 * Math.exp(2)), org.assertj.core.data.Offset.offset(1e-4f));
    }

    @Test
    void broadcastGradientReducesToInputShape() {
        Tensor a = Tensor.ones(2, 3).setRequiresGrad(true);
        Tensor b = Tensor.of(new float[] {1, 2, 3}, 3).setRequiresGrad(true);
        a.mul(b).sum().backward();
        assertThat(b.grad().shape()).containsExactly(3);
        assertThat(b.grad().toFloatArray()).containsExactly(2, 2, 2);
        assertThat(a.grad().toFloatArray()).containsExactly(1, 2, 3, 1, 2, 3);
    }

    @Test
    void sameSeedSameThreadsBitIdentical() {
        float[] r1 = run(), r2 = run();
        assertThat(r1).containsExactly(r2);
    }

    private static float[] run() {
        Rng rng = new Rng(11);
        Tensor w = Tensor.randn(rng, 300, 200).setRequiresGrad(true);
        Tensor x = Tensor.randn(rng, 64, 300);
        Tensor loss = x.matmul(w).gelu().softmax(-1).log().mean();
        loss.backward();
        float[] g = w.grad().toFloatArray();
        float[] out = java.util.Arrays.copyOf(g, g.length + 1);
        out[g.length] = loss.item();
        return out;
    }

    @Test
    void memorySegmentStorageWithoutCopy() {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            var seg = arena.allocate(4L * 6);
            for (int i = 0; i < 6; i++) seg.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, i);
            Tensor t = Tensor.fromSegment(seg, DType.F32, 2, 3);
            assertThat(t.storage()).isInstanceOf(Storage.Segment.class);
            assertThat(t.t().toFloatArray()).containsExactly(0, 3, 1, 4, 2, 5);
            assertThat(t.sum().item()).isEqualTo(15f);
            var ints = arena.allocate(4L * 2);
            ints.setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, 0, 16777217);
            ints.setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, 1, 123456789);
            assertThat(Tensor.fromSegment(ints, DType.I32, 2).toIntArray()).containsExactly(16777217, 123456789);
        }
    }

    @Test
    void inPlaceWritesWorkThroughStridedViews() {
        Tensor a = Tensor.zeros(3, 4);
        a.t().narrow(0, 1, 2).copyFrom(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        assertThat(a.toFloatArray()).containsExactly(0, 1, 4, 0, 0, 2, 5, 0, 0, 3, 6, 0);
        a.narrow(1, 3, 1).fill(9f);
        assertThat(a.select(1, 3).toFloatArray()).containsExactly(9, 9, 9);
        a.t().addInPlace(Tensor.ones(4, 3), 2f);
        assertThat(a.get(0, 0)).isEqualTo(2f);
        assertThat(a.get(2, 3)).isEqualTo(11f);
        assertThatThrownBy(() -> Tensor.zeros(1, 3).expand(2, 3).fill(1f)).hasMessageContaining("overlap");
    }

    @Test
    void leafGradientsNeverAliasEachOtherOrTheSeed() {
        Tensor a = Tensor.ones(3).setRequiresGrad(true), b = Tensor.ones(3).setRequiresGrad(true);
        Tensor seed = Tensor.of(new float[] {1, 2, 3}, 3);
        a.add(b).backward(seed);
        assertThat(a.grad().storage()).isNotSameAs(seed.storage()).isNotSameAs(b.grad().storage());
        a.grad().addInPlace(Tensor.ones(3));
        assertThat(b.grad().toFloatArray()).containsExactly(1, 2, 3);
        assertThat(seed.toFloatArray()).containsExactly(1, 2, 3);
        Tensor w = Tensor.ones(2, 2).setRequiresGrad(true);
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        x.matmul(w).sum().backward();
        x.matmul(w).sum().backward();
        assertThat(w.grad().toFloatArray()).containsExactly(8, 8, 12, 12); // accumulated twice
    }
}
