package dev.moxing.llm.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A text file read as strict UTF-8, with the size and hash a checkpoint records to recognise it later. */
public record Corpus(String text, TrainingState.TextInfo info) {

    /**
     * Reads {@code file}. Malformed UTF-8 is an error naming the byte offset, not a silent
     * replacement character: a model trained on mojibake is worse than no model.
     */
    public static Corpus read(Path file) throws IOException {
        if (!Files.exists(file)) throw new NoSuchFileException(file.toString(), null, "no such text file");
        if (!Files.isRegularFile(file)) throw new IOException(file + " is not a regular file");
        byte[] bytes = Files.readAllBytes(file);
        return new Corpus(decode(file, bytes), new TrainingState.TextInfo(
                file.toAbsolutePath().normalize().toString(), bytes.length, sha256(bytes)));
    }

    static String decode(Path file, byte[] bytes) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            String s = decoder.decode(in).toString();
            return s.startsWith("\uFEFF") ? s.substring(1) : s; // a byte-order mark is not text
        } catch (CharacterCodingException e) {
            throw new IOException(file + " is not valid UTF-8 (bad byte near offset " + in.position() + ")", e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
