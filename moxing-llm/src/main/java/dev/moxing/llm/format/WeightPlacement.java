package dev.moxing.llm.format;

import dev.moxing.tensor.DType;
import dev.moxing.tensor.Storage;
import dev.moxing.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.IdentityHashMap;
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
 * <p>What it costs: a copy at load (memcpy speed, ~0.05 s per 100 MB) and heap room. The copied
 * range of the mapping is released ({@link MemorySegment#unload()}), so resident memory stays
 * about one copy of the file. Matrices are copied only while they fit in 60 % of the maximum
 * heap; the rest stay mapped (same results, slower kernels). {@code -Dmoxing.weights=mapped}
 * keeps everything mapped. A separate token-embedding table is only looked up a row at a time,
 * so it stays mapped.
 */
public final class WeightPlacement {
    /** System property: {@code heap} (default) or {@code mapped}. */
    public static final String PROPERTY = "moxing.weights";
    private static final Set<DType> HEAP_TYPES = Set.of(DType.Q8_0, DType.Q4_0);

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
        Map<Storage.Segment, MemorySegment> copies = new IdentityHashMap<>();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : weights.entrySet()) {
            Tensor t = e.getValue();
            if (keepMapped.contains(e.getKey()) || !(t.storage() instanceof Storage.Segment s) || !HEAP_TYPES.contains(s.dtype())
                    || s.segment().heapBase().isPresent() || !t.isContiguous()) {
                out.put(e.getKey(), t);
                continue;
            }
            MemorySegment heap = copies.get(s);
            if (heap == null) {
                long n = s.segment().byteSize();
                if (n > budget || n > Integer.MAX_VALUE - 64) {
                    out.put(e.getKey(), t);
                    continue;
                }
                byte[] a = new byte[(int) n];
                MemorySegment.copy(s.segment(), ValueLayout.JAVA_BYTE, 0, a, 0, a.length);
                if (s.segment().isMapped()) s.segment().unload(); // read once: let the kernel drop these pages
                heap = MemorySegment.ofArray(a);
                copies.put(s, heap);
                budget -= n;
            }
            DType d = s.dtype();
            MemorySegment view = heap.asSlice(d.bytesFor(t.offset()), d.bytesFor(t.numel()));
            out.put(e.getKey(), Tensor.fromSegment(view, d, t.shape()));
        }
        return out;
    }
}
