package dev.moxing.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The vendored test files under src/test/resources/tokenizer (see the README there). */
final class TestData {

    private static ByteLevelBpe gpt2;

    private TestData() {}

    static Path resource(String name) {
        try {
            var url = TestData.class.getResource("/tokenizer/" + name);
            if (url == null) throw new IllegalStateException("missing test resource tokenizer/" + name);
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** GPT-2's vocabulary, loaded once for all tests (its cache is shared; results are the same). */
    static synchronized ByteLevelBpe gpt2() {
        if (gpt2 == null) {
            try {
                gpt2 = ByteLevelBpe.loadGpt2(resource("gpt2/encoder.json"), resource("gpt2/vocab.bpe"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return gpt2;
    }

    /** One llama.cpp test case: a string and the ids Hugging Face's GPT-2 tokenizer gives it. */
    record Vector(int index, String text, int[] ids) {
        @Override
        public String toString() {
            return "#" + index + " " + text.replace("\n", "\\n").replace("\t", "\\t") + " -> " + Arrays.toString(ids);
        }
    }

    /** GPT-2's vectors. */
    static List<Vector> llamaCppVectors() throws IOException {
        return llamaCppVectors("gpt-2");
    }

    /** The vectors of {@code llama.cpp-vocab/ggml-vocab-<vocab>.gguf}. */
    static List<Vector> llamaCppVectors(String vocab) throws IOException {
        String base = "llama.cpp-vocab/ggml-vocab-" + vocab + ".gguf";
        String inp = Files.readString(resource(base + ".inp"), StandardCharsets.UTF_8);
        List<String> texts = new ArrayList<>(Arrays.asList(inp.split("\n__ggml_vocab_test__\n", -1)));
        if (!texts.getLast().isEmpty()) throw new IllegalStateException(".inp does not end with the separator");
        texts.removeLast();
        List<String> lines = Files.readAllLines(resource(base + ".out"), StandardCharsets.UTF_8);
        if (lines.size() != texts.size()) {
            throw new IllegalStateException(texts.size() + " inputs but " + lines.size() + " outputs");
        }
        List<Vector> vectors = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String line = lines.get(i).strip();
            int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
            vectors.add(new Vector(i, texts.get(i), ids));
        }
        return vectors;
    }
}
