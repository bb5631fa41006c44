package dev.moxing.data;

import dev.moxing.random.Rng;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class TransformsTest {

    static Batch batch(Tensor x) {
        return new Batch(x, Tensor.ofInts(new int[x.size(0)], x.size(0)));
    }

    /** (n, c, h, w) images with pixel value 1000·n + 100·c + 10·y + x + 1 (never 0, so padding shows). */
    static Tensor images(int n, int c, int h, int w) {
        float[] d = new float[n * c * h * w];
        int i = 0;
        for (int a = 0; a < n; a++) for (int b = 0; b < c; b++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
            d[i++] = 1000 * a + 100 * b + 10 * y + x + 1;
        }
        return Tensor.fromArray(d, n, c, h, w);
    }

    @Test
    void normalizeWithOneMeanAndStd() {
        Batch out = Transforms.normalize(2, 4).apply(batch(Tensor.of(new float[] {2, 6, -2, 10}, 2, 2)));
        assertArrayEquals(new float[] {0, 1, -1, 2}, out.x().toFloatArray());
    }

    @Test
    void normalizePerChannel() {
        Tensor x = images(2, 2, 1, 2);    // channel 0: 1,2 / 1001,1002 ; channel 1: 101,102 / 1101,1102
        Batch out = Transforms.normalize(new float[] {1, 101}, new float[] {1, 0.5f}).apply(batch(x));
        assertArrayEquals(new float[] {0, 1, 0, 2, 1000, 1001, 2000, 2002}, out.x().toFloatArray());
        // columns of (N, F) features
        Batch cols = Transforms.normalize(new float[] {1, 2, 3}, new float[] {1, 1, 1})
                .apply(batch(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3)));
        assertArrayEquals(new float[] {0, 0, 0, 3, 3, 3}, cols.x().toFloatArray());
    }

    @Test
    void normalizeChecksItsArguments() {
        assertThrows(IllegalArgumentException.class, () -> Transforms.normalize(0, 0));
        assertThrows(IllegalArgumentException.class, () -> Transforms.normalize(new float[] {0, 0}, new float[] {1}));
        Transform threeChannels = Transforms.normalize(new float[] {0, 0, 0}, new float[] {1, 1, 1});
        var e = assertThrows(IllegalArgumentException.class, () -> threeChannels.apply(batch(images(1, 1, 2, 2))));
        assertTrue(e.getMessage().contains("3 means"), e.getMessage());
    }

    @Test
    void scaleMultiplies() {
        Batch out = Transforms.scale(1 / 255f).apply(batch(Tensor.of(new float[] {0, 255, 51}, 3, 1)));
        assertArrayEquals(new float[] {0, 255 * (1 / 255f), 51 * (1 / 255f)}, out.x().toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> Transforms.scale(1).apply(batch(Tensor.ofInts(new int[2], 2, 1))));
    }

    @Test
    void inputIsNotModified() {
        Tensor x = Tensor.of(new float[] {1, 2}, 2, 1);
        Transforms.scale(3).apply(batch(x));
        Transforms.normalize(1, 1).apply(batch(x));
        assertArrayEquals(new float[] {1, 2}, x.toFloatArray());
    }

    @Test
    void oneHotEncodesLabels() {
        Batch b = new Batch(Tensor.zeros(3, 1), Tensor.ofInts(new int[] {2, 0, 1}, 3));
        Batch out = Transforms.oneHot(3).apply(b);
        assertEquals(DType.F32, out.y().dtype());
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 0, 1, 0}, out.y().toFloatArray());
        assertThrows(IndexOutOfBoundsException.class, () -> Transforms.oneHot(2).apply(b));
        assertThrows(IllegalArgumentException.class, () -> Transforms.oneHot(3).apply(out), "already one-hot");
    }

    @Test
    void flattenKeepsTheBatchDim() {
        Batch out = Transforms.flatten().apply(batch(images(3, 1, 28, 28)));
        assertArrayEquals(new int[] {3, 784}, out.x().shape());
    }

    @Test
    void randomCropWithoutPaddingIsTheIdentity() {
        Tensor x = images(2, 3, 4, 5);
        assertArrayEquals(x.toFloatArray(), Transforms.randomCrop(0, new Rng(1)).apply(batch(x)).x().toFloatArray());
    }

    @Test
    void randomCropMatchesPadThenCut() {
        int n = 6, c = 2, h = 5, w = 4, p = 2;
        Tensor x = images(n, c, h, w);
        float[] got = Transforms.randomCrop(p, new Rng(42)).apply(batch(x)).x().toFloatArray();
        Rng rng = new Rng(42);       // the same draws, in the documented order: dy then dx per sample
        for (int k = 0; k < n; k++) {
            int oy = rng.nextInt(2 * p + 1), ox = rng.nextInt(2 * p + 1);   // window origin in the padded image
            for (int ch = 0; ch < c; ch++) for (int y = 0; y < h; y++) for (int xx = 0; xx < w; xx++) {
                int sy = y + oy - p, sx = xx + ox - p;
                float want = sy >= 0 && sy < h && sx >= 0 && sx < w ? x.get(k, ch, sy, sx) : 0f;
                assertEquals(want, got[((k * c + ch) * h + y) * w + xx], "sample " + k + " c" + ch + " y" + y + " x" + xx);
            }
        }
    }

    @Test
    void randomCropNeedsImages() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Transforms.randomCrop(2, new Rng(1)).apply(batch(Tensor.zeros(4, 784))));
        assertTrue(e.getMessage().contains("(N, C, H, W)") && e.getMessage().contains("(4, 784)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Transforms.randomCrop(-1, new Rng(1)));
    }

    @Test
    void horizontalFlipMirrorsRows() {
        Tensor x = images(2, 2, 2, 3);
        float[] flipped = Transforms.randomHorizontalFlip(1f, new Rng(1)).apply(batch(x)).x().toFloatArray();
        for (int k = 0; k < 2; k++) for (int ch = 0; ch < 2; ch++) for (int y = 0; y < 2; y++) for (int xx = 0; xx < 3; xx++) {
            assertEquals(x.get(k, ch, y, 2 - xx), flipped[((k * 2 + ch) * 2 + y) * 3 + xx]);
        }
        assertArrayEquals(x.toFloatArray(), Transforms.randomHorizontalFlip(0f, new Rng(1)).apply(batch(x)).x().toFloatArray());
    }

    @Test
    void horizontalFlipFlipsAboutHalfAndIsSeeded() {
        Tensor x = images(400, 1, 1, 2);
        float[] a = Transforms.randomHorizontalFlip(new Rng(7)).apply(batch(x)).x().toFloatArray();
        float[] b = Transforms.randomHorizontalFlip(new Rng(7)).apply(batch(x)).x().toFloatArray();
        assertArrayEquals(a, b);
        int flipped = 0;
        for (int k = 0; k < 400; k++) if (a[2 * k] > a[2 * k + 1]) flipped++;
        assertTrue(flipped > 150 && flipped < 250, "flipped " + flipped + " of 400");
    }

    @Test
    void andThenComposes() {
        Transform t = Transforms.scale(2).andThen(Transforms.flatten());
        Batch out = t.apply(batch(images(1, 1, 2, 2)));
        assertArrayEquals(new int[] {1, 4}, out.x().shape());
        assertArrayEquals(new float[] {2, 4, 22, 24}, out.x().toFloatArray());
    }
}
