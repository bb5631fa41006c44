package dev.moxing.tokenizer;

import java.util.Arrays;

/**
 * Token text to id, looked up by a range of a {@link CharSequence} without building a substring.
 *
 * <p>SentencePiece merging and WordPiece matching probe the vocabulary for every candidate
 * span of the input (millions of probes for a megabyte of text); a {@code HashMap<String, …>}
 * would allocate a string per probe. Open addressing over the token array, with
 * {@link String#hashCode()}'s polynomial computed over the range, allocates nothing.
 */
final class TokenIndex {

    private final String[] tokens;
    private final int[] slots; // token id + 1; 0 = empty
    private final int mask;
    private final int maxLength;

    /**
     * Indexes {@code tokens[id]} for every id where {@code include[id]} (all when null).
     * Throws if two included tokens have the same text: an id would be unreachable.
     */
    TokenIndex(String[] tokens, boolean[] include) {
        this.tokens = tokens;
        int capacity = Integer.highestOneBit(Math.max(4, tokens.length * 2 + 1)) << 1;
        slots = new int[capacity];
        mask = capacity - 1;
        int longest = 0;
        for (int id = 0; id < tokens.length; id++) {
            if (include != null && !include[id]) continue;
            String t = tokens[id];
            int slot = t.hashCode() & mask;
            while (slots[slot] != 0) {
                if (tokens[slots[slot] - 1].equals(t)) {
                    throw new IllegalArgumentException("token \"" + t + "\" appears twice in the vocabulary, as ids "
                            + (slots[slot] - 1) + " and " + id);
                }
                slot = (slot + 1) & mask;
            }
            slots[slot] = id + 1;
            longest = Math.max(longest, t.length());
        }
        maxLength = longest;
    }

    /** The id of {@code s[start, end)}, or -1. */
    int find(CharSequence s, int start, int end) {
        int len = end - start;
        if (len > maxLength) return -1;
        int h = 0;
        for (int i = start; i < end; i++) h = 31 * h + s.charAt(i);
        int slot = h & mask;
        while (true) {
            int v = slots[slot];
            if (v == 0) return -1;
            String t = tokens[v - 1];
            if (t.length() == len && t.hashCode() == h && regionEquals(t, s, start)) return v - 1;
            slot = (slot + 1) & mask;
        }
    }

    int find(String s) {
        return find(s, 0, s.length());
    }

    /** The length in chars of the longest indexed token. */
    int maxLength() {
        return maxLength;
    }

    private static boolean regionEquals(String t, CharSequence s, int start) {
        if (s instanceof String str) return str.regionMatches(start, t, 0, t.length());
        for (int i = 0; i < t.length(); i++) if (t.charAt(i) != s.charAt(start + i)) return false;
        return true;
    }

    @Override
    public String toString() {
        return "TokenIndex[" + Arrays.stream(slots).filter(v -> v != 0).count() + " tokens]";
    }
}
