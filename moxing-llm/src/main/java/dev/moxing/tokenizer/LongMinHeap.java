package dev.moxing.tokenizer;

/** A binary min-heap of primitive longs with a fixed capacity; BPE packs (rank, position) into one. */
final class LongMinHeap {

    private final long[] heap;
    private int size;

    LongMinHeap(int capacity) {
        heap = new long[Math.max(1, capacity)];
    }

    boolean isEmpty() {
        return size == 0;
    }

    void add(long v) {
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= v) break;
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = v;
    }

    long poll() {
        long top = heap[0];
        long last = heap[--size];
        int i = 0, half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            if (child + 1 < size && heap[child + 1] < heap[child]) child++;
            if (last <= heap[child]) break;
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = last;
        return top;
    }
}
