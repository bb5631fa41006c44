package dev.moxing.tokenizer;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Finds special tokens such as {@code <|endoftext|>} in text, so that they become their own id
 * instead of being split into ordinary pieces. At one position the longest special wins.
 */
final class SpecialTokenMatcher {

    /** Receives the text in order: ordinary stretches (special = -1) and special matches. */
    @FunctionalInterface
    interface SegmentSink {
        void segment(int start, int end, int special);
    }

    private final String[] specials;    // longest first
    private final int[] originalIndex;  // position of specials[k] in the constructor's list

    SpecialTokenMatcher(List<String> specials) {
        Integer[] order = new Integer[specials.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -specials.get(i).length()).thenComparing(i -> i));
        this.specials = new String[order.length];
        this.originalIndex = new int[order.length];
        for (int k = 0; k < order.length; k++) {
            this.specials[k] = specials.get(order[k]);
            this.originalIndex[k] = order[k];
            if (this.specials[k].isEmpty()) throw new IllegalArgumentException("a special token cannot be empty");
        }
    }

    boolean isEmpty() {
        return specials.length == 0;
    }

    /** Reports special matches with their index in the constructor's list. */
    void split(String text, SegmentSink sink) {
        // nextAt[k]: where specials[k] next occurs at or after the last search; -1: nowhere.
        // Remembering it keeps the scan linear when the text holds many specials.
        int[] nextAt = new int[specials.length];
        Arrays.fill(nextAt, Integer.MIN_VALUE);
        int pos = 0;
        while (pos < text.length()) {
            int best = -1, bestK = -1;
            for (int k = 0; k < specials.length; k++) {
                if (nextAt[k] != -1 && nextAt[k] < pos) nextAt[k] = text.indexOf(specials[k], pos);
                if (nextAt[k] >= 0 && (best < 0 || nextAt[k] < best)) {
                    best = nextAt[k];
                    bestK = k;
                }
            }
            if (best < 0) {
                sink.segment(pos, text.length(), -1);
                return;
            }
            if (best > pos) sink.segment(pos, best, -1);
            sink.segment(best, best + specials[bestK].length(), originalIndex[bestK]);
            pos = best + specials[bestK].length();
        }
    }
}
