package dev.moxing.tokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.OptionalInt;

/**
 * SentencePiece-style BPE with byte fallback: the tokenizer of Llama 1/2, Mistral, Phi-3,
 * TinyLlama ({@code tokenizer.ggml.model = "llama"} in GGUF).
 *
 * <p>Encoding a stretch of text (between added tokens): spaces become {@code ▁} (U+2581), one
 * more {@code ▁} goes in front when {@code addSpacePrefix} and the stretch starts the text or
 * follows an added token (llama.cpp's rule), and the result is split into characters. Then
 * adjacent symbols are merged, one pair at a time, until no pair's concatenation is a token:
 * <ul>
 *   <li>by score (GGUF, SentencePiece): the pair whose merged text has the highest score, leftmost
 *       on ties, as llama.cpp's {@code llm_tokenizer_spm};
 *   <li>by merge rank (Hugging Face {@code tokenizer.json}): the pair with the lowest-ranked merge
 *       rule, as Hugging Face's BPE model; only listed pairs merge.
 * </ul>
 * A final symbol that is not a token becomes its UTF-8 bytes as {@code <0xNN>} tokens.
 *
 * <p>Decoding: {@code ▁} becomes a space, byte tokens their byte, user-defined tokens their text,
 * control and unknown tokens nothing (as llama.cpp with {@code special = false}); one leading
 * space is dropped from the first piece when the encoder adds the prefix.
 */
public final class SentencePieceBpe extends VocabularyTokenizer {

    static final char SPACE_MARK = '\u2581';

    private final boolean addSpacePrefix;
    private final MergeTable merges; // null: merge by score
    private final int[] mergeLeft, mergeRight;
    private final BitSet joinable; // BMP chars that occur in some token of two or more characters

    /** Merging by score when {@code mergeLeft} is null, else by the rules (left, right) in rank order. */
    SentencePieceBpe(Vocabulary vocab, boolean addSpacePrefix, int[] mergeLeft, int[] mergeRight) {
        super(vocab);
        this.addSpacePrefix = addSpacePrefix;
        this.mergeLeft = mergeLeft;
        this.mergeRight = mergeRight;
        this.joinable = new BitSet(1 << 16);
        for (String t : vocab.tokens) {
            if (t.codePointCount(0, t.length()) < 2) continue;
            for (int i = 0; i < t.length(); i++) joinable.set(t.charAt(i));
        }
        joinable.set(Character.MIN_SURROGATE, Character.MAX_SURROGATE + 1); // never cut a character in two
        if (mergeLeft == null) {
            this.merges = null;
        } else {
            int[] result = new int[mergeLeft.length];
            for (int r = 0; r < result.length; r++) {
                String a = vocab.tokens[mergeLeft[r]], b = vocab.tokens[mergeRight[r]];
                result[r] = vocab.index.find(a + b);
                if (result[r] < 0) throw new IllegalArgumentException("merge " + r + " \"" + a + " " + b
                        + "\" makes \"" + a + b + "\", which is not in the vocabulary");
            }
            this.merges = new MergeTable(mergeLeft, mergeRight, result);
        }
    }

    /** Merging by Hugging Face rules, given as "left right" lines in rank order. */
    static SentencePieceBpe withMerges(Vocabulary vocab, boolean addSpacePrefix, List<String> lines) {
        int m = lines.size();
        int[] left = new int[m], right = new int[m];
        for (int r = 0; r < m; r++) {
            String line = lines.get(r);
            int space = line.indexOf(' ');
            if (space <= 0 || space == line.length() - 1 || line.indexOf(' ', space + 1) >= 0) {
                throw new IllegalArgumentException("merge " + r + " \"" + line + "\" is not \"left right\"");
            }
            left[r] = vocab.index.find(line, 0, space);
            right[r] = vocab.index.find(line, space + 1, line.length());
            if (left[r] < 0 || right[r] < 0) {
                throw new IllegalArgumentException("merge " + r + " \"" + line + "\" names a token that is not in the vocabulary");
            }
        }
        return new SentencePieceBpe(vocab, addSpacePrefix, left, right);
    }

    // ---- encoding -----------------------------------------------------------------------------

