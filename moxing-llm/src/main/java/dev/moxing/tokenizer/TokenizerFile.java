package dev.moxing.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * The on-disk form of tokenizers: one JSON object tagged {@code "format": "moxing-tokenizer"},
 * a {@code "type"} and a {@code "version"}, written atomically; and recognition of the formats
 * {@link Tokenizer#load} accepts.
 */
final class TokenizerFile {

    static final String FORMAT = "moxing-tokenizer";
    static final int VERSION = 1;
    static final String DIRECTORY_FILE = "tokenizer.json";

    static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true);

    /**
     * {@link CharTokenizer}'s file. Code points are stored as numbers, not a string, so that a
     * vocabulary holding an unpaired surrogate still writes valid JSON.
     */
    record CharFile(String format, String type, int version, int[] codePoints, Integer unknownId) {
        static final String TYPE = "char";
    }

    /**
     * {@link ByteLevelBpe}'s file. {@code vocab} lists every token by id in GPT-2's byte alphabet
     * (a space is {@code Ġ}); special tokens appear there as their literal text and again in
     * {@code specialTokens} with their ids. {@code merges} are "left right" in rank order, as in
     * {@code vocab.bpe}. {@code preTokenizer} names the splitting rule ({@link BpePreTokenizer#id()}:
     * "gpt2", "llama3", "qwen2"). The last three fields are absent for GPT-2's own files: Llama 3's
     * {@code ignore_merges}, the specials that are recognised in text even when the others are
     * not, and the ids generation needs.
     */
    record BpeFile(String format, String type, int version, String preTokenizer,
                   boolean specialTokensInText, List<String> vocab, List<String> merges,
                   Map<String, Integer> specialTokens, Boolean ignoreMerges, List<String> userDefinedTokens,
                   SpecialIds ids) {
        static final String TYPE = "byte-level-bpe";
    }

    @FunctionalInterface
    interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    private TokenizerFile() {}

    static Tokenizer read(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            Path ours = path.resolve(DIRECTORY_FILE);
            if (Files.isRegularFile(ours)) return read(ours);
            Path encoder = path.resolve("encoder.json"), merges = path.resolve("vocab.bpe");
            if (Files.isRegularFile(encoder) && Files.isRegularFile(merges)) {
                return ByteLevelBpe.loadGpt2(encoder, merges);
            }
            throw new NoSuchFileException(path.toString(), null,
                    "no tokenizer here: expected " + DIRECTORY_FILE + " (ours or Hugging Face's), or encoder.json and vocab.bpe");
        }
        if (isGguf(path)) return GgufTokenizers.load(path);
        JsonNode root;
        try {
            root = JSON.readTree(path.toFile());
        } catch (JsonProcessingException e) {
            throw new IOException(path + " is not a tokenizer file (not valid JSON: "
                    + e.getOriginalMessage() + ")", e);
        }
        if (root == null || !root.isObject()) throw new IOException(path + " is not a tokenizer file");
        if (!FORMAT.equals(root.path("format").asText())) {
            if (root.path("model").isObject()) return HuggingFaceTokenizers.load(path, root);
            Path merges = path.resolveSibling("vocab.bpe");
            if (Files.isRegularFile(merges)) return ByteLevelBpe.loadGpt2(path, merges);
            throw new IOException(path + " is not a tokenizer file: no \"format\": \"" + FORMAT
                    + "\", and no vocab.bpe beside it to read it as GPT-2's encoder.json");
        }
        int version = root.path("version").asInt(-1);
        if (version < 1 || version > VERSION) {
            throw new IOException(path + " has tokenizer file version " + version
                    + "; this build reads versions 1.." + VERSION);
        }
        String type = root.path("type").asText();
        try {
            return switch (type) {
                case CharFile.TYPE -> CharTokenizer.fromFile(JSON.treeToValue(root, CharFile.class));
                case BpeFile.TYPE -> ByteLevelBpe.fromFile(JSON.treeToValue(root, BpeFile.class));
                case VocabularyFile.SPM_TYPE, VocabularyFile.WORDPIECE_TYPE ->
                        VocabularyFile.read(JSON.treeToValue(root, VocabularyFile.class));
                default -> throw new IOException(path + ": unknown tokenizer type \"" + type + "\" (known: "
                        + String.join(", ", CharFile.TYPE, BpeFile.TYPE, VocabularyFile.SPM_TYPE, VocabularyFile.WORDPIECE_TYPE) + ")");
            };
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new IOException(path + " is a damaged " + type + " tokenizer file: " + e.getMessage(), e);
        }
    }

    /** Whether the file starts with GGUF's magic bytes. */
    static boolean isGguf(Path path) throws IOException {
        try (var in = Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F';
        }
    }

    static void writeJson(Path path, Object value) throws IOException {
        writeAtomically(path, out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, value));
    }

    /**
     * Writes to a temporary file in the target's directory, forces it to disk, then renames it
     * over the target: readers see the old file or the new one, never a mixture.
     */
    static void writeAtomically(Path path, Writer writer) throws IOException {
        Path target = path.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE);
                 OutputStream out = Channels.newOutputStream(channel)) {
                writer.writeTo(new NonClosing(out));
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Jackson closes the stream it writes to; the channel must stay open until it is forced. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
