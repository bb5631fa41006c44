package dev.moxing.data;

import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(60)
class DataLoaderTest {

    /** n samples; sample i has features (i, -i) and label i, so every batch shows which rows it holds. */
    static Dataset numbered(int n) {
        float[] x = new float[2 * n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = -i;
        }
        return Dataset.of(Tensor.fromArray(x, n, 2), Tensor.ofInts(IntStream.range(0, n).toArray(), n));
    }

    static List<int[]> labelsOfEpoch(Iterable<Batch> epoch) {
        List<int[]> out = new ArrayList<>();
        for (Batch b : epoch) {
            int[] y = b.y().toIntArray();
            for (int i = 0; i < y.length; i++) assertEquals(y[i], b.x().get(i, 0), "features travel with labels");
            out.add(y);
        }
        return out;
    }

    static int[] concat(List<int[]> batches) {
        return batches.stream().flatMapToInt(Arrays::stream).toArray();
    }

    @Test
    void batchesCoverTheDatasetInOrderWithoutShuffle() {
        DataLoader loader = DataLoader.builder(numbered(10)).batchSize(4).build();
        assertEquals(3, loader.batchesPerEpoch());
        List<int[]> batches = labelsOfEpoch(loader);
        assertArrayEquals(new int[] {0, 1, 2, 3}, batches.get(0));
        assertArrayEquals(new int[] {8, 9}, batches.get(2), "the last batch is partial");
        assertArrayEquals(IntStream.range(0, 10).toArray(), concat(batches));
    }

    @Test
    void dropLastDropsThePartialBatch() {
        DataLoader loader = DataLoader.builder(numbered(10)).batchSize(4).dropLast(true).shuffle(1).build();
        assertEquals(2, loader.batchesPerEpoch());
        List<int[]> batches = labelsOfEpoch(loader);
        assertEquals(2, batches.size());
        for (int[] b : batches) assertEquals(4, b.length);
        assertEquals(0, DataLoader.builder(numbered(3)).batchSize(4).dropLast(true).build().batchesPerEpoch());
        assertFalse(DataLoader.builder(numbered(3)).batchSize(4).dropLast(true).build().iterator().hasNext());
    }

    @Test
    void shuffleIsAPermutationThatChangesEachEpoch() {
        DataLoader loader = DataLoader.builder(numbered(50)).batchSize(8).shuffle(new Rng(5)).build();
        int[] e1 = concat(labelsOfEpoch(loader));
        int[] e2 = concat(labelsOfEpoch(loader));
        assertArrayEquals(IntStream.range(0, 50).toArray(), Arrays.stream(e1).sorted().toArray());
        assertArrayEquals(IntStream.range(0, 50).toArray(), Arrays.stream(e2).sorted().toArray());
        assertFalse(Arrays.equals(e1, e2), "a new permutation each epoch");
        assertFalse(Arrays.equals(e1, IntStream.range(0, 50).toArray()));
    }

    @Test
    void sameSeedGivesTheSameBatches() {
        for (boolean prefetch : new boolean[] {true, false}) {
            List<int[]> a = new ArrayList<>(), b = new ArrayList<>();
            DataLoader la = DataLoader.builder(numbered(37)).batchSize(5).shuffle(11).prefetch(prefetch).build();
            DataLoader lb = DataLoader.builder(numbered(37)).batchSize(5).shuffle(11).prefetch(prefetch).build();
            for (int epoch = 0; epoch < 3; epoch++) {
                a.addAll(labelsOfEpoch(la));
                b.addAll(labelsOfEpoch(lb));
            }
            assertEquals(a.size(), b.size());
            for (int i = 0; i < a.size(); i++) assertArrayEquals(a.get(i), b.get(i), "batch " + i);
        }
    }

    /** A random transform whose output depends on its Rng, so determinism covers transforms too. */
    static Transform addNoise(Rng rng) {
        return b -> {
            float[] x = b.x().toFloatArray();
            for (int i = 0; i < x.length; i++) x[i] += rng.nextFloat();
            return new Batch(Tensor.fromArray(x, b.x().shape()), b.y());
        };
    }

    static List<float[]> featuresOfEpochs(DataLoader loader, int epochs) {
        List<float[]> out = new ArrayList<>();
        for (int e = 0; e < epochs; e++) for (Batch b : loader) out.add(b.x().toFloatArray());
        return out;
    }

