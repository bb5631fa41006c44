package dev.moxing.llm.classify;

import dev.moxing.random.Rng;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Poet attribution from a poem file (poems separated by blank lines; each poem a title line, an
 * author line, then its lines): each poem's text (the lines after the author, newline-joined)
 * labelled by its author, among the {@code topAuthors} most prolific. The split is stratified —
 * 80% of each author's poems train, the rest test — so that the test split has the file's
 * author mix and the majority baseline means the same on both sides.
 */
public final class PoetAttribution {
    private PoetAttribution() {
    }

    /** A poem of the file: its author and its text. */
    public record Poem(String author, String text) {
    }

    public static LabelledSplit load(Path file, int topAuthors, long seed) throws IOException {
        if (topAuthors < 2) throw new IllegalArgumentException("--classes must be at least 2, got " + topAuthors);
        List<Poem> poems = parse(Files.readString(file, StandardCharsets.UTF_8));
        Map<String, List<Poem>> byAuthor = new LinkedHashMap<>();
        for (Poem p : poems) byAuthor.computeIfAbsent(p.author(), a -> new ArrayList<>()).add(p);
        if (byAuthor.size() < topAuthors) {
            throw new IllegalArgumentException(file + " has " + byAuthor.size() + " authors, fewer than --classes " + topAuthors);
        }
        // Most poems first; ties by name, so the classes do not depend on the file's order.
        List<String> labels = byAuthor.entrySet().stream()
                .sorted(Comparator.<Map.Entry<String, List<Poem>>>comparingInt(e -> -e.getValue().size())
                        .thenComparing(Map.Entry::getKey))
                .limit(topAuthors).map(Map.Entry::getKey).toList();
        Rng rng = new Rng(seed);
        List<Example> train = new ArrayList<>(), test = new ArrayList<>();
        for (int label = 0; label < labels.size(); label++) {
            List<Poem> own = new ArrayList<>(byAuthor.get(labels.get(label)));
            shuffle(own, rng);
            int nTrain = (int) Math.round(own.size() * 0.8);
            for (int i = 0; i < own.size(); i++) (i < nTrain ? train : test).add(new Example(own.get(i).text(), label));
        }
        shuffle(train, rng);
        shuffle(test, rng);
        return new LabelledSplit(labels, train, test);
    }

    /** The poems of a file; blocks with fewer than three lines (no text after the author) are skipped. */
    public static List<Poem> parse(String content) {
        List<Poem> poems = new ArrayList<>();
        List<String> block = new ArrayList<>();
        for (String line : (content + "\n\n").split("\\R", -1)) {
            String s = line.strip();
            if (!s.isEmpty()) {
                block.add(s);
            } else if (!block.isEmpty()) {
                if (block.size() >= 3) poems.add(new Poem(block.get(1), String.join("\n", block.subList(2, block.size()))));
                block.clear();
            }
        }
        return poems;
    }

    static <T> void shuffle(List<T> list, Rng rng) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }
}