    /** Encodes without adding BOS; added user-defined tokens are matched, control tokens are not. */
    @Override
    public int[] encode(String text) {
        return encode(text, false);
    }

    @Override
    public int[] encodeWithSpecialTokens(String text) {
        return encode(text, true);
    }

    /** Encodes, also turning control tokens' text ({@code <s>}, {@code <|user|>}) into their ids if asked. */
    public int[] encode(String text, boolean parseSpecial) {
        IntBuffer out = new IntBuffer(text.length() / 3 + 8);
        boolean afterSpecial = true; // the start of the text counts as following a special token
        for (Vocabulary.Segment s : vocab.partition(text, parseSpecial)) {
            if (s.id() >= 0) {
                out.add(s.id());
                afterSpecial = true;
            } else {
                encodeStretch(text, s.start(), s.end(), addSpacePrefix && afterSpecial, out);
                afterSpecial = false;
            }
        }
        return out.toArray();
    }

    private void encodeStretch(String text, int start, int end, boolean prefix, IntBuffer out) {
        StringBuilder sb = new StringBuilder(end - start + 1);
        if (prefix) sb.append(SPACE_MARK);
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            sb.append(c == ' ' ? SPACE_MARK : c);
        }
        String s = sb.toString();
        // A character that occurs in no token of two or more characters can never be merged, so
        // the merges on either side of it are independent: cutting there gives the same result
        // with small queues instead of one the size of the whole text (every newline, for Llama).
        int from = 0;
        for (int i = 0; i < s.length(); i++) {
            if (joinable.get(s.charAt(i))) continue;
            mergeRange(s, from, i, out);
            mergeRange(s, i, i + 1, out);
            from = i + 1;
        }
        mergeRange(s, from, s.length(), out);
    }

    private void mergeRange(String s, int from, int to, IntBuffer out) {
        if (from == to) return;
        if (merges != null) encodeByRank(s, from, to, out);
        else new ScoreMerge(s, from, to).run(out);
    }

    /** Hugging Face's BPE: characters (or their bytes, if not tokens) as ids, then merge rules by rank. */
    private void encodeByRank(String s, int from, int to, IntBuffer out) {
        IntBuffer ids = new IntBuffer(to - from);
        for (int i = from; i < to; ) {
            int next = i + Character.charCount(s.codePointAt(i));
            int id = vocab.index.find(s, i, next);
            if (id >= 0) ids.add(id);
            else bytesOf(s.substring(i, next), ids);
            i = next;
        }
        out.addAll(merges.apply(ids.toArray()));
    }

    /** Byte fallback: the {@code <0xNN>} tokens of a string's UTF-8; the unknown token where one is missing. */
    private void bytesOf(String symbol, IntBuffer out) {
        for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
            int id = vocab.byteId(b);
            if (id < 0) id = vocab.ids.unk();
            if (id < 0) {
                throw new IllegalArgumentException(String.format("cannot encode \"%s\": the vocabulary has no token"
                        + " <0x%02X> and no unknown token", symbol, b & 0xFF));
            }
            out.add(id);
        }
    }

    /**
     * llama.cpp's SentencePiece merge: symbols form a linked list over the characters; a max-queue
     * of candidate pairs, ordered by the merged token's score then by position, yields the next
     * merge. A pair is stale once either side has changed, which shows as a changed total length
     * (a symbol only grows by swallowing its right neighbour).
     */
    private final class ScoreMerge {
        final String s;
        final int[] start, len, prev, next;
        // the queue: entries are indices into these arrays; heap holds entry indices
        int[] left = new int[16], right = new int[16], size = new int[16];
        float[] score = new float[16];
        int[] heap = new int[16];
        int entries, heapSize;

        ScoreMerge(String s, int from, int to) {
            this.s = s;
            int n = s.codePointCount(from, to);
            start = new int[n];
            len = new int[n];
            prev = new int[n];
            next = new int[n];
            for (int i = 0, pos = from; i < n; i++) {
                int w = Character.charCount(s.codePointAt(pos));
                start[i] = pos;
                len[i] = w;
                prev[i] = i - 1;
                next[i] = i + 1 < n ? i + 1 : -1;
                pos += w;
            }
        }

        void run(IntBuffer out) {
            int n = start.length;
            if (n == 0) return;
            for (int i = 1; i < n; i++) tryPair(i - 1, i);
            while (heapSize > 0) {
                int e = poll();
                int l = left[e], r = right[e];
                if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != size[e]) continue;
                len[l] += len[r];
                len[r] = 0;
                next[l] = next[r];
                if (next[r] >= 0) prev[next[r]] = l;
                tryPair(prev[l], l);
                tryPair(l, next[l]);
            }
            for (int i = 0; i != -1; i = next[i]) {
                int id = vocab.index.find(s, start[i], start[i] + len[i]);
                if (id >= 0) out.add(id);
                else bytesOf(s.substring(start[i], start[i] + len[i]), out);
            }
        }

        void tryPair(int l, int r) {
            if (l < 0 || r < 0) return;
            int id = vocab.index.find(s, start[l], start[r] + len[r]);
            if (id < 0) return;
            if (entries == left.length) {
                int c = entries * 2;
                left = Arrays.copyOf(left, c);
                right = Arrays.copyOf(right, c);
                size = Arrays.copyOf(size, c);
                score = Arrays.copyOf(score, c);
                heap = Arrays.copyOf(heap, c);
            }
            int e = entries++;
            left[e] = l;
            right[e] = r;
            size[e] = len[l] + len[r];
            score[e] = vocab.scores[id];
            push(e);
        }

        /** Whether entry a comes out before entry b: higher score, then further left. */
        boolean before(int a, int b) {
            return score[a] > score[b] || (score[a] == score[b] && left[a] < left[b]);
        }

        void push(int e) {
            int i = heapSize++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (!before(e, heap[parent])) break;
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = e;
        }

        int poll() {
            int top = heap[0], last = heap[--heapSize];
            int i = 0, half = heapSize >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                if (child + 1 < heapSize && before(heap[child + 1], heap[child])) child++;
                if (!before(heap[child], last)) break;
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = last;
            return top;
        }
    }

    // ---- decoding -----------------------------------------------------------------------------

    @Override
    public String decode(int[] ids) {
        return new String(decodeBytes(ids), StandardCharsets.UTF_8);
    }

    @Override
    public byte[] decodeBytes(int[] ids) {
        vocab.checkIds(ids);
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        boolean stripSpace = addSpacePrefix;
        for (int id : ids) {
            byte[] piece = pieceBytes(id);
            if (piece.length == 0) continue;
            int from = stripSpace && piece[0] == ' ' ? 1 : 0;
            stripSpace = false;
            out.write(piece, from, piece.length - from);
        }
        return out.toByteArray();
    }

    /** What one token contributes inside a sequence (no leading-space stripping). */
    @Override
    public byte[] tokenBytes(int id) {
        vocab.checkIds(new int[] {id});
        return pieceBytes(id);
    }

    private byte[] pieceBytes(int id) {
        return switch (vocab.types[id]) {
            case CONTROL, UNKNOWN -> new byte[0];
            case BYTE -> new byte[] {(byte) Vocabulary.parseByteToken(vocab.tokens[id])};
            case USER_DEFINED -> vocab.tokens[id].getBytes(StandardCharsets.UTF_8);
            default -> vocab.tokens[id].replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
        };
    }

    // ---- the vocabulary -----------------------------------------------------------------------

    /** Whether encoding puts a {@code ▁} before text that starts the input or follows an added token. */
    public boolean addsSpacePrefix() {
        return addSpacePrefix;
    }

    /** Whether pairs merge by Hugging Face merge rules (true) or by token score (false). */
    public boolean mergesByRank() {
        return merges != null;
    }

    /** The merge rules as "left right" lines in rank order (empty when merging by score). */
    List<String> mergeLines() {
        List<String> lines = new ArrayList<>();
        if (mergeLeft != null) {
            for (int r = 0; r < mergeLeft.length; r++) lines.add(vocab.tokens[mergeLeft[r]] + " " + vocab.tokens[mergeRight[r]]);
        }
        return lines;
    }

    @Override
    public String toString() {
        return "SentencePieceBpe[" + vocab.size() + " tokens, " + (merges != null ? mergeLeft.length + " merges" : "by score")
                + ", " + vocab.ids + "]";
    }
}
