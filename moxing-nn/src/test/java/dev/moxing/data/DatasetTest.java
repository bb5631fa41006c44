package dev.moxing.data;

import dev.moxing.random.Rng;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class DatasetTest {

    /** 10 samples of 3 features: row i is (10i, 10i + 1, 10i + 2); label i. */
    static Dataset tenRows() {
        float[] x = new float[30];
        for (int i = 0; i < 30; i++) x[i] = 10 * (i / 3) + i % 3;
        int[] y = IntStream.range(0, 10).toArray();
        return Dataset.of(Tensor.fromArray(x, 10, 3), Tensor.ofInts(y, 10));
    }

    @Test
    void getGathersRowsInTheGivenOrder() {
        Dataset d = tenRows();
        Batch b = d.get(new int[] {7, 2, 7});
        assertArrayEquals(new int[] {3, 3}, b.x().shape());
        assertArrayEquals(new float[] {70, 71, 72, 20, 21, 22, 70, 71, 72}, b.x().toFloatArray());
        assertEquals(DType.I32, b.y().dtype(), "class labels stay I32");
        assertArrayEquals(new int[] {7, 2, 7}, b.y().toIntArray());
        assertEquals(3, b.size());
    }

    @Test
    void batchesOwnTheirStorage() {
        Dataset d = tenRows();
        Batch b = d.get(new int[] {0});
        b.x().fill(-1);
        assertEquals(0f, d.features().get(0, 0));
    }

    @Test
    void outOfRangeIndexIsRejected() {
        var e = assertThrows(IndexOutOfBoundsException.class, () -> tenRows().get(new int[] {1, 10}));
        assertTrue(e.getMessage().contains("index 10"), e.getMessage());
    }

    @Test
    void rowCountsMustMatch() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Dataset.of(Tensor.zeros(5, 2), Tensor.ofInts(new int[4], 4)));
        assertTrue(e.getMessage().contains("5 feature rows") && e.getMessage().contains("4 label rows"), e.getMessage());
    }

    @Test
    void labelsMustBeOneOrTwoDimensional() {
        assertThrows(IllegalArgumentException.class, () -> Dataset.of(Tensor.zeros(2, 2), Tensor.zeros(2, 2, 2)));
        assertThrows(IllegalArgumentException.class, () -> Dataset.of(Tensor.scalar(1), Tensor.zeros(1)));
        Dataset oneHot = Dataset.of(Tensor.zeros(4, 2), Tensor.zeros(4, 3));
        assertArrayEquals(new int[] {2, 3}, oneHot.get(new int[] {0, 1}).y().shape());
    }

    @Test
    void nanInFeaturesIsReportedWithItsRow() {
        float[] x = new float[12];
        x[7] = Float.NaN;          // row 2 (rows of 3), element 1
        var e = assertThrows(IllegalArgumentException.class,
                () -> Dataset.of(Tensor.fromArray(x, 4, 3), Tensor.ofInts(new int[4], 4)));
        assertTrue(e.getMessage().contains("features row 2 (element 1"), e.getMessage());
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    }

    @Test
    void infinityInLabelsIsReported() {
        float[] y = {0, 1, Float.NEGATIVE_INFINITY};
        var e = assertThrows(IllegalArgumentException.class,
                () -> Dataset.of(Tensor.zeros(3, 2), Tensor.fromArray(y, 3)));
        assertTrue(e.getMessage().contains("labels row 2") && e.getMessage().contains("Infinity"), e.getMessage());
    }

    @Test
    void nonContiguousInputIsCopiedInRowMajorOrder() {
        Tensor t = Tensor.arange(6).reshape(2, 3).t();          // (3, 2) view with strides (1, 3)
        Dataset d = Dataset.of(t, Tensor.ofInts(new int[] {0, 1, 2}, 3));
        assertArrayEquals(new float[] {1, 4}, d.get(new int[] {1}).x().toFloatArray());
    }

    @Test
    void takeIsAPrefixView() {
        Dataset d = tenRows().take(4);
        assertEquals(4, d.size());
        assertArrayEquals(new float[] {30, 31, 32}, d.get(new int[] {3}).x().toFloatArray());
        assertEquals(10, tenRows().take(11).size(), "more than there are: all of them");
        assertThrows(IllegalArgumentException.class, () -> tenRows().take(-1));
        assertEquals(0, tenRows().take(0).size());
    }

    @Test
    void takeOfAViewStillGathersFromTheRightOffset() {
        Dataset tail = tenRows().subset(new int[] {5, 6, 7, 8, 9}).take(2);
        assertArrayEquals(new int[] {5, 6}, tail.get(new int[] {0, 1}).y().toIntArray());
    }

    @Test
    void splitPartitionsTheSamplesDeterministically() {
        Dataset.Split s = tenRows().split(0.7, new Rng(3));
        assertEquals(7, s.first().size());
        assertEquals(3, s.second().size());
        int[] all = IntStream.concat(Arrays.stream(s.first().labels().toIntArray()),
                Arrays.stream(s.second().labels().toIntArray())).sorted().toArray();
        assertArrayEquals(IntStream.range(0, 10).toArray(), all, "every sample in exactly one part");
        Dataset.Split again = tenRows().split(0.7, new Rng(3));
        assertArrayEquals(s.first().labels().toIntArray(), again.first().labels().toIntArray());
        // features travel with their labels
        Batch b = s.second().get(new int[] {0, 1, 2});
        int[] y = b.y().toIntArray();
        for (int i = 0; i < 3; i++) assertEquals(10f * y[i], b.x().get(i, 0));
    }

    @Test
    void splitWithoutRngKeepsOrder() {
        Dataset.Split s = tenRows().split(0.8, null);
        assertArrayEquals(new int[] {8, 9}, s.second().labels().toIntArray());
    }

    @Test
    void splitRejectsEmptyParts() {
        assertThrows(IllegalArgumentException.class, () -> tenRows().split(1.0, null));
        assertThrows(IllegalArgumentException.class, () -> tenRows().split(0.01, null));
        assertThrows(IllegalArgumentException.class, () -> tenRows().split(Double.NaN, null));
    }

    @Test
    void intFeaturesAreGatheredAsInts() {
        Dataset d = Dataset.of(Tensor.ofInts(new int[] {1, 2, 3, 4, 5, 6}, 3, 2), Tensor.zeros(3));
        Batch b = d.get(new int[] {2, 0});
        assertEquals(DType.I32, b.x().dtype());
        assertArrayEquals(new int[] {5, 6, 1, 2}, b.x().toIntArray());
    }

    @Test
    void sampleShapeAndToString() {
        Dataset d = Dataset.of(Tensor.zeros(4, 1, 2, 2), Tensor.ofInts(new int[4], 4));
        assertArrayEquals(new int[] {1, 2, 2}, d.sampleShape());
        assertTrue(d.toString().contains("4 samples"), d.toString());
    }
}
