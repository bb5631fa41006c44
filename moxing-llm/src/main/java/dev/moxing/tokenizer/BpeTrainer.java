package dev.moxing.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Learns byte-level BPE merges from a corpus, in the manner of GPT-2 and Hugging Face's trainer.
 *
 * <p>The corpus is cut at special tokens and split by {@link Gpt2PreTokenizer}; merges never cross
 * a piece boundary, so only distinct pieces matter, each weighted by how often it occurs. Token
 * ids start as the 256 byte values; merge number r creates id 256 + r.
 *
 * <p>Each step merges the most frequent adjacent pair; ties go to the smaller left id, then the
 * smaller right id, so training is deterministic. Counts are updated incrementally: every pair
 * remembers the words it occurs in, and a merge only revisits those words, adjusting the counts
 * of the pairs around each occurrence. A max-heap holds candidate pairs with lazily corrected
 * counts: an entry's count is never below the pair's true count (counts of old pairs only fall;
 * a pair whose count rises is pushed again), so a popped entry whose count is still exact is
 * the true maximum.
 */
final class BpeTrainer {

    /** Merge rule r joins {@code left[r]} and {@code right[r]} into id 256 + r. */
    record Merges(int[] left, int[] right) {}

    /** Statistics of one adjacent pair of ids. */
    private static final class Pair {
        final int left, right;
        long count;
        int[] words = new int[2]; // words the pair occurs or occurred in; may repeat or be stale
        int wordCount;
        int pushedAt = -1;        // the last merge step that queued this pair again

        Pair(int left, int right) {
            this.left = left;
            this.right = right;
        }

        void addWord(int w) {
            if (wordCount > 0 && words[wordCount - 1] == w) return;
            if (wordCount == words.length) words = Arrays.copyOf(words, wordCount * 2);
            words[wordCount++] = w;
        }
    }

    private record Candidate(long count, Pair pair) {}

    private final int[][] symbols;  // each distinct word as token ids, merged in place
    private final int[] lengths;
    private final long[] counts;    // occurrences of each word in the corpus
    private final int[] visitedAt;  // the merge step that last rewrote each word
    private final Map<Long, Pair> pairs = new HashMap<>();
    private final PriorityQueue<Candidate> queue = new PriorityQueue<>((a, b) -> {
        if (a.count != b.count) return Long.compare(b.count, a.count);
        if (a.pair.left != b.pair.left) return Integer.compare(a.pair.left, b.pair.left);
        return Integer.compare(a.pair.right, b.pair.right);
    });
    private final List<Pair> raised = new ArrayList<>();
    private int step;

    private BpeTrainer(Map<String, long[]> wordCounts) {
        int n = wordCounts.size();
        symbols = new int[n][];
        lengths = new int[n];
        counts = new long[n];
        visitedAt = new int[n];
        Arrays.fill(visitedAt, -1);
        int w = 0;
        for (Map.Entry<String, long[]> e : wordCounts.entrySet()) {
            byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
            int[] ids = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) ids[i] = bytes[i] & 0xFF;
            symbols[w] = ids;
            lengths[w] = ids.length;
            counts[w] = e.getValue()[0];
            w++;
        }
    }

    /**
     * Learns {@code mergeCount} merges. Throws if the corpus runs out of pairs first, naming the
     * largest vocabulary it can give.
     */
    static Merges train(String corpus, int mergeCount, List<String> specialTokens) {
        if (mergeCount < 0) throw new IllegalArgumentException("negative number of merges: " + mergeCount);
        BpeTrainer trainer = new BpeTrainer(countWords(corpus, specialTokens));
        trainer.countPairs();
        int[] left = new int[mergeCount], right = new int[mergeCount];
        for (int r = 0; r < mergeCount; r++) {
            Pair best = trainer.pollBest();
            if (best == null) {
                throw new IllegalArgumentException("the corpus is too small for this vocabulary: it has "
                        + "pairs for only " + r + " merges, so at most 256 + " + r + " + "
                        + specialTokens.size() + " special = " + (256 + r + specialTokens.size()) + " tokens");
            }
            left[r] = best.left;
            right[r] = best.right;
            trainer.merge(best, 256 + r);
        }
        return new Merges(left, right);
    }

    private static Map<String, long[]> countWords(String corpus, List<String> specialTokens) {
        Map<String, long[]> words = new HashMap<>();
        Gpt2PreTokenizer.PieceSink count = (s, e) -> words.computeIfAbsent(corpus.substring(s, e), k -> new long[1])[0]++;
        new SpecialTokenMatcher(specialTokens).split(corpus, (start, end, special) -> {
            if (special < 0) Gpt2PreTokenizer.split(corpus, start, end, count);
        });
        return words;
    }

    private void countPairs() {
        for (int w = 0; w < symbols.length; w++) {
            int[] s = symbols[w];
            for (int i = 0; i + 1 < lengths[w]; i++) {
                Pair p = pair(s[i], s[i + 1]);
                p.count += counts[w];
                p.addWord(w);
            }
        }
        for (Pair p : pairs.values()) queue.add(new Candidate(p.count, p));
    }

    /** The most frequent remaining pair, or null when no pair is left. */
    private Pair pollBest() {
        Candidate c;
        while ((c = queue.poll()) != null) {
            Pair p = c.pair;
            if (p.count <= 0) continue;                   // merged away, or vanished
            if (p.count == c.count) return p;
            queue.add(new Candidate(p.count, p));         // its count fell since it was queued
        }
        return null;
    }

    /** Replaces every occurrence of {@code merged}'s pair with {@code id}, updating pair counts. */
    private void merge(Pair merged, int id) {
        step++;
        int a = merged.left, b = merged.right;
        for (int k = 0; k < merged.wordCount; k++) {
            int w = merged.words[k];
            if (visitedAt[w] == step) continue;
            visitedAt[w] = step;
            int[] s = symbols[w];
            int n = lengths[w], out = 0;
            long c = counts[w];
            // Rewrites in place (out <= i): s[out-1] is the merged left neighbour, s[i+2] the
            // untouched right one. Each occurrence breaks (prev, a) and (b, next) and makes
            // (prev, id) and (id, next); for "a b a b" the (id, a) made by the first is broken
            // again by the second, and the counts cancel.
            for (int i = 0; i < n; ) {
                if (i + 1 < n && s[i] == a && s[i + 1] == b) {
                    if (out > 0) {
                        adjust(s[out - 1], a, -c, w, merged);
                        adjust(s[out - 1], id, c, w, merged);
                    }
                    if (i + 2 < n) {
                        adjust(b, s[i + 2], -c, w, merged);
                        adjust(id, s[i + 2], c, w, merged);
                    }
                    s[out++] = id;
                    i += 2;
                } else {
                    s[out++] = s[i++];
                }
            }
            lengths[w] = out;
        }
        merged.count = 0;
        merged.words = null;
        pairs.remove(key(a, b));
        for (Pair p : raised) {
            if (p.count > 0) queue.add(new Candidate(p.count, p));
        }
        raised.clear();
    }

    private void adjust(int left, int right, long delta, int word, Pair merged) {
        if (left == merged.left && right == merged.right) return; // its count is zeroed at the end
        Pair p = pair(left, right);
        p.count += delta;
        if (delta > 0) {
            p.addWord(word);
            if (p.pushedAt != step) {
                p.pushedAt = step;
                raised.add(p);
            }
        }
    }

    private Pair pair(int left, int right) {
        return pairs.computeIfAbsent(key(left, right), k -> new Pair(left, right));
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | right;
    }
}
