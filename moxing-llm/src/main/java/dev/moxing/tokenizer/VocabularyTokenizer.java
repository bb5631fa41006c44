package dev.moxing.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * What every tokenizer over a {@link Vocabulary} (tokens, scores, types and special ids, as GGUF
 * stores them) answers the same way: vocabulary lookups, the ids around a sequence, and saving.
 * Subclasses supply encoding and decoding.
 */
abstract sealed class VocabularyTokenizer implements Tokenizer permits SentencePieceBpe, WordPiece {
    final Vocabulary vocab;

    VocabularyTokenizer(Vocabulary vocab) {
        this.vocab = vocab;
    }

    Vocabulary vocabulary() {
        return vocab;
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public String tokenText(int id) {
        vocab.checkIds(new int[] {id});
        return vocab.tokens[id];
    }

    public TokenType tokenType(int id) {
        return vocab.types[id];
    }

    public float score(int id) {
        return vocab.scores[id];
    }

    /** The id of a token's exact text, if it is in the vocabulary. */
    public OptionalInt idOf(String token) {
        int id = vocab.index.find(token);
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public OptionalInt bosId() {
        return vocab.ids.bosId();
    }

    @Override
    public int[] eosIds() {
        return vocab.ids.stop().clone();
    }

    @Override
    public boolean addsBos() {
        return vocab.ids.addBos();
    }

    @Override
    public void save(Path path) throws IOException {
        switch (this) {
            case SentencePieceBpe s -> VocabularyFile.write(path, s);
            case WordPiece w -> VocabularyFile.write(path, w);
        }
    }
}
