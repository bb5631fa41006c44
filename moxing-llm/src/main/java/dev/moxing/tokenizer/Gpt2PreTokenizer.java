package dev.moxing.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * GPT-2's pre-tokenisation: splits text into the pieces that byte-level BPE merges within.
 *
 * <p>The rule is OpenAI's regular expression {@link #PATTERN}, with {@code \s} meaning Unicode
 * White_Space as in Python's {@code regex} module and Hugging Face's tokenizers. It is implemented
 * here as a hand-written scanner because it runs on every character of every corpus: the scanner
 * allocates nothing and is several times faster than {@code java.util.regex}; the tests check it
 * against {@link #regex()} on the llama.cpp vectors and on random text.
 *
 * <p>What the pattern does, alternative by alternative, at each position:
 * <ol>
 *   <li>the English contractions {@code 's 't 're 've 'm 'll 'd} (case-sensitive, as GPT-2);
 *   <li>an optional single space followed by a run of letters, or of numbers, or of anything that
 *       is neither letter, number nor whitespace;
 *   <li>a whitespace run, less its last character when a non-space follows, so that the last
 *       space can attach to the next word ({@code \s+(?!\S)});
 *   <li>otherwise the single whitespace character before a non-space ({@code \s+}).
 * </ol>
 */
public final class Gpt2PreTokenizer {

    /** OpenAI's GPT-2 pre-tokenisation pattern, verbatim. */
    public static final String PATTERN =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /** Receives each piece as a [start, end) range of char indices. */
    @FunctionalInterface
    interface PieceSink {
        void piece(int start, int end);
    }

    private static final int LETTER = 0, NUMBER = 1, SPACE = 2, OTHER = 3;
    private static final byte[] ASCII_CLASS = new byte[128];

    static {
        for (int c = 0; c < 128; c++) ASCII_CLASS[c] = (byte) classifySlow(c);
    }

    private Gpt2PreTokenizer() {}

    /** The reference implementation: {@link #PATTERN} with Unicode character classes. */
    public static Pattern regex() {
        return Pattern.compile(PATTERN, Pattern.UNICODE_CHARACTER_CLASS);
    }

    /** Splits text into GPT-2 pieces; concatenating them gives the text back. */
    public static List<String> split(CharSequence text) {
        List<String> pieces = new ArrayList<>();
        split(text, 0, text.length(), (s, e) -> pieces.add(text.subSequence(s, e).toString()));
        return pieces;
    }

    static void split(CharSequence text, int from, int to, PieceSink sink) {
        int i = from;
        while (i < to) {
            int end = pieceEnd(text, i, to);
            sink.piece(i, end);
            i = end;
        }
    }

    /** The end of the piece that starts at {@code i}; always greater than {@code i}. */
    private static int pieceEnd(CharSequence s, int i, int to) {
        char c = s.charAt(i);
        if (c == '\'') {
            int n = contractionLength(s, i + 1, to);
            if (n > 0) return i + 1 + n;
        }
        if (c == ' ' && i + 1 < to) {
            int nextClass = classOf(codePointAt(s, i + 1, to));
            if (nextClass != SPACE) return runEnd(s, i + 1, to, nextClass);
        }
        int cls = classOf(codePointAt(s, i, to));
        if (cls != SPACE) return runEnd(s, i, to, cls);

        int j = i, last = i; // last = start of the last whitespace character seen
        while (j < to) {
            int cp = codePointAt(s, j, to);
            if (classOf(cp) != SPACE) break;
            last = j;
            j += Character.charCount(cp);
        }
        if (j == to) return j;          // whitespace up to the end of the text
        return last > i ? last : j;     // leave the last one for the next word; or take the single one
    }

    private static int contractionLength(CharSequence s, int i, int to) {
        if (i >= to) return 0;
        char a = s.charAt(i);
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return 1;
        if (i + 1 >= to) return 0;
        char b = s.charAt(i + 1);
        return (a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l') ? 2 : 0;
    }

    private static int runEnd(CharSequence s, int i, int to, int cls) {
        while (i < to) {
            int cp = codePointAt(s, i, to);
            if (classOf(cp) != cls) break;
            i += Character.charCount(cp);
        }
        return i;
    }

    /** Like {@link Character#codePointAt(CharSequence, int)} but never reads at or past {@code to}. */
    private static int codePointAt(CharSequence s, int i, int to) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < to) {
            char d = s.charAt(i + 1);
            if (Character.isLowSurrogate(d)) return Character.toCodePoint(c, d);
        }
        return c;
    }

    private static int classOf(int cp) {
        return cp < 128 ? ASCII_CLASS[cp] : classifySlow(cp);
    }

    private static int classifySlow(int cp) {
        if (Character.isLetter(cp)) return LETTER; // Lu Ll Lt Lm Lo, as \p{L}
        switch (Character.getType(cp)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> {
                return NUMBER;
            }
            default -> {
                return isWhiteSpace(cp) ? SPACE : OTHER;
            }
        }
    }

    /**
     * The Unicode White_Space property, which is what {@code \s} means under Unicode rules.
     * {@link Character#isWhitespace} differs: it excludes no-break spaces and includes U+001C–U+001F.
     */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }
}
