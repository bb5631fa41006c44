package dev.moxing.tokenizer;

import java.util.Arrays;

/** A growable int array, so that encoding does not box every id. */
final class IntBuffer {
    private int[] a;
    private int n;

    IntBuffer(int capacity) {
        a = new int[Math.max(capacity, 8)];
    }

    void add(int v) {
        if (n == a.length) a = Arrays.copyOf(a, n * 2);
        a[n++] = v;
    }

    void addAll(int[] v) {
        if (n + v.length > a.length) a = Arrays.copyOf(a, Math.max(n * 2, n + v.length));
        System.arraycopy(v, 0, a, n, v.length);
        n += v.length;
    }

    int size() {
        return n;
    }

    void truncate(int size) {
        n = size;
    }

    int[] toArray() {
        return Arrays.copyOf(a, n);
    }
}
