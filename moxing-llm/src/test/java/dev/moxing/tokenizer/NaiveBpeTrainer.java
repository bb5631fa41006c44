package dev.moxing.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The textbook BPE trainer, recounting every pair at every step: slow, obviously right, and the
 * reference that {@link BpeTrainer}'s incremental counting must agree with merge for merge.
 */
final class NaiveBpeTrainer {

    record Merges(int[] left, int[] right) {}

    private NaiveBpeTrainer() {}

    /** Learns up to {@code merges} merges, fewer if the corpus runs out of pairs. */
    static Merges train(String corpus, int merges) {
        Map<String, Integer> counts = new HashMap<>();
        for (String piece : Gpt2PreTokenizer.split(corpus)) counts.merge(piece, 1, Integer::sum);
        List<List<Integer>> words = new ArrayList<>();
        List<Integer> weights = new ArrayList<>();
        counts.forEach((piece, count) -> {
            List<Integer> ids = new ArrayList<>();
            for (byte b : piece.getBytes(StandardCharsets.UTF_8)) ids.add(b & 0xFF);
            words.add(ids);
            weights.add(count);
        });
        int[] left = new int[merges], right = new int[merges];
        for (int r = 0; r < merges; r++) {
            Map<List<Integer>, Long> pairs = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                List<Integer> s = words.get(w);
                for (int i = 0; i + 1 < s.size(); i++) pairs.merge(List.of(s.get(i), s.get(i + 1)), (long) weights.get(w), Long::sum);
            }
            List<Integer> best = null;
            long bestCount = 0;
            for (var e : pairs.entrySet()) {
                List<Integer> p = e.getKey();
                long c = e.getValue();
                if (best == null || c > bestCount || (c == bestCount && (p.get(0) < best.get(0)
                        || (p.get(0).equals(best.get(0)) && p.get(1) < best.get(1))))) {
                    best = p;
                    bestCount = c;
                }
            }
            if (best == null) return new Merges(java.util.Arrays.copyOf(left, r), java.util.Arrays.copyOf(right, r));
            left[r] = best.get(0);
            right[r] = best.get(1);
            for (List<Integer> s : words) {
                for (int i = 0; i + 1 < s.size(); i++) {
                    if (s.get(i).equals(best.get(0)) && s.get(i + 1).equals(best.get(1))) {
                        s.set(i, 256 + r);
                        s.remove(i + 1);
                    }
                }
            }
        }
        return new Merges(left, right);
    }
}
