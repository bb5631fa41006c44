package dev.moxing.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * Turns text into token ids and back.
 *
 * <p>Implementations are immutable and safe to share between threads. {@link #decode} inverts
 * {@link #encode} for every string made of whole Unicode code points, except where the
 * tokenizer itself is lossy ({@link WordPiece} lower-cases and drops accents and spacing) and
 * where SentencePiece vocabularies re-insert the space they prefix after an added token.
 */
public interface Tokenizer {

    /** The token ids of {@code text}. */
    int[] encode(String text);

    /**
     * As {@link #encode}, but the text of special tokens ({@code <s>}, {@code <|im_start|>},
     * {@code <|eot_id|>}) becomes their ids, as a chat template's output needs. Only for text the
     * program wrote: a user who types {@code <|im_end|>} would otherwise end their own turn.
     */
    default int[] encodeWithSpecialTokens(String text) {
        return encode(text);
    }

    /** The text of a sequence of token ids; throws {@link IllegalArgumentException} on an unknown id. */
    String decode(int[] ids);

    /** The number of ids; every id is in {@code [0, vocabSize())}. */
    int vocabSize();

    /**
     * The bytes a sequence of ids decodes to, before they are read as UTF-8. Streaming decoders
     * need this: one character may span several tokens (byte-fallback and byte-level tokens), so
     * text can only be shown once its last byte has arrived.
     */
    default byte[] decodeBytes(int[] ids) {
        return decode(ids).getBytes(StandardCharsets.UTF_8);
    }

    /** The bytes one token contributes in the middle of a sequence (what streaming appends). */
    default byte[] tokenBytes(int id) {
        return decodeBytes(new int[] {id});
    }

    /**
     * A token as the vocabulary writes it ({@code ▁Hello}, {@code <0x0A>}, {@code Ġworld},
     * {@code <|endoftext|>}), for showing token boundaries; not what {@link #decode} gives.
     */
    default String tokenText(int id) {
        return decode(new int[] {id});
    }

    // ---- what generation needs: the ids around a sequence ---------------------------------------

    /** The beginning-of-sequence id, if the vocabulary has one. */
    default OptionalInt bosId() {
        return OptionalInt.empty();
    }

    /**
     * The ids that end generation: end-of-sequence, end-of-turn and the like (e.g. Phi-3's
     * {@code <|end|>} as well as its {@code <|endoftext|>}). Empty when the vocabulary has none.
     */
    default int[] eosIds() {
        return new int[0];
    }

    /** Whether the model expects {@link #bosId()} before a prompt ({@link #encode} never adds it). */
    default boolean addsBos() {
        return false;
    }

    /**
     * Writes this tokenizer as one JSON file that {@link #load} reads back. The file is written
     * to a temporary sibling and renamed over {@code path}, so a crash never leaves a half file.
     */
    void save(Path path) throws IOException;

    /**
     * Reads a tokenizer from any format this package writes or understands:
     * <ul>
     *   <li>a JSON file written by {@link #save} (character or byte-level BPE);
     *   <li>a GGUF file (its {@code tokenizer.ggml.*} metadata, see {@link GgufTokenizers});
     *   <li>a Hugging Face {@code tokenizer.json} (with {@code tokenizer_config.json} beside it,
     *       if there is one, for bos/eos; see {@link HuggingFaceTokenizers});
     *   <li>OpenAI's GPT-2 {@code encoder.json}, with {@code vocab.bpe} beside it;
     *   <li>a directory holding {@code tokenizer.json} (ours or Hugging Face's), or
     *       {@code encoder.json} and {@code vocab.bpe}.
     * </ul>
     */
    static Tokenizer load(Path path) throws IOException {
        return TokenizerFile.read(path);
    }
}
