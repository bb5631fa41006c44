package dev.moxing.llm.model;

import dev.moxing.nn.Module;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Storage;
import dev.moxing.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Weights handed to a model by a background thread, each holding the same values as a weight the
 * model already has, stored elsewhere: WeightPlacement (moxing-llm's format package) copies F32,
 * F16 and quantized matrices from the file mapping to the heap while the model already generates
 * from the mapping. The producer {@link #offer}s them and {@link #finish}es; the model swaps them
 * in before each block of a forward pass ({@link Transformer#handOver}), when no kernel reads the
 * old ones, so no kernel sees a weight change under it. The decode kernels give the same bits
 * over either storage, so when the swap happens changes nothing but the speed.
 */
public final class WeightHandover {
    private record Ready(String name, Tensor value) {}

    private final ConcurrentLinkedQueue<Ready> ready = new ConcurrentLinkedQueue<>();
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);

    /**
     * Producer: waits until the model has finished its first forward pass (or someone waits for the
     * copy, {@link Transformer#settleWeights}), at most {@code maxWait}. Why: the first pass runs
     * while the JIT compiles the kernels, mostly interpreted, and a copy running beside it on a
     * small machine delays the first token (stories15M Q4_0, 2 cores: 1.37 s with the copy
     * beside it, 0.9 s without). The bound starts the copy of a model that is loaded and left idle.
     */
    public void awaitStart(Duration maxWait) {
        await(started, maxWait);
    }

    /** The model: its first forward pass is done (or it waits for the copy); the producer may start. */
    void allowStart() {
        started.countDown();
    }

    /** Producer: {@code value} (same shape, dtype and values as the model's weight {@code name}) is ready. */
    public void offer(String name, Tensor value) {
        ready.add(new Ready(name, value));
    }

    /** Producer: nothing more will come (also when it stopped early: the rest stay where they are). */
    public void finish() {
        finished.countDown();
    }

    /** Waits until the producer has finished. */
    void awaitFinished() {
        allowStart();
        await(finished, null);
    }

    /** Waits for {@code latch} (at most {@code maxWait} when not null), keeping an interrupt for later. */
    private static void await(CountDownLatch latch, Duration maxWait) {
        boolean interrupted = false;
        long deadline = maxWait == null ? 0 : System.nanoTime() + maxWait.toNanos();
        while (true) {
            try {
                if (maxWait == null) latch.await();
                else latch.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /**
     * The forward thread, between blocks: swaps every ready weight into {@code model} and lets the
     * kernel drop the mapped pages of the ones replaced (their values now live elsewhere). True
     * once everything has been swapped in.
     */
    boolean swapInto(Module model) {
        boolean done = finished.getCount() == 0; // read first: all offers happen before finish()
        for (Ready r; (r = ready.poll()) != null; ) release(model.replaceWeight(r.name(), r.value()));
        return done;
    }

    private static void release(Tensor old) {
        if (!(old.storage() instanceof Storage.Segment s) || !s.segment().isMapped()) return;
        DType d = s.dtype();
        MemorySegment bytes = s.segment().asSlice(d.bytesFor(old.offset()), d.bytesFor(old.numel()));
        bytes.unload();
    }
}
