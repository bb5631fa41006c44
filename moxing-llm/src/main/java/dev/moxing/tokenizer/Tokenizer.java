package dev.moxing.tokenizer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Turns text into token ids and back.
 *
 * <p>Implementations are immutable and safe to share between threads. {@link #decode} inverts
 * {@link #encode} for every string made of whole Unicode code points.
 */
public interface Tokenizer {

    /** The token ids of {@code text}. */
    int[] encode(String text);

    /** The text of a sequence of token ids; throws {@link IllegalArgumentException} on an unknown id. */
    String decode(int[] ids);

    /** The number of ids; every id is in {@code [0, vocabSize())}. */
    int vocabSize();

    /**
     * Writes this tokenizer as one JSON file that {@link #load} reads back. The file is written
     * to a temporary sibling and renamed over {@code path}, so a crash never leaves a half file.
     */
    void save(Path path) throws IOException;

    /**
     * Reads a tokenizer from any format this package writes or understands:
     * <ul>
     *   <li>a JSON file written by {@link #save} (character or byte-level BPE);
     *   <li>OpenAI's GPT-2 {@code encoder.json}, with {@code vocab.bpe} beside it;
     *   <li>a directory holding {@code tokenizer.json} (ours), or {@code encoder.json} and
     *       {@code vocab.bpe}.
     * </ul>
     */
    static Tokenizer load(Path path) throws IOException {
        return TokenizerFile.read(path);
    }
}
