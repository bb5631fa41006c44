package dev.moxing.data;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One pass over a {@link DataLoader}'s batches, in an order fixed when the epoch starts.
 *
 * <p>With prefetching, a daemon thread prepares batch b only once the consumer has taken batch
 * b − depth, so at most {@code depth} batches wait ready while one trains. That gate also keeps
 * random transforms deterministic when an epoch is cut short: after the consumer took k batches
 * the producer has prepared exactly min(k + depth, count) of them, however the threads were
 * scheduled, because {@link #close()} lets it finish the ones it was entitled to rather than
 * interrupting it midway. A failure while preparing is handed to the consumer, after the batches
 * before it, as a {@link DataLoaderException}.
 *
 * <p>Use it once, from one thread; try-with-resources or exhausting it ends the thread.
 */
public final class Epoch implements Iterator<Batch>, Iterable<Batch>, AutoCloseable {
    /** How a batch is made: rows {@code order[from, to)}, gathered and transformed. */
    interface Source {
        Batch prepare(int[] order, int from, int to);
    }

    private final Source source;
    private final int[] order;
    private final int batchSize;
    private final int count;
    private final int depth;
    private final Thread producer;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Batch> ready = new ArrayDeque<>();
    private int taken;
    private boolean closed;
    private Throwable failure;
    private int failedBatch;
    private boolean iterated;

    /** depth 0: no thread, batches are prepared in {@link #next()}. */
    Epoch(Source source, int[] order, int batchSize, int count, int depth) {
        this.source = source;
        this.order = order;
        this.batchSize = batchSize;
        this.count = count;
        this.depth = depth;
        this.producer = depth > 0 && count > 0
                ? Thread.ofPlatform().daemon().name("moxing-prefetch").start(this::produce)
                : null;
    }

    /** Number of batches in this epoch. */
    public int batches() {
        return count;
    }

    private Batch prepare(int b) {
        return source.prepare(order, b * batchSize, Math.min(order.length, (b + 1) * batchSize));
    }

    private void produce() {
        for (int b = 0; b < count; b++) {
            lock.lock();
            try {
                while (!closed && b >= taken + depth) changed.await();
                if (b >= taken + depth) return;       // closed, and not entitled to batch b
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            Batch batch;
            try {
                batch = prepare(b);
            } catch (Throwable t) {
                lock.lock();
                try {
                    failure = t;
                    failedBatch = b;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
                return;
            }
            lock.lock();
            try {
                if (!closed) ready.add(batch);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public boolean hasNext() {
        lock.lock();
        try {
            return !closed && taken < count;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Batch next() {
        if (!hasNext()) throw new NoSuchElementException("Epoch: no more batches (" + count + " in this epoch)");
        Batch b = producer == null ? nextInline() : nextPrefetched();
        if (taken == count) close();
        return b;
    }

    private Batch nextInline() {
        try {
            Batch b = prepare(taken);
            taken++;
            return b;
        } catch (RuntimeException | Error e) {
            close();
            throw new DataLoaderException(taken, count, e);
        }
    }

    private Batch nextPrefetched() {
        lock.lock();
        try {
            while (ready.isEmpty() && failure == null) changed.await();
            if (ready.isEmpty()) {
                closed = true;
                changed.signalAll();
                throw new DataLoaderException(failedBatch, count, failure);
            }
            Batch b = ready.poll();
            taken++;
            changed.signalAll();
            return b;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
            changed.signalAll();
            throw new DataLoaderException("DataLoader: interrupted while waiting for batch " + taken + " of " + count, e);
        } finally {
            lock.unlock();
        }
    }

    /** Ends the epoch: the prefetch thread finishes the batch it may be preparing and exits. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            ready.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (producer == null || producer == Thread.currentThread()) return;
        boolean interrupted = false;
        while (producer.isAlive()) {
            try {
                producer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /** This epoch itself, once, so that it can be used in a for-each loop. */
    @Override
    public Iterator<Batch> iterator() {
        if (iterated) throw new IllegalStateException("Epoch: already iterated; start another with DataLoader.epoch()");
        iterated = true;
        return this;
    }
}
