package dev.moxing.tokenizer;

import java.util.Arrays;

/**
 * The BPE merge rules as a lookup from a pair of token ids to (rank, merged id).
 *
 * <p>An open-addressing table over primitive arrays: encoding looks a pair up for every adjacent
 * pair of every new word, and boxed {@code HashMap<Long, …>} keys would dominate that cost.
 */
final class MergeTable {

    private static final long EMPTY = -1L;

    private final long[] keys;
    private final int[] ranks;
    private final int[] merged;
    private final int mask;

    /** Rule {@code r} merges {@code left[r]} and {@code right[r]} into {@code result[r]}; r is the rank. */
    MergeTable(int[] left, int[] right, int[] result) {
        int capacity = Integer.highestOneBit(Math.max(4, left.length * 2 + 1)) << 1;
        keys = new long[capacity];
        ranks = new int[capacity];
        merged = new int[capacity];
        mask = capacity - 1;
        Arrays.fill(keys, EMPTY);
        for (int r = 0; r < left.length; r++) {
            long key = key(left[r], right[r]);
            int slot = slot(key);
            if (keys[slot] == key) {
                throw new IllegalArgumentException("duplicate merge rule at rank " + r);
            }
            keys[slot] = key;
            ranks[slot] = r;
            merged[slot] = result[r];
        }
    }

    /** The rank of merging {@code a} then {@code b}, or -1 if there is no such rule. */
    int rank(int a, int b) {
        long key = key(a, b);
        int slot = slot(key);
        return keys[slot] == key ? ranks[slot] : -1;
    }

    /** The id that merging {@code a} then {@code b} produces; only valid when {@link #rank} ≥ 0. */
    int merged(int a, int b) {
        return merged[slot(key(a, b))];
    }

    /**
     * Applies the rules to a sequence of ids (one piece's bytes, as tokens): always the
     * lowest-ranked adjacent pair, leftmost first, until no pair has a rule. The symbols form a
     * linked list over the positions; a min-heap of (rank, position) yields the next pair, and an
     * entry is checked against the list when it comes out rather than deleted when it goes stale.
     * O(n log n), so even a megabyte without a space cannot take quadratic time.
     */
    int[] apply(int[] symbols) {
        int n = symbols.length;
        if (n < 2) return symbols;
        int[] sym = symbols.clone(), prev = new int[n], next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongMinHeap heap = new LongMinHeap(3 * n); // n - 1 pairs, then at most 2 per merge
        for (int i = 0; i + 1 < n; i++) push(heap, sym, i, i + 1);
        int alive = n;
        while (!heap.isEmpty()) {
            long top = heap.poll();
            int i = (int) top, rank = (int) (top >>> 32);
            int j = next[i];
            if (sym[i] < 0 || j < 0 || rank(sym[i], sym[j]) != rank) continue; // stale entry
            sym[i] = merged(sym[i], sym[j]);
            sym[j] = -1;
            alive--;
            int k = next[j];
            next[i] = k;
            if (k >= 0) prev[k] = i;
            if (prev[i] >= 0) push(heap, sym, prev[i], i);
            if (k >= 0) push(heap, sym, i, k);
        }
        int[] ids = new int[alive];
        for (int i = 0, o = 0; i >= 0; i = next[i]) ids[o++] = sym[i];
        return ids;
    }

    private void push(LongMinHeap heap, int[] sym, int i, int j) {
        int rank = rank(sym[i], sym[j]);
        if (rank >= 0) heap.add(((long) rank << 32) | i);
    }

    /** Finds the slot holding {@code key}, or the empty slot where it would go (linear probing). */
    private int slot(long key) {
        int h = (int) (key ^ (key >>> 29) ^ (key >>> 41)) * 0x9E3779B1;
        int slot = (h ^ (h >>> 16)) & mask;
        while (keys[slot] != EMPTY && keys[slot] != key) slot = (slot + 1) & mask;
        return slot;
    }

    private static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }
}
