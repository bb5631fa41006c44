package dev.moxing.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rules that split text into the pieces byte-level BPE merges within, by the names GGUF's
 * {@code tokenizer.ggml.pre} and this package's files use.
 *
 * <p>GPT-2's runs on the hand-written {@link Gpt2PreTokenizer}. Llama 3's and Qwen 2's patterns
 * run on {@code java.util.regex} with Unicode classes ({@code \s} = White_Space, as in Python's
 * {@code regex} and Hugging Face); the case-insensitive contractions {@code (?i:'s|…)} are
 * spelled out per letter, as llama.cpp does, so that only ASCII letters fold.
 */
public enum BpePreTokenizer {
    /** {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+} */
    GPT2("gpt2", Gpt2PreTokenizer.PATTERN),
    /** Llama 3's: letters may take one leading non-letter, numbers go in threes, newlines group. */
    LLAMA3("llama3", "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /** Qwen 2's: as Llama 3's, but every digit is a piece of its own. */
    QWEN2("qwen2", "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");

    private final String id;
    private final String pattern;
    private final Pattern compiled;

    BpePreTokenizer(String id, String pattern) {
        this.id = id;
        this.pattern = pattern;
        this.compiled = Pattern.compile(pattern, Pattern.UNICODE_CHARACTER_CLASS);
    }

    /** The name in this package's tokenizer files ("gpt2", "llama3", "qwen2"). */
    public String id() {
        return id;
    }

    /** The regular expression, as Hugging Face's tokenizer.json would give it. */
    public String pattern() {
        return pattern;
    }

    /**
     * The pre-tokenizer a GGUF {@code tokenizer.ggml.pre} value names. Throws naming the value when
     * it is one this package does not implement.
     */
    public static BpePreTokenizer ofGguf(String pre) {
        return switch (pre) {
            case "default", "gpt-2", "gpt2" -> GPT2;
            case "llama3", "llama-bpe", "llama-v3", "dbrx", "smaug-bpe" -> LLAMA3;
            case "qwen2", "stablelm2", "megrez" -> QWEN2;
            default -> throw new IllegalArgumentException("pre-tokenizer \"" + pre
                    + "\" is not supported (known: gpt-2/default, llama-bpe/llama3, qwen2)");
        };
    }

    /** The pre-tokenizer this package's files call {@code id}; throws naming it when unknown. */
    public static BpePreTokenizer ofId(String id) {
        for (BpePreTokenizer p : values()) if (p.id.equals(id)) return p;
        throw new IllegalArgumentException("unknown pre-tokenizer \"" + id + "\"");
    }

    /** The pre-tokenizer whose pattern is {@code regex} (from a Hugging Face Split), or null. */
    static BpePreTokenizer ofPattern(String regex) {
        String r = regex.replace("(?i:'s|'t|'re|'ve|'m|'ll|'d)",
                "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])");
        for (BpePreTokenizer p : values()) if (p.pattern.equals(r)) return p;
        return null;
    }

    /** Splits text into pieces; concatenating them gives the text back. */
    public List<String> split(CharSequence text) {
        List<String> pieces = new ArrayList<>();
        split(text, 0, text.length(), (s, e) -> pieces.add(text.subSequence(s, e).toString()));
        return pieces;
    }

    void split(CharSequence text, int from, int to, Gpt2PreTokenizer.PieceSink sink) {
        if (this == GPT2) {
            Gpt2PreTokenizer.split(text, from, to, sink);
            return;
        }
        // Opaque bounds (the default): a stretch between added tokens is split on its own, so
        // (?!\S) at its end sees the end, as in llama.cpp and Hugging Face.
        Matcher m = compiled.matcher(text).region(from, to);
        int pos = from;
        while (m.find()) {
            if (m.start() > pos) sink.piece(pos, m.start()); // unmatched text (none for these patterns)
            sink.piece(m.start(), m.end());
            pos = m.end();
        }
        if (pos < to) sink.piece(pos, to);
    }

    @Override
    public String toString() {
        return id.toLowerCase(Locale.ROOT);
    }
}
