package dev.moxing.llm.model;

import dev.moxing.nn.Module;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Storage;
import dev.moxing.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

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
    private final CountDownLatch finished = new CountDownLatch(1);

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
        boolean interrupted = false;
        while (true) {
            try {
                finished.await();
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
