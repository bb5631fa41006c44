package dev.moxing.llm.format;

import dev.moxing.tensor.DType;
import dev.moxing.tensor.Storage;
import dev.moxing.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Where a loaded model's matrices live: Q8_0 and Q4_0 matrices are copied from the file mapping
 * into heap byte arrays (block layout unchanged), everything else stays mapped.
 *
 * <p>Why: token generation reads every weight once per token, and the decode kernels run about
 * 1.2× (Q4_0) to 1.3× (Q8_0) faster over a {@code byte[]} than over a memory segment (see
 * HeapQuantDot in moxing-core). F32 and F16 decoding is bound by memory bandwidth, not by the
 * kernel's instructions, so those stay mapped and are never copied.
 *
 * <p>What it costs: heap room, and time at load: the copy itself is quick (117 MB in 0.08 s), but
 * the fresh heap pages must be faulted in, which on this project's virtual machines runs at
 * ~270 MB/s (stories110M Q8_0 ready in 0.7 s instead of 0.25 s; a 1 GB Q4_0 model would take
 * ~4 s here; {@code -Dmoxing.weights=mapped} when start-up time matters more). The copied
 * range of the mapping is released ({@link MemorySegment#unload()}), so resident memory stays
 * about one copy of the file. Matrices are copied only while they fit in 60 % of the maximum
 * heap; the rest stay mapped (same results, slower kernels). A separate token-embedding table is only looked up a row at a time,
 * so it stays mapped.
 */
public final class WeightPlacement {
    /** System property: {@code heap} (default) or {@code mapped}. */
    public static final String PROPERTY = "moxing.weights";
    private static final Set<DType> HEAP_TYPES = Set.of(DType.Q8_0, DType.Q4_0);
    /** Bytes per heap array at most (a Java array holds up to 2^31 - 1). */
    private static final long ARRAY_BYTES = 1L << 30;

    private WeightPlacement() {}

    /**
     * The weights with Q8_0 / Q4_0 matrices moved to the heap, as far as the budget allows; views
     * sharing one stored tensor (GPT-2's fused q|k|v) share one copy. {@code keepMapped} names
     * entries to leave where they are.
     */
    public static Map<String, Tensor> place(Map<String, Tensor> weights, Set<String> keepMapped) {
        String mode = System.getProperty(PROPERTY, "heap");
        if (mode.equals("mapped")) return weights;
        if (!mode.equals("heap")) {
            throw new IllegalArgumentException("-D" + PROPERTY + ": expected heap or mapped, got '" + mode + "'");
        }
        Runtime rt = Runtime.getRuntime();
        long budget = (long) (0.6 * rt.maxMemory()) - (rt.totalMemory() - rt.freeMemory());
        // Which stored tensors move, and where: packed 64-byte aligned into arrays of up to
        // ARRAY_BYTES. A few large arrays, not one per tensor: the collector allocates arrays
        // larger than its young generation directly in the old one, while tensor-sized arrays
        // were each copied out of the young generation once (stories110M Q8_0: ten young
        // collections, 0.5 s of a 0.8 s load).
        Map<Storage.Segment, long[]> slots = new IdentityHashMap<>(); // storage -> {array, byte offset}
        Set<String> moving = new HashSet<>();
        List<Long> arrayBytes = new ArrayList<>();
        long used = ARRAY_BYTES; // the first tensor opens an array
        for (var e : weights.entrySet()) {
            Tensor t = e.getValue();
            if (keepMapped.contains(e.getKey()) || !(t.storage() instanceof Storage.Segment s) || !HEAP_TYPES.contains(s.dtype())
                    || s.segment().heapBase().isPresent() || !t.isContiguous()) {
                continue;
            }
            if (!slots.containsKey(s)) { // views of one stored tensor (GPT-2's q|k|v) share its slot
                long n = s.segment().byteSize();
                if (n > budget || n > ARRAY_BYTES) continue;
                if (used + n > ARRAY_BYTES) {
                    arrayBytes.add(0L);
                    used = 0;
                }
                slots.put(s, new long[] {arrayBytes.size() - 1, used});
                used = (used + n + 63) & ~63L;
                arrayBytes.set(arrayBytes.size() - 1, used);
                budget -= n;
            }
            moving.add(e.getKey());
        }
        MemorySegment[] arrays = new MemorySegment[arrayBytes.size()];
        for (int a = 0; a < arrays.length; a++) arrays[a] = MemorySegment.ofArray(new byte[Math.toIntExact(arrayBytes.get(a))]);
        Map<Storage.Segment, MemorySegment> copies = new IdentityHashMap<>();
        for (var e : slots.entrySet()) {
            MemorySegment src = e.getKey().segment();
            MemorySegment heap = arrays[(int) e.getValue()[0]].asSlice(e.getValue()[1], src.byteSize());
            heap.copyFrom(src);
            if (src.isMapped()) src.unload(); // read once: let the kernel drop these pages
            copies.put(e.getKey(), heap);
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : weights.entrySet()) {
            Tensor t = e.getValue();
            if (!moving.contains(e.getKey())) {
                out.put(e.getKey(), t);
                continue;
            }
            Storage.Segment s = (Storage.Segment) t.storage();
            DType d = s.dtype();
            MemorySegment view = copies.get(s).asSlice(d.bytesFor(t.offset()), d.bytesFor(t.numel()));
            out.put(e.getKey(), Tensor.fromSegment(view, d, t.shape()));
        }
        return out;
    }
}
