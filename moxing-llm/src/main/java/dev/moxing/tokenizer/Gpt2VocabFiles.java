package dev.moxing.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI's GPT-2 vocabulary files: {@code encoder.json}, a JSON object from token (in GPT-2's
 * byte alphabet) to id, and {@code vocab.bpe}, a {@code #version} line then one merge "left right"
 * per line, highest priority first.
 */
final class Gpt2VocabFiles {

    static final String ENCODER = "encoder.json";
    static final String MERGES = "vocab.bpe";
    private static final String VERSION_LINE = "#version: 0.2";

    private Gpt2VocabFiles() {}

    static ByteLevelBpe read(Path encoderJson, Path vocabBpe) throws IOException {
        Map<String, Integer> encoder;
        try {
            encoder = TokenizerFile.JSON.readValue(encoderJson.toFile(), new TypeReference<LinkedHashMap<String, Integer>>() {});
        } catch (JsonProcessingException e) {
            throw new IOException(encoderJson + " is not a GPT-2 encoder.json: " + e.getOriginalMessage(), e);
        }
        String[] tokens = new String[encoder.size()];
        for (Map.Entry<String, Integer> e : encoder.entrySet()) {
            Integer id = e.getValue();
            if (id == null || id < 0 || id >= tokens.length || tokens[id] != null) {
                throw new IOException(encoderJson + ": ids must be 0.." + (tokens.length - 1)
                        + ", each used once; \"" + e.getKey() + "\" has " + id);
            }
            tokens[id] = e.getKey();
        }

        List<String> merges = new ArrayList<>();
        for (String line : Files.readAllLines(vocabBpe, StandardCharsets.UTF_8)) {
            if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
            if (line.isEmpty() || (merges.isEmpty() && line.startsWith("#version"))) continue;
            merges.add(line);
        }

        // Tokens that are neither a single byte nor the result of a merge can only be produced by
        // matching their text whole: those are the special tokens (<|endoftext|> in GPT-2).
        Set<String> made = new HashSet<>(merges.size() * 2);
        for (String m : merges) made.add(m.replace(" ", ""));
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (int id = 0; id < tokens.length; id++) {
            String t = tokens[id];
            boolean isByte = t.length() == 1 && Gpt2Bytes.toByte(t.charAt(0)) >= 0;
            if (!isByte && !made.contains(t)) specials.put(t, id);
        }
        try {
            return ByteLevelBpe.fromTokens(tokens, merges, specials, false);
        } catch (IllegalArgumentException e) {
            throw new IOException(encoderJson + " and " + vocabBpe + " do not form a GPT-2 vocabulary: "
                    + e.getMessage(), e);
        }
    }

    static void write(ByteLevelBpe bpe, Path directory) throws IOException {
        Map<String, Integer> encoder = new LinkedHashMap<>();
        for (int id = 0; id < bpe.vocabSize(); id++) {
            if (encoder.put(bpe.token(id), id) != null) {
                throw new IOException("token \"" + bpe.token(id) + "\" appears twice (a special token "
                        + "spelled like an ordinary one?); encoder.json cannot hold this vocabulary");
            }
        }
        Files.createDirectories(directory);
        TokenizerFile.writeAtomically(directory.resolve(ENCODER), out -> TokenizerFile.JSON.writeValue(out, encoder));
        TokenizerFile.writeAtomically(directory.resolve(MERGES), out -> {
            Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
            w.write(VERSION_LINE + "\n");
            for (int r = 0; r < bpe.mergeCount(); r++) w.write(bpe.mergeLine(r) + "\n");
            w.flush();
        });
    }
}
