package dev.moxing.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A vocabulary as GGUF and SentencePiece describe it: token texts with a score and a
 * {@link TokenType} each, the special ids, and the cutting of input text at added tokens.
 *
 * <p>Added tokens are matched in the text before any other processing, as llama.cpp and Hugging
 * Face do: user-defined ones always, control and unknown ones only when the caller asks
 * ({@code parseSpecial}), so that text from a user cannot forge {@code <s>} or {@code <|end|>}.
 * Where two could match, the leftmost wins, then the longest (Hugging Face's rule; llama.cpp
 * instead tries the longest token everywhere first — the two differ only when added tokens
 * overlap one another).
 */
final class Vocabulary {

    /** An uncut stretch of input text: {@code [start, end)}; or an added token: {@code id ≥ 0}. */
    record Segment(int start, int end, int id) {}

    final String[] tokens;
    final float[] scores;
    final TokenType[] types;
    final SpecialIds ids;
    final TokenIndex index;
    private final int[] byteIds; // by byte value; -1 where the vocabulary has no <0xNN> token
    private final int[] userIds, allIds;
    private final SpecialTokenMatcher userMatcher, allMatcher;

    Vocabulary(String[] tokens, float[] scores, TokenType[] types, SpecialIds ids) {
        int n = tokens.length;
        if (n == 0) throw new IllegalArgumentException("the vocabulary is empty");
        if (scores.length != n) {
            throw new IllegalArgumentException(n + " tokens but " + scores.length + " scores");
        }
        if (types.length != n) {
            throw new IllegalArgumentException(n + " tokens but " + types.length + " token types");
        }
        ids.check(n);
        this.tokens = tokens;
        this.scores = scores;
        this.types = types;
        this.ids = ids;
        this.index = new TokenIndex(tokens, null);
        this.byteIds = new int[256];
        Arrays.fill(byteIds, -1);
        List<String> user = new ArrayList<>(), all = new ArrayList<>();
        List<Integer> userList = new ArrayList<>(), allList = new ArrayList<>();
        for (int id = 0; id < n; id++) {
            if (tokens[id] == null || tokens[id].isEmpty()) {
                throw new IllegalArgumentException("token " + id + " is empty");
            }
            switch (types[id]) {
                case BYTE -> {
                    int b = parseByteToken(tokens[id]);
                    if (b < 0) throw new IllegalArgumentException("token " + id + " \"" + tokens[id]
                            + "\" has type byte but is not of the form <0xNN>");
                    byteIds[b] = id;
                }
                case USER_DEFINED -> {
                    user.add(tokens[id]);
                    userList.add(id);
                    all.add(tokens[id]);
                    allList.add(id);
                }
                case CONTROL, UNKNOWN -> {
                    all.add(tokens[id]);
                    allList.add(id);
                }
                default -> { }
            }
        }
        this.userIds = userList.stream().mapToInt(Integer::intValue).toArray();
        this.allIds = allList.stream().mapToInt(Integer::intValue).toArray();
        this.userMatcher = new SpecialTokenMatcher(user);
        this.allMatcher = new SpecialTokenMatcher(all);
    }

    int size() {
        return tokens.length;
    }

    /** The {@code <0xNN>} token of a byte, or -1. */
    int byteId(int b) {
        return byteIds[b & 0xFF];
    }

    /** {@code <0x0A>} → 10; anything else → -1. */
    static int parseByteToken(String t) {
        if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return -1;
        int hi = Character.digit(t.charAt(3), 16), lo = Character.digit(t.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    /** Cuts {@code text} at added tokens (user-defined always; control and unknown if asked). */
    List<Segment> partition(String text, boolean parseSpecial) {
        List<Segment> out = new ArrayList<>();
        SpecialTokenMatcher matcher = parseSpecial ? allMatcher : userMatcher;
        int[] idsOf = parseSpecial ? allIds : userIds;
        if (matcher.isEmpty()) {
            if (!text.isEmpty()) out.add(new Segment(0, text.length(), -1));
            return out;
        }
        matcher.split(text, (start, end, special) -> out.add(new Segment(start, end, special < 0 ? -1 : idsOf[special])));
        return out;
    }

    /** Throws naming the position of the first id outside the vocabulary. */
    void checkIds(int[] ids) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= tokens.length) {
                throw new IllegalArgumentException("token id " + ids[i] + " at position " + i
                        + " is outside the vocabulary [0, " + tokens.length + ")");
            }
        }
    }
}
