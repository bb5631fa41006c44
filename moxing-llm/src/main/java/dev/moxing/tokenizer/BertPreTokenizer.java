package dev.moxing.tokenizer;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * BERT's basic tokenisation, before WordPiece: Hugging Face's {@code BertNormalizer} followed by
 * its {@code BertPreTokenizer}.
 * <ol>
 *   <li>drop NUL, U+FFFD and control/format characters (tab, newline and carriage return are
 *       whitespace, not control);
 *   <li>with {@code stripAccents}: decompose (NFD) and drop the combining marks (Mn), so "Führer"
 *       becomes "Fuhrer";
 *   <li>with {@code lowercase}: lower-case each character (full mapping: "İ" becomes "i̇");
 *   <li>split at whitespace; every punctuation character (Unicode P*, or any ASCII character that
 *       is not a letter, digit or space) and every CJK ideograph is a word of its own.
 * </ol>
 */
final class BertPreTokenizer {

    private BertPreTokenizer() {}

    static List<String> words(String text, boolean lowercase, boolean stripAccents) {
        String s = stripAccents ? Normalizer.normalize(text, Normalizer.Form.NFD) : text;
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == 0 || cp == 0xFFFD) continue;
            int type = Character.getType(cp);
            if (cp == '\t' || cp == '\n' || cp == '\r' || (type != Character.CONTROL && Gpt2PreTokenizer.isWhiteSpace(cp))) {
                flush(word, words);
                continue;
            }
            if (isOther(type)) continue;
            if (stripAccents && type == Character.NON_SPACING_MARK) continue;
            if (isPunctuation(cp, type) || isCjk(cp)) {
                flush(word, words);
                appendLower(word, cp, lowercase);
                flush(word, words);
            } else {
                appendLower(word, cp, lowercase);
            }
        }
        flush(word, words);
        return words;
    }

    private static void appendLower(StringBuilder sb, int cp, boolean lowercase) {
        if (!lowercase) sb.appendCodePoint(cp);
        else if (cp < 128) sb.append((char) (cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
        else sb.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT));
    }

    private static void flush(StringBuilder word, List<String> words) {
        if (!word.isEmpty()) {
            words.add(word.toString());
            word.setLength(0);
        }
    }

    /** Unicode "Other" (Cc, Cf, Cs, Co, Cn): removed by BERT's text cleaning. */
    private static boolean isOther(int type) {
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
                || type == Character.PRIVATE_USE || type == Character.UNASSIGNED;
    }

    private static boolean isPunctuation(int cp, int type) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        return switch (type) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /** The CJK Unified Ideographs blocks, as BERT defines "Chinese character". */
    static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
