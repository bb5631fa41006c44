package dev.moxing.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * BERT's WordPiece ({@code tokenizer.ggml.model = "bert"} in GGUF).
 *
 * <p>Text is cut into words by {@link BertPreTokenizer}; each word is then covered greedily from
 * the left by the longest token that matches, and a word that cannot be covered (or is longer
 * than 100 characters, Hugging Face's limit) becomes the unknown token as a whole.
 *
 * <p>The vocabulary uses llama.cpp's spelling, not BERT's: a token that starts a word carries a
 * leading {@code ▁} ({@code "▁play"}), a continuation has no mark ({@code "ing"}, BERT's
 * {@code "##ing"}), and bracketed specials ({@code [CLS]}) are as in BERT. So a word is matched
 * as {@code "▁" + word}. Hugging Face vocabularies are converted on loading.
 *
 * <p>Decoding is lossy (case, accents and spacing are gone): words are joined by single spaces,
 * continuations glued on, control tokens dropped, and the space before . , ! ? removed as in Hugging
 * Face's {@code clean_up_tokenization_spaces}.
 */
public final class WordPiece extends VocabularyTokenizer {

    private static final int MAX_WORD_CHARS = 100;

    private final boolean lowercase, stripAccents;

    WordPiece(Vocabulary vocab, boolean lowercase, boolean stripAccents) {
        super(vocab);
        if (vocab.ids.unk() < 0) throw new IllegalArgumentException("a WordPiece vocabulary needs an unknown token");
        this.lowercase = lowercase;
        this.stripAccents = stripAccents;
    }

    @Override
    public int[] encode(String text) {
        return encode(text, false);
    }

    /** Encodes without [CLS]/[SEP]; control tokens' text becomes their ids only if {@code parseSpecial}. */
    public int[] encode(String text, boolean parseSpecial) {
        IntBuffer out = new IntBuffer(text.length() / 4 + 8);
        for (Vocabulary.Segment s : vocab.partition(text, parseSpecial)) {
            if (s.id() >= 0) {
                out.add(s.id());
                continue;
            }
            for (String word : BertPreTokenizer.words(text.substring(s.start(), s.end()), lowercase, stripAccents)) {
                encodeWord(word, out);
            }
        }
        return out.toArray();
    }

    private void encodeWord(String word, IntBuffer out) {
        if (word.codePointCount(0, word.length()) > MAX_WORD_CHARS) {
            out.add(vocab.ids.unk());
            return;
        }
        String w = SentencePieceBpe.SPACE_MARK + word;
        int mark = out.size(), n = w.length(), maxLen = vocab.index.maxLength();
        for (int i = 0; i < n; ) {
            int found = -1, end = -1;
            for (int j = Math.min(n, i + maxLen); j > i; j--) {
                if (j < n && Character.isLowSurrogate(w.charAt(j)) && Character.isHighSurrogate(w.charAt(j - 1))) continue;
                int id = vocab.index.find(w, i, j);
                if (id >= 0) {
                    found = id;
                    end = j;
                    break;
                }
            }
            if (found < 0) {
                out.truncate(mark);
                out.add(vocab.ids.unk());
                return;
            }
            out.add(found);
            i = end;
        }
    }

    @Override
    public String decode(int[] ids) {
        vocab.checkIds(ids);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            if (vocab.types[id] == TokenType.CONTROL) continue;
            String t = vocab.tokens[id];
            if (t.charAt(0) == SentencePieceBpe.SPACE_MARK) sb.append(' ').append(t, 1, t.length());
            else if (t.charAt(0) == '[' && t.endsWith("]")) sb.append(' ').append(t); // [UNK] and the like: a word
            else sb.append(t);
        }
        String s = sb.toString();
        if (s.startsWith(" ")) s = s.substring(1);
        return cleanUpSpaces(s);
    }

    /** Hugging Face's {@code clean_up_tokenization}: no space before punctuation and English contractions. */
    static String cleanUpSpaces(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    @Override
    public byte[] tokenBytes(int id) {
        vocab.checkIds(new int[] {id});
        if (vocab.types[id] == TokenType.CONTROL) return new byte[0];
        return vocab.tokens[id].replace(SentencePieceBpe.SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
    }

    public boolean lowercases() {
        return lowercase;
    }

    public boolean stripsAccents() {
        return stripAccents;
    }

    @Override
    public String toString() {
        return "WordPiece[" + vocab.size() + " tokens, lowercase=" + lowercase + ", stripAccents=" + stripAccents + "]";
    }
}
