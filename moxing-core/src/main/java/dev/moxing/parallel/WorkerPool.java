package dev.moxing.parallel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The one persistent worker pool that every kernel shares.
 *
 * <p>Size: {@code -Dmoxing.threads}, else the {@code MOXING_THREADS} environment variable, else
 * the number of available processors. The calling thread always takes a share of the work, so a
 * pool of N threads starts N-1 workers. Work is split into at most N contiguous chunks in a fixed
 * way, so the same thread count always gives the same partition (and, with order-independent
 * chunk bodies, the same bits). Calls made from inside a worker run inline, never deadlock.
 *
 * <p>Why not the common ForkJoin pool: it is shared with unrelated code, its size is not ours to
 * set, and its work stealing makes the partition (hence floating-point sums) vary from run to run.
 */
public final class WorkerPool {

    /** A body over a half-open range [from, to) of indices. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /** A body over chunk number {@code chunk} of {@code chunks}; used when a task needs its index. */
    @FunctionalInterface
    public interface ChunkBody {
        void run(int chunk, int chunks);
    }

    private static final WorkerPool SHARED = new WorkerPool(configuredThreads());
    /**
     * How long an idle worker spins before it parks, in microseconds (default 1000). Training steps and token
     * decoding issue jobs microseconds apart, and waking a parked thread costs tens of
     * microseconds on a virtual machine (more than many of those jobs take); spinning for a
     * fixed time, not a fixed count, keeps workers awake across the serial stretches between
     * kernels while still parking them within a fraction of a millisecond when the pool is idle.
     * 20 us was too short for the serial stretches of a training step (loss, small layers, the
     * optimizer's small parameters): the Fashion-MNIST MLP on 2 threads parked its worker about
     * 5 times per step (JFR jdk.ThreadPark events). 200 us was too short for token decoding: a
     * worker that parks wakes later than the caller needs it, the caller then runs both halves of
     * the next small matvec itself, and the worker spins out and parks again (stories110M Q8_0 on
     * 2 threads: ~7 parks per token, 154 tokens/s; with 500-5,000 us, 218-233 tokens/s).
     */
    private static final long SPIN_NANOS = 1000L * Long.getLong("moxing.pool.spinMicros", 1000L);

    private final int threads;
    private final Worker[] workers;
    private final Object submitLock = new Object();
    /** Set while a thread runs chunks of a job: nested parallel calls from it then run inline. */
    private final ThreadLocal<boolean[]> inJob = ThreadLocal.withInitial(() -> new boolean[1]);

    /** The process-wide pool. */
    public static WorkerPool shared() {
        return SHARED;
    }

    /** Number of threads (including the caller) that work is split over. */
    public int threads() {
        return threads;
    }

    static int configuredThreads() {
        String p = System.getProperty("moxing.threads");
        if (p == null || p.isBlank()) p = System.getenv("MOXING_THREADS");
        if (p != null && !p.isBlank()) {
            try {
                int n = Integer.parseInt(p.trim());
                if (n >= 1 && n <= 1024) return n;
            } catch (NumberFormatException ignored) {
                // fall through to the error below
            }
            throw new IllegalArgumentException(
                    "moxing.threads / MOXING_THREADS: expected an integer in 1..1024, got '" + p + "'");
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("WorkerPool: threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker("moxing-worker-" + (i + 1));
            workers[i].start();
        }
    }

    /**
     * Runs {@code body} over [start, end) split into contiguous chunks of at least {@code grain}
     * indices, one chunk per thread at most. Small ranges run on the calling thread.
     */
    public void parallelFor(int start, int end, int grain, RangeBody body) {
        int n = end - start;
        if (n <= 0) return;
        int chunks = chunksFor(n, grain);
        if (chunks == 1) {
            body.run(start, end);
            return;
        }
        run(chunks, (c, cs) -> {
            long from = start + (long) n * c / cs;
            long to = start + (long) n * (c + 1) / cs;
            if (to > from) body.run((int) from, (int) to);
        });
    }

    /** How many chunks {@link #parallelFor} would use for n indices with this grain. */
    public int chunksFor(int n, int grain) {
        if (n <= 0) return 0;
        int g = Math.max(1, grain);
        int byGrain = (int) Math.min(Integer.MAX_VALUE, ((long) n + g - 1) / g);
        return Math.max(1, Math.min(threads, byGrain));
    }

    /**
     * Runs chunks 0..chunks-1 of {@code body}, the caller taking chunk 0. When called from a worker
     * thread, or when only one thread is configured, every chunk runs inline in order.
     */
    public void run(int chunks, ChunkBody body) {
        if (chunks <= 0) return;
        boolean[] nested = inJob.get();
        if (chunks == 1 || workers.length == 0 || nested[0] || Thread.currentThread() instanceof Worker) {
            for (int c = 0; c < chunks; c++) body.run(c, chunks);
            return;
        }
        // One job at a time: concurrent callers from different user threads queue here.
        synchronized (submitLock) {
            Job job = new Job(body, chunks);
            int helpers = Math.min(workers.length, chunks - 1);
            for (int i = 0; i < helpers; i++) workers[i].assign(job);
            nested[0] = true;
            try {
                job.work();
            } finally {
                nested[0] = false;
            }
            job.awaitDone();
            for (int i = 0; i < helpers; i++) workers[i].clear();
            if (job.failure != null) {
                if (job.failure instanceof RuntimeException re) throw re;
                if (job.failure instanceof Error e) throw e;
                throw new RuntimeException(job.failure);
            }
        }
    }

    /** A parallel job: chunks are claimed from a shared counter until none remain. */
    private static final java.util.concurrent.atomic.AtomicLong NEXT_ID = new java.util.concurrent.atomic.AtomicLong();

    private static final class Job {
        final ChunkBody body;
        final int chunks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        /** Identifies the job without keeping it (or what its body captured) reachable afterwards. */
        final long id = NEXT_ID.incrementAndGet();
        volatile Thread waiter;
        volatile Throwable failure;

        Job(ChunkBody body, int chunks) {
            this.body = body;
            this.chunks = chunks;
            this.waiter = Thread.currentThread();
        }

        void work() {
            int c;
            while ((c = next.getAndIncrement()) < chunks) {
                try {
                    body.run(c, chunks);
                } catch (Throwable t) {
                    if (failure == null) failure = t;
                }
                if (done.incrementAndGet() == chunks) LockSupport.unpark(waiter);
            }
        }

        void awaitDone() {
            int spins = 0;
            while (done.get() < chunks) {
                if (spins < 20_000) {
                    Thread.onSpinWait();
                    spins++;
                } else {
                    LockSupport.parkNanos(this, 50_000);
                }
            }
        }
    }

    private static final class Worker extends Thread {
        private volatile Job job;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        void assign(Job j) {
            job = j;
            LockSupport.unpark(this);
        }

        void clear() {
            job = null;
        }

        @Override
        public void run() {
            long last = 0; // the id of the last job worked on: an id, so its arrays can be collected
            while (true) {
                Job j = job;
                if (j != null && j.id != last) {
                    last = j.id;
                    j.work();
                    j = null;
                    continue;
                }
                // Spin a while: kernels are often called back to back (layer after layer).
                long spinStart = System.nanoTime();
                int spins = 0;
                boolean spinning = true;
                while ((j = job) == null || j.id == last) {
                    if (spinning) {
                        Thread.onSpinWait();
                        if ((++spins & 63) == 0 && System.nanoTime() - spinStart > SPIN_NANOS) spinning = false;
                    } else {
                        LockSupport.park(this);
                    }
                }
            }
        }
    }
}
