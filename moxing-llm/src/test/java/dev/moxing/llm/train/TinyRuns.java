package dev.moxing.llm.train;

import dev.moxing.random.Rng;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small texts and settings that train in milliseconds. */
final class TinyRuns {
    private TinyRuns() {
    }

    /** A few thousand characters of pseudo-English made of a small vocabulary of words. */
    static String text(int words, long seed) {
        String[] vocab = {"the", "king", "shall", "speak", "and", "we", "hear", "him", "now", "my", "lord", "good",
                "night", "sweet", "prince", "O", "what", "a", "rogue", "am", "I"};
        Rng rng = new Rng(seed);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < words; i++) {
            s.append(vocab[rng.nextInt(vocab.length)]);
            s.append(i % 9 == 8 ? ".\n" : " ");
        }
        return s.toString();
    }

    static Path writeText(Path dir, String text) throws IOException {
        Path file = dir.resolve("corpus.txt");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    static Pretraining.GptShape shape(float dropout) {
        return new Pretraining.GptShape(2, 2, 16, 16, dropout);
    }

    /** batch, steps, lr, minLr, warmup, wd, clip, accumulate, evalEvery, evalSteps, logEvery, seed. */
    static TrainOptions options(int steps, int accumulate, int evalEvery) {
        return new TrainOptions(4, steps, 3e-3, 3e-4, Math.min(2, steps - 1), 0.1, 1.0, accumulate, evalEvery, 2, 1, 7);
    }
}
