package dev.moxing.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The fused im2col + GEMM convolution against a direct six-loop convolution in double precision,
 * on shapes the PyTorch fixtures are too small to reach: batches larger than the thread count
 * (the batch-parallel path with per-chunk weight-gradient sums), a batch of one (the pooled-GEMM
 * path), images big enough to be processed in blocks of output rows, and 1×1 convolutions (no
 * im2col). Forward output and all three gradients are compared.
 */
class ConvAgainstReferenceTest {

    @ParameterizedTest(name = "n={0} c={1} {2}x{3} → {4}, k={5}x{6} s={7} p={8} d={9} g={10}")
    @CsvSource({
        // n, c, h, w, out, kh, kw, stride, pad, dil, groups
        "7, 3, 9, 8, 4, 3, 3, 1, 1, 1, 1",
        "1, 4, 10, 10, 6, 3, 3, 2, 1, 1, 2",
        "5, 6, 7, 9, 6, 3, 2, 1, 2, 2, 3",
        "9, 8, 5, 5, 4, 1, 1, 1, 0, 1, 2",   // pointwise: the image is the im2col matrix
        "3, 2, 6, 6, 4, 1, 1, 2, 0, 1, 1",   // 1×1 with stride: im2col again
        "2, 64, 70, 66, 5, 3, 3, 1, 1, 1, 1", // 64·9·66 floats per output row: processed in blocks of rows
        "4, 4, 8, 8, 8, 3, 3, 3, 0, 1, 4",    // depthwise-style, stride 3
        "67, 2, 5, 5, 3, 3, 3, 1, 1, 1, 1",   // more images than threads on most machines: batch-parallel path
    })
    void matchesDirectConvolution(int n, int c, int h, int w, int out, int kh, int kw, int s, int p, int d, int g) {
        Rng rng = new Rng(n * 1000L + c * 10L + out);
        Conv2d conv = new Conv2d(c, out, new int[] {kh, kw}, new int[] {s, s}, new int[] {p, p}, new int[] {d, d},
                g, true, rng);
        Tensor x = Tensor.randn(rng, n, c, h, w).setRequiresGrad(true);
        Tensor y = conv.forward(x);
        int oh = (h + 2 * p - d * (kh - 1) - 1) / s + 1, ow = (w + 2 * p - d * (kw - 1) - 1) / s + 1;
        assertThat(y.shape()).containsExactly(n, out, oh, ow);

        float[] xs = x.toFloatArray(), ws = conv.weight().toFloatArray(), bs = conv.bias().toFloatArray();
        Tensor gy = Tensor.randn(rng, n, out, oh, ow);
        float[] gys = gy.toFloatArray();
        double[] yRef = new double[n * out * oh * ow];
        double[] dx = new double[xs.length], dw = new double[ws.length], db = new double[bs.length];
        int cg = c / g, og = out / g;
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < out; o++) {
                int gi = o / og;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        int yi = ((b * out + o) * oh + i) * ow + j;
                        double acc = bs[o];
                        db[o] += gys[yi];
                        for (int ci = 0; ci < cg; ci++) {
                            int cin = gi * cg + ci;
                            for (int a = 0; a < kh; a++) {
                                int iy = i * s - p + a * d;
                                if (iy < 0 || iy >= h) continue;
                                for (int e = 0; e < kw; e++) {
                                    int ix = j * s - p + e * d;
                                    if (ix < 0 || ix >= w) continue;
                                    int xi = ((b * c + cin) * h + iy) * w + ix;
                                    int wi = ((o * cg + ci) * kh + a) * kw + e;
                                    acc += (double) xs[xi] * ws[wi];
                                    dx[xi] += (double) gys[yi] * ws[wi];
                                    dw[wi] += (double) gys[yi] * xs[xi];
                                }
                            }
                        }
                        yRef[yi] = acc;
                    }
                }
            }
        }
        assertClose("output", y.toFloatArray(), yRef);
        y.backward(gy);
        assertClose("dx", x.grad().toFloatArray(), dx);
        assertClose("dweight", conv.weight().grad().toFloatArray(), dw);
        assertClose("dbias", conv.bias().grad().toFloatArray(), db);
    }

    @Test
    void repeatedPassesAreBitIdentical() {
        // Weight gradients are summed per batch chunk and then in chunk order: no run-to-run drift.
        Rng rng = new Rng(4);
        Conv2d conv = new Conv2d(3, 8, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, true,
                rng);
        Tensor x = Tensor.randn(rng, 37, 3, 9, 9);
        Tensor g = Tensor.randn(rng, 37, 8, 9, 9);
        float[][] first = null;
        for (int run = 0; run < 3; run++) {
            conv.zeroGrad();
            Tensor xi = x.contiguousCopy().setRequiresGrad(true);
            Tensor y = conv.forward(xi);
            y.backward(g);
            float[][] now = {y.toFloatArray(), xi.grad().toFloatArray(), conv.weight().grad().toFloatArray(),
                conv.bias().grad().toFloatArray()};
            if (first == null) first = now;
            else for (int i = 0; i < now.length; i++) assertThat(now[i]).containsExactly(first[i]);
        }
    }

    @Test
    void conv1dEqualsConv2dWithHeightOne() {
        Rng rng = new Rng(5);
        Conv1d c1 = new Conv1d(4, 6, 3, 2, 1, 2, 2, true, rng);
        Conv2d c2 = new Conv2d(4, 6, new int[] {1, 3}, new int[] {1, 2}, new int[] {0, 1}, new int[] {1, 2}, 2, true,
                rng);
        try (var ignored = Tensor.noGrad()) {
            c2.weight().copyFrom(c1.weight().reshape(6, 2, 1, 3));
            c2.bias().copyFrom(c1.bias());
        }
        Tensor x = Tensor.randn(rng, 3, 4, 13);
        float[] a = c1.forward(x).toFloatArray();
        float[] b = c2.forward(x.unsqueeze(2)).toFloatArray();
        assertThat(a).containsExactly(b);
    }

    @Test
    void unbatchedInputIsABatchOfOne() {
        Rng rng = new Rng(6);
        Conv2d conv = new Conv2d(2, 3, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, true,
                rng);
        Tensor x = Tensor.randn(rng, 2, 5, 5);
        assertThat(conv.forward(x).shape()).containsExactly(3, 5, 5);
        assertThat(conv.forward(x).toFloatArray()).containsExactly(conv.forward(x.unsqueeze(0)).toFloatArray());
    }

    @Test
    void inputSmallerThanTheKernelIsReported() {
        Conv2d conv = new Conv2d(1, 2, 5);
        assertThatThrownBy(() -> conv.forward(Tensor.zeros(1, 1, 3, 3)))
                .hasMessageContaining("Conv2d(1 → 2, 5×5)")
                .hasMessageContaining("(1, 1, 3, 3)")
                .hasMessageContaining("too small");
    }

    private static void assertClose(String what, float[] actual, double[] expected) {
        assertThat(actual).hasSize(expected.length);
        double scale = 0;
        for (double e : expected) scale = Math.max(scale, Math.abs(e));
        for (int i = 0; i < actual.length; i++) {
            // float32 sums of up to ~600 products: relative to the largest magnitude, not each element.
            if (Math.abs(actual[i] - expected[i]) > 1e-5 * scale + 1e-4 * Math.abs(expected[i]) + 1e-6) {
                throw new AssertionError(what + "[" + i + "] = " + actual[i] + ", expected " + expected[i]
                        + " (max |expected| " + scale + ")");
            }
        }
    }
}
