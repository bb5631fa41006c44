package dev.moxing.tokenizer;

/**
 * What a vocabulary entry is, numbered as GGUF's {@code tokenizer.ggml.token_type} (and
 * SentencePiece's piece types) number them.
 */
public enum TokenType {
    /** Ordinary text. */
    NORMAL,
    /** The stand-in for text the vocabulary cannot spell ({@code <unk>}, {@code [UNK]}). */
    UNKNOWN,
    /** Markers for the model, never text: {@code <s>}, {@code </s>}, {@code <|end|>}. Decode to nothing. */
    CONTROL,
    /** Added tokens that are text (e.g. Phi-3's {@code </s>}): always matched whole in input, decode to their text. */
    USER_DEFINED,
    /** Reserved slots; they never come out of encoding. */
    UNUSED,
    /** {@code <0x00>}…{@code <0xFF>}: one raw byte, the fallback for characters the vocabulary lacks. */
    BYTE;

    /** The GGUF code: NORMAL = 1 … BYTE = 6. */
    public int ggufCode() {
        return ordinal() + 1;
    }

    /** The type with this GGUF code; throws naming the code when there is none. */
    public static TokenType ofGgufCode(int code) {
        if (code < 1 || code > 6) {
            throw new IllegalArgumentException("token type " + code + " is not one of 1 (normal) … 6 (byte)");
        }
        return values()[code - 1];
    }

    /** Control and unknown tokens: what only {@code parseSpecial} encoding recognises in text. */
    boolean isSpecial() {
        return this == CONTROL || this == UNKNOWN;
    }
}
