package dev.moxing.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The file of {@link SentencePieceBpe} ({@code "type": "sentencepiece-bpe"}) and {@link WordPiece}
 * ({@code "type": "wordpiece"}): the vocabulary as GGUF stores it, one entry per id.
 *
 * @param tokens         token text by id (WordPiece in llama.cpp's ▁ spelling)
 * @param scores         by id; SentencePiece merges the highest-scoring pair first
 * @param tokenTypes     by id, GGUF codes 1 (normal) … 6 (byte), see {@link TokenType}
 * @param merges         SentencePiece only, "left right" in rank order when pairs merge by
 *                       Hugging Face rules; absent when they merge by score
 * @param ids            bos, eos, unk, pad, end-of-generation ids, add_bos, add_eos
 * @param addSpacePrefix SentencePiece: the ▁ put before text
 * @param lowercase      WordPiece: lower-case the input
 * @param stripAccents   WordPiece: drop combining marks after NFD
 */
record VocabularyFile(String format, String type, int version, List<String> tokens, float[] scores,
                      int[] tokenTypes, List<String> merges, SpecialIds ids, boolean addSpacePrefix,
                      boolean lowercase, boolean stripAccents) {

    static final String SPM_TYPE = "sentencepiece-bpe";
    static final String WORDPIECE_TYPE = "wordpiece";

    static void write(Path path, SentencePieceBpe t) throws IOException {
        Vocabulary v = t.vocabulary();
        TokenizerFile.writeJson(path, new VocabularyFile(TokenizerFile.FORMAT, SPM_TYPE, TokenizerFile.VERSION,
                Arrays.asList(v.tokens), v.scores, codes(v.types), t.mergesByRank() ? t.mergeLines() : null, v.ids,
                t.addsSpacePrefix(), false, false));
    }

    static void write(Path path, WordPiece t) throws IOException {
        Vocabulary v = t.vocabulary();
        TokenizerFile.writeJson(path, new VocabularyFile(TokenizerFile.FORMAT, WORDPIECE_TYPE, TokenizerFile.VERSION,
                Arrays.asList(v.tokens), v.scores, codes(v.types), null, v.ids, false, t.lowercases(), t.stripsAccents()));
    }

    static Tokenizer read(VocabularyFile f) {
        if (f.tokens == null || f.scores == null || f.tokenTypes == null || f.ids == null) {
            throw new IllegalArgumentException("tokens, scores, tokenTypes or ids missing");
        }
        String[] tokens = f.tokens.toArray(String[]::new);
        TokenType[] types = new TokenType[f.tokenTypes.length];
        for (int i = 0; i < types.length; i++) types[i] = TokenType.ofGgufCode(f.tokenTypes[i]);
        Vocabulary v = new Vocabulary(tokens, f.scores, types, f.ids);
        if (WORDPIECE_TYPE.equals(f.type)) return new WordPiece(v, f.lowercase, f.stripAccents);
        return f.merges == null ? new SentencePieceBpe(v, f.addSpacePrefix, null, null)
                : SentencePieceBpe.withMerges(v, f.addSpacePrefix, f.merges);
    }

    private static int[] codes(TokenType[] types) {
        int[] c = new int[types.length];
        for (int i = 0; i < c.length; i++) c[i] = types[i].ggufCode();
        return c;
    }
}
