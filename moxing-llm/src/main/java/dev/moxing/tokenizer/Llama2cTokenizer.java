package dev.moxing.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * llama2.c's {@code tokenizer.bin}: int32 max_token_length, then per token float32 score, int32
 * length and the UTF-8 bytes. It is a SentencePiece vocabulary exported with ▁ turned into a
 * space, BOS and EOS spelled "\n&lt;s&gt;\n" and "\n&lt;/s&gt;\n", and byte tokens as
 * {@code <0xNN>}; this reads it back into the same {@link SentencePieceBpe} that GGUF files give
 * (ids: 0 unknown, 1 BOS, 2 EOS).
 */
public final class Llama2cTokenizer {
    private Llama2cTokenizer() {
    }

    /** The tokenizer of a {@code vocabSize}-token model. */
    public static Tokenizer load(Path path, int vocabSize) throws IOException {
        long size = Files.size(path);
        if (size > (1L << 30)) throw new IOException(path + ": " + size + " bytes is too large for a llama2.c tokenizer");
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        String[] tokens = new String[vocabSize];
        float[] scores = new float[vocabSize];
        TokenType[] types = new TokenType[vocabSize];
        if (b.remaining() < 4) throw new IOException(path + ": not a llama2.c tokenizer (no header)");
        int maxLen = b.getInt();
        if (maxLen <= 0 || maxLen > 1 << 16) throw new IOException(path + ": max_token_length " + maxLen + " is not plausible");
        for (int i = 0; i < vocabSize; i++) {
            if (b.remaining() < 8) {
                throw new IOException(path + ": ends at token " + i + " but the model has " + vocabSize + " tokens");
            }
            scores[i] = b.getFloat();
            int len = b.getInt();
            if (len < 0 || len > maxLen || len > b.remaining()) {
                throw new IOException(path + ": token " + i + " has length " + len + " (max_token_length " + maxLen
                        + ", " + b.remaining() + " bytes left)");
            }
            byte[] bytes = new byte[len];
            b.get(bytes);
            String t;
            try {
                t = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw new IOException(path + ": token " + i + " is not valid UTF-8");
            }
            types[i] = TokenType.NORMAL;
            if (i == 0) types[i] = TokenType.UNKNOWN;
            else if (i == 1 || i == 2) {
                types[i] = TokenType.CONTROL;
                t = t.strip();
            } else if (Vocabulary.parseByteToken(t) >= 0) {
                types[i] = TokenType.BYTE;
            }
            tokens[i] = t.replace(' ', SentencePieceBpe.SPACE_MARK);
        }
        if (b.hasRemaining()) {
            throw new IOException(path + ": " + b.remaining() + " bytes left after " + vocabSize + " tokens (a tokenizer for another vocabulary?)");
        }
        try {
            SpecialIds ids = new SpecialIds(1, 2, 0, -1, new int[] {2}, true, false);
            return new SentencePieceBpe(new Vocabulary(tokens, scores, types, ids), true, null, null);
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ": " + e.getMessage(), e);
        }
    }
}