    @Test
    void prefetchedBatchesEqualInlineBatches() {
        DataLoader pre = DataLoader.builder(numbered(100)).batchSize(7).shuffle(3).transform(addNoise(new Rng(9))).build();
        DataLoader inline = DataLoader.builder(numbered(100)).batchSize(7).shuffle(3).transform(addNoise(new Rng(9)))
                .prefetch(false).build();
        List<float[]> a = featuresOfEpochs(pre, 3), b = featuresOfEpochs(inline, 3);
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) assertArrayEquals(a.get(i), b.get(i), "batch " + i);
    }

    @Test
    void batchesArePreparedOnThePrefetchThread() {
        List<String> threads = new CopyOnWriteArrayList<>();
        DataLoader loader = DataLoader.builder(numbered(20)).batchSize(4).transform(b -> {
            threads.add(Thread.currentThread().getName());
            return b;
        }).build();
        labelsOfEpoch(loader);
        assertEquals(5, threads.size());
        assertTrue(threads.stream().allMatch("moxing-prefetch"::equals), threads.toString());
    }

    @Test
    void prefetchStaysAtMostTwoBatchesAhead() throws InterruptedException {
        AtomicInteger prepared = new AtomicInteger();
        DataLoader loader = DataLoader.builder(numbered(100)).batchSize(1).transform(b -> {
            prepared.incrementAndGet();
            return b;
        }).build();
        try (Epoch epoch = loader.epoch()) {
            awaitCount(prepared, 2);
            Thread.sleep(100);          // time to overrun, if the gate were broken
            assertEquals(2, prepared.get(), "two ready before any is taken");
            epoch.next();
            awaitCount(prepared, 3);
            Thread.sleep(100);
            assertEquals(3, prepared.get(), "one more once one is taken");
        }
    }

    @Test
    void aFailureReachesTheConsumerAfterTheBatchesBeforeIt() {
        Set<Thread> before = prefetchThreads();
        DataLoader loader = DataLoader.builder(numbered(20)).batchSize(2).transform(b -> {
            if (b.y().toIntArray()[0] == 6) throw new IllegalStateException("bad sample 6");
            return b;
        }).build();
        Epoch epoch = loader.epoch();
        for (int i = 0; i < 3; i++) assertEquals(2 * i, epoch.next().y().toIntArray()[0]);
        DataLoaderException e = assertThrows(DataLoaderException.class, epoch::next);
        assertEquals(3, e.batch());
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(e.getMessage().contains("batch 3 of 10") && e.getMessage().contains("bad sample 6"), e.getMessage());
        assertFalse(epoch.hasNext(), "the epoch ends with the failure");
        awaitNoNewPrefetchThreads(before);
    }

    @Test
    void aFailureWithoutPrefetchIsWrappedTheSameWay() {
        DataLoader loader = DataLoader.builder(numbered(4)).batchSize(2).prefetch(false).transform(b -> {
            throw new ArithmeticException("boom");
        }).build();
        DataLoaderException e = assertThrows(DataLoaderException.class, () -> loader.iterator().next());
        assertEquals(0, e.batch());
        assertInstanceOf(ArithmeticException.class, e.getCause());
    }

    @Test
    void breakingOutAndStartingAnotherEpochLeavesNoThreadBehind() {
        Set<Thread> before = prefetchThreads();
        DataLoader loader = DataLoader.builder(numbered(1000)).batchSize(3).shuffle(2).build();
        for (int epoch = 0; epoch < 20; epoch++) {
            for (Batch b : loader) {
                if (b.size() > 0) break;
            }
        }
        loader.close();
        awaitNoNewPrefetchThreads(before);
        assertEquals(334, labelsOfEpoch(loader).size(), "the loader still works after close");
        awaitNoNewPrefetchThreads(before);
    }

    @Test
    void tryWithResourcesEndsTheEpoch() {
        Set<Thread> before = prefetchThreads();
        DataLoader loader = DataLoader.builder(numbered(100)).batchSize(10).build();
        try (Epoch epoch = loader.epoch()) {
            epoch.next();
        }
        awaitNoNewPrefetchThreads(before);
    }

    @Test
    void abandonedEpochsConsumeAFixedAmountOfTransformRandomness() throws InterruptedException {
        // Whatever the thread timing, after k batches taken the producer has transformed exactly
        // min(k + 2, count) batches, so the next epoch sees the same random stream.
        float[][] firstOfNextEpoch = new float[2][];
        for (int run = 0; run < 2; run++) {
            DataLoader loader = DataLoader.builder(numbered(60)).batchSize(4).shuffle(8)
                    .transform(addNoise(new Rng(4))).build();
            try (Epoch e = loader.epoch()) {
                e.next();
                if (run == 1) Thread.sleep(100);     // let the producer run ahead as far as it may
            }
            firstOfNextEpoch[run] = loader.iterator().next().x().toFloatArray();
            loader.close();
        }
        assertArrayEquals(firstOfNextEpoch[0], firstOfNextEpoch[1]);
    }

    @Test
    void epochIsIterableOnce() {
        DataLoader loader = DataLoader.builder(numbered(4)).batchSize(2).build();
        Epoch epoch = loader.epoch();
        int n = 0;
        for (Batch ignored : epoch) n++;
        assertEquals(2, n);
        assertThrows(IllegalStateException.class, epoch::iterator);
        assertThrows(java.util.NoSuchElementException.class, epoch::next);
    }

    @Test
    void transformsRunInOrder() {
        DataLoader loader = DataLoader.builder(numbered(4)).batchSize(4)
                .transform(Transforms.scale(2)).transform(Transforms.normalize(1, 2)).transform(Transforms.oneHot(4))
                .build();
        Batch b = loader.iterator().next();
        assertArrayEquals(new float[] {-0.5f, -0.5f, 0.5f, -1.5f, 1.5f, -2.5f, 2.5f, -3.5f}, b.x().toFloatArray());
        assertArrayEquals(new int[] {4, 4}, b.y().shape());
    }

    @Test
    void invalidOptionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(numbered(4)).batchSize(0));
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(null));
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(numbered(4)).transform(null));
    }

    @Test
    void emptyDatasetGivesNoBatches() {
        DataLoader loader = DataLoader.builder(numbered(10).take(0)).batchSize(4).build();
        assertEquals(0, loader.batchesPerEpoch());
        assertFalse(loader.iterator().hasNext());
    }

    static void awaitCount(AtomicInteger counter, int value) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (counter.get() < value && System.nanoTime() < deadline) Thread.sleep(1);
    }

    /** Prefetch threads alive now (other test classes may have their own; only ours must end). */
    static Set<Thread> prefetchThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("moxing-prefetch") && t.isAlive())
                .collect(Collectors.toSet());
    }

    static void awaitNoNewPrefetchThreads(Set<Thread> before) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        Set<Thread> now = prefetchThreads();
        while (!before.containsAll(now)) {
            if (System.nanoTime() > deadline) fail("moxing-prefetch threads still running: " + now);
            Thread.onSpinWait();
            now = prefetchThreads();
        }
    }

    /** Images (n, 1, 2, 3) whose row k holds k·10 + position, labels k: flips and order both show. */
    private static Dataset images(int n) {
        float[] x = new float[n * 6];
        for (int i = 0; i < x.length; i++) x[i] = (i / 6) * 10 + i % 6;
        return Dataset.of(Tensor.fromArray(x, n, 1, 2, 3), Tensor.ofInts(IntStream.range(0, n).toArray(), n));
    }

    private static List<float[]> epochFeatures(Epoch e) {
        List<float[]> out = new ArrayList<>();
        for (Batch b : e) out.add(b.x().toFloatArray());
        return out;
    }

    @Test
    void seededEpochsDependOnTheEpochNumberAlone() {
        // A resumed run starts at epoch 3 without having run 0..2: its batches (order and flips) must
        // equal those of the uninterrupted run's epoch 3.
        DataLoader.Builder b = DataLoader.builder(images(23)).batchSize(5).seed(9)
                .transform(Transforms.randomHorizontalFlip(new Rng(1)));
        List<float[]> straight;
        try (DataLoader loader = b.build()) {
            for (int e = 0; e < 3; e++) epochFeatures(loader.epoch());
            straight = epochFeatures(loader.epoch());
        }
        List<float[]> jumped, other;
        try (DataLoader loader = DataLoader.builder(images(23)).batchSize(5).seed(9)
                .transform(Transforms.randomHorizontalFlip(new Rng(77))).build()) {
            jumped = epochFeatures(loader.epoch(3));
            other = epochFeatures(loader.epoch(4));
        }
        assertEquals(straight.size(), jumped.size());
        for (int i = 0; i < straight.size(); i++) assertArrayEquals(straight.get(i), jumped.get(i), "batch " + i);
        assertFalse(Arrays.equals(straight.get(0), other.get(0)), "epochs 3 and 4 differ");
    }
}
