package dev.moxing.llm.format;

import dev.moxing.kernels.quant.QuantMatmul;
import dev.moxing.kernels.quant.RowInterleave;
import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.WeightHandover;
import dev.moxing.tensor.ArrayAddress;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Storage;
import dev.moxing.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a loaded model's matrices live: matrices of the types that have array kernels for decoding
 * ({@link QuantMatmul#decodesFasterOnHeap}: F32 into {@code float[]}, F16 into {@code short[]},
 * Q8_0, Q4_0, and with AVX-512 Q4_K and Q6_K into {@code byte[]}) are copied from the file mapping
 * to the heap, in the background; everything else (BF16, other quants) stays mapped. The layout is
 * kept, except that Q8_0, Q4_0, Q4_K and Q6_K matrices of whole 16-row groups are interleaved on
 * the way ({@link RowInterleave}, types Q8_0_R16 … Q6_K_R16: vector-wide decoding, 1.3-1.5×
 * tokens/s on one thread) unless they are the token table or share bytes with another entry.
 *
 * <p>Why: token generation reads every weight once per token. Over an array the decode kernels
 * compile to about half the instructions they take over a memory segment (see HeapQuantDot in
 * moxing-core): on one thread, paired runs, stories110M Q8_0 / Q4_0 1.1-1.3× tokens/s, stories15M
 * F32 1.45×, stories110M F32 1.3× (a heap segment read by the segment kernels, tried before, was
 * slower than the mapping: the arrays need their own kernels). And for a large
 * model the file mapping itself is slow to stream on this project's virtual machines: a
 * 1.1B-parameter model (tinyllama-1.1B shape, one thread, paired runs) decodes ~10× faster at F16,
 * 3.6× at Q8_0 and 2.8× at Q4_K_M from the heap copy (bench/large-model.sh).
 *
 * <p>Why in the background: the copy itself is quick (117 MB in 0.08 s), but fresh heap pages must
 * be faulted in, which on these VMs runs at ~330 MB/s (a 1 GB array: 3.1 s to allocate, 0.05 s
 * the second time). Copied up front, stories110M Q8_0 was ready in 0.7 s instead of 0.25 s and a
 * 1 GB model would have taken ~4 s. So the model is built over the mapping and is ready at once;
 * a daemon thread copies one matrix after another and hands each to the model
 * ({@link WeightHandover}), which swaps it in before the next block of a forward pass. The kernels
 * give the same bits over either storage (interleaved rows: the same values, summed in another
 * order, so the last bits differ), so only the speed changes while it runs. The copied
 * range of the mapping is released ({@link MemorySegment#unload()}) after the copy and again at
 * the swap, and the arrays are filled one after another, so resident memory stays about one copy
 * of the file plus one array. Matrices are copied only while they fit in 60 % of the maximum heap;
 * the rest stay mapped (same results, slower). A separate token-embedding table is only looked up
 * a row at a time, so it stays mapped. {@code -Dmoxing.weights=mapped} copies nothing.
 */
public final class WeightPlacement {
    /** System property: {@code heap} (default) or {@code mapped}. */
    public static final String PROPERTY = "moxing.weights";
    /**
     * Bytes per heap array: matrices are packed into arrays of this size (a larger matrix gets one
     * of its own, up to the 2^31 - 1 of a Java array). Not one array per matrix: the collector
     * allocates an array larger than its young generation directly in the old one, while
     * matrix-sized arrays were each copied out of the young generation once (stories110M Q8_0: ten
     * young collections, 0.5 s). Not one array for everything: the pages of an array are all
     * touched when it is allocated, before the mapping's pages it replaces are released.
     */
    private static final long CHUNK_BYTES = 64L << 20;

    private WeightPlacement() {}

    /** Where one stored tensor goes: array {@code array}, from byte {@code offset}, and the entries that view it. */
    private record Slot(Storage.Segment source, int array, long offset, List<String> names) {}

    /**
     * Starts moving {@code model}'s F32, F16 and quantized matrices to the heap in the background,
     * as far as the budget allows. {@code weights} are the entries the model was built from (views
     * sharing one stored tensor, GPT-2's fused q|k|v, share one copy). An untied token table is
     * only looked up a row at a time, so it stays mapped. Returns at once;
     * {@link Transformer#settleWeights()} waits for the copy.
     */
    public static void moveToHeap(Transformer model, Map<String, Tensor> weights) {
        String mode = System.getProperty(PROPERTY, "heap");
        if (mode.equals("mapped")) return;
        if (!mode.equals("heap")) {
            throw new IllegalArgumentException("-D" + PROPERTY + ": expected heap or mapped, got '" + mode + "'");
        }
        Runtime rt = Runtime.getRuntime();
        long budget = (long) (0.6 * rt.maxMemory()) - (rt.totalMemory() - rt.freeMemory());
        Map<Storage.Segment, Slot> slots = new IdentityHashMap<>();
        List<Slot> order = new ArrayList<>(); // array by array: the copy allocates each once
        List<Long> arrayBytes = new ArrayList<>();
        long used = 0; // bytes taken in the current array
        boolean untiedTable = !model.config().tiedHead();
        for (var e : weights.entrySet()) {
            Tensor t = e.getValue();
            if (untiedTable && e.getKey().equals("tokens.weight") || !(t.storage() instanceof Storage.Segment s) || !QuantMatmul.decodesFasterOnHeap(s.dtype())
                    || s.segment().heapBase().isPresent() || !t.isContiguous()) {
                continue;
            }
            Slot slot = slots.get(s);
            if (slot == null) {
                long n = s.segment().byteSize();
                if (n > budget || n > Integer.MAX_VALUE - 64) continue;
                boolean newKind = order.isEmpty() || arrayKind(order.getLast().source().dtype()) != arrayKind(s.dtype());
                if (newKind || used > 0 && used + n > CHUNK_BYTES) {
                    arrayBytes.add(0L);
                    used = 0;
                }
                slot = new Slot(s, arrayBytes.size() - 1, used, new ArrayList<>());
                slots.put(s, slot);
                order.add(slot);
                used = (used + n + 63) & ~63L; // slots on cache lines (ArrayAddress.alignedArray)
                arrayBytes.set(arrayBytes.size() - 1, used);
                budget -= n;
            }
            slot.names().add(e.getKey());
        }
        if (slots.isEmpty()) return;
        WeightHandover handover = new WeightHandover();
        model.handOver(handover);
        // A thread of its own, not the worker pool: it runs for seconds beside the decoding and
        // mostly waits on page faults.
        Thread.ofPlatform().daemon().name("moxing-weight-copy")
                .start(() -> copy(order, arrayBytes, weights, handover));
    }

    /**
     * The entries of a slot whose rows go to the heap interleaved (RowInterleave: Q8_0, Q4_0, Q4_K,
     * Q6_K matrices of whole 16-row groups, read only by matmuls): not the token table, whose rows are
     * looked up one by one, and not an entry that shares bytes with another (a tied table).
     */
    private static List<String> interleavable(Slot slot, Map<String, Tensor> weights) {
        List<String> out = new ArrayList<>();
        DType d = slot.source().dtype();
        for (String name : slot.names()) {
            Tensor t = weights.get(name);
            if (name.equals("tokens.weight") || t.dim() != 2 || !RowInterleave.suits(d, t.size(0), t.size(1))) continue;
            long from = t.offset(), to = from + t.numel();
            boolean shared = slot.names().stream().filter(n -> !n.equals(name)).map(weights::get)
                    .anyMatch(o -> o.offset() < to && from < o.offset() + o.numel());
            if (!shared) out.add(name);
        }
        return out;
    }

    /** The element type of the array a stored type goes to: what its kernels load (F32 float[], F16 short[], blocks byte[]). */
    private static DType arrayKind(DType stored) {
        return stored == DType.F32 || stored == DType.F16 ? stored : DType.I8;
    }

    /**
     * The background copy: one array after another, each matrix handed over as soon as it is in.
     * A failure (an array the heap cannot hold after all) stops it; the rest stay mapped.
     */
    private static void copy(List<Slot> slots, List<Long> arrayBytes, Map<String, Tensor> weights, WeightHandover handover) {
        try {
            MemorySegment array = null;
            int current = -1;
            for (Slot slot : slots) {
                if (slot.array() != current) {
                    current = slot.array();
                    // viewed from a cache line: a 64-byte load spanning two lines costs (F32 rows from memory,
                    // one thread: 24-26 GB/s misaligned, 34-36 aligned; stories110M F32 decoding 47-53 →
                    // 55-61 tokens/s). A collector that moves the array later costs speed only; arrays of
                    // a model beyond toy size exceed the young generation and are allocated where they stay.
                    array = ArrayAddress.alignedArray(arrayKind(slot.source().dtype()), Math.toIntExact(arrayBytes.get(current)));
                }
                MemorySegment src = slot.source().segment();
                MemorySegment heap = array.asSlice(slot.offset(), src.byteSize());
                DType d = slot.source().dtype();
                List<String> interleaved = interleavable(slot, weights);
                long interleavedBytes = interleaved.stream().mapToLong(n -> d.bytesFor(weights.get(n).numel())).sum();
                if (interleavedBytes < src.byteSize()) heap.copyFrom(src);
                for (String name : interleaved) {
                    Tensor t = weights.get(name);
                    long at = d.bytesFor(t.offset());
                    RowInterleave.interleave(d, src, at, heap, at, t.size(0), t.size(1));
                }
                // Read once: let the kernel drop these pages now rather than at the swap, so that a
                // caller waiting for the whole copy (settleWeights) never holds the file twice. A
                // forward pass still reading the mapping until the swap faults them back from the
                // page cache.
                if (src.isMapped()) src.unload();
                for (String name : slot.names()) {
                    Tensor t = weights.get(name);
                    MemorySegment view = heap.asSlice(d.bytesFor(t.offset()), d.bytesFor(t.numel()));
                    DType placed = interleaved.contains(name) ? RowInterleave.interleaved(d) : d;
                    handover.offer(name, Tensor.fromSegment(view, placed, t.shape()));
                }
            }
        } catch (OutOfMemoryError | RuntimeException e) {
            System.getLogger(WeightPlacement.class.getName()).log(System.Logger.Level.WARNING,
                    "moxing: copying weights to the heap stopped (" + e + "); the rest stay memory-mapped");
        } finally {
            handover.finish();
        }
    }
}
