package dev.moxing.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.OptionalInt;

/**
 * One token per Unicode code point, the vocabulary being the sorted distinct code points of a
 * corpus, as in nanoGPT's character-level Shakespeare. Code points rather than Java chars, so an
 * emoji or a rare CJK character outside the Basic Multilingual Plane is one token, not two halves.
 *
 * <p>Text with a character outside the vocabulary is an error naming the character and where it
 * is, unless an unknown-token id was chosen with {@link #withUnknownId}.
 */
public final class CharTokenizer implements Tokenizer {

    private final int[] codePoints; // sorted, distinct; the id of a code point is its index
    private final int unknownId;    // -1: unknown characters are an error

    private CharTokenizer(int[] codePoints, int unknownId) {
        this.codePoints = codePoints;
        this.unknownId = unknownId;
    }

    /** The vocabulary of every distinct code point in {@code corpus}. */
    public static CharTokenizer fromCorpus(CharSequence corpus) {
        if (corpus.isEmpty()) {
            throw new IllegalArgumentException("cannot build a character vocabulary from an empty corpus");
        }
        return new CharTokenizer(corpus.codePoints().sorted().distinct().toArray(), -1);
    }

    /** The vocabulary of the given code points (any order, duplicates ignored). */
    public static CharTokenizer of(int... codePoints) {
        int[] sorted = Arrays.stream(codePoints).sorted().distinct().toArray();
        if (sorted.length == 0) throw new IllegalArgumentException("a character vocabulary needs at least one code point");
        for (int cp : sorted) {
            if (!Character.isValidCodePoint(cp)) throw new IllegalArgumentException("not a code point: " + cp);
        }
        return new CharTokenizer(sorted, -1);
    }

    /** The same vocabulary, with characters outside it encoded as {@code id} instead of failing. */
    public CharTokenizer withUnknownId(int id) {
        checkId(id, -1);
        return new CharTokenizer(codePoints, id);
    }

    /** The same vocabulary, with characters outside it an error. */
    public CharTokenizer withoutUnknownId() {
        return new CharTokenizer(codePoints, -1);
    }

    public OptionalInt unknownId() {
        return unknownId < 0 ? OptionalInt.empty() : OptionalInt.of(unknownId);
    }

    /** The id of a code point, if it is in the vocabulary. */
    public OptionalInt idOf(int codePoint) {
        int id = Arrays.binarySearch(codePoints, codePoint);
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The code point that {@code id} stands for. */
    public int codePoint(int id) {
        checkId(id, -1);
        return codePoints[id];
    }

    @Override
    public int vocabSize() {
        return codePoints.length;
    }

    @Override
    public int[] encode(String text) {
        int[] ids = new int[text.codePointCount(0, text.length())];
        int n = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int id = Arrays.binarySearch(codePoints, cp);
            if (id < 0) {
                if (unknownId < 0) throw unknownCharacter(cp, i);
                id = unknownId;
            }
            ids[n++] = id;
            i += Character.charCount(cp);
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder text = new StringBuilder(ids.length);
        for (int i = 0; i < ids.length; i++) {
            checkId(ids[i], i);
            text.appendCodePoint(codePoints[ids[i]]);
        }
        return text.toString();
    }

    @Override
    public void save(Path path) throws IOException {
        TokenizerFile.writeJson(path, new TokenizerFile.CharFile(TokenizerFile.FORMAT,
                TokenizerFile.CharFile.TYPE, TokenizerFile.VERSION, codePoints,
                unknownId < 0 ? null : unknownId));
    }

    static CharTokenizer fromFile(TokenizerFile.CharFile file) {
        if (file.codePoints() == null || file.codePoints().length == 0) {
            throw new IllegalArgumentException("no code points");
        }
        int[] cps = file.codePoints();
        for (int i = 0; i < cps.length; i++) {
            if (!Character.isValidCodePoint(cps[i]) || (i > 0 && cps[i] <= cps[i - 1])) {
                throw new IllegalArgumentException("codePoints must be valid, ascending and distinct (index " + i + ")");
            }
        }
        CharTokenizer t = new CharTokenizer(cps.clone(), -1);
        return file.unknownId() == null ? t : t.withUnknownId(file.unknownId());
    }

    private IllegalArgumentException unknownCharacter(int cp, int index) {
        String shown = Character.isISOControl(cp) || Character.isWhitespace(cp) || Character.getType(cp) == Character.SURROGATE
                ? "" : "'" + Character.toString(cp) + "' ";
        return new IllegalArgumentException(String.format(
                "character %s(U+%04X, %s) at index %d is not in the vocabulary of %d characters",
                shown, cp, Character.getName(cp) == null ? "unnamed" : Character.getName(cp), index, codePoints.length));
    }

    private void checkId(int id, int position) {
        if (id < 0 || id >= codePoints.length) {
            throw new IllegalArgumentException("token id " + id + (position >= 0 ? " at position " + position : "")
                    + " is outside the vocabulary [0, " + codePoints.length + ")");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CharTokenizer t && unknownId == t.unknownId && Arrays.equals(codePoints, t.codePoints);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(codePoints) + unknownId;
    }

    @Override
    public String toString() {
        return "CharTokenizer[" + codePoints.length + " characters"
                + (unknownId < 0 ? "" : ", unknown → " + unknownId) + "]";
    }
}
