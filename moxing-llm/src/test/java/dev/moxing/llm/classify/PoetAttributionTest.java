package dev.moxing.llm.classify;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PoetAttributionTest {
    @TempDir
    Path tmp;

    /** Poems by author: A 10, B 5, C 5, D 1 (in an order that interleaves them). */
    private Path file() throws Exception {
        StringBuilder s = new StringBuilder();
        String[] authors = {"A", "B", "A", "C", "A", "B", "C", "A", "D", "A", "B", "C", "A", "C", "A", "B", "A", "C", "A", "B", "A"};
        for (int i = 0; i < authors.length; i++) {
            s.append("title ").append(i).append('\n').append(authors[i]).append('\n')
                    .append("line one of ").append(i).append("\nline two\n\n");
        }
        s.append("orphan title\nno text\n\n"); // no poem lines: skipped
        Path f = tmp.resolve("poems.txt");
        Files.writeString(f, s);
        return f;
    }

    @Test
    void labelsTheTopAuthorsAndSplitsEachEightyTwenty() throws Exception {
        LabelledSplit split = PoetAttribution.load(file(), 3, 1);
        assertThat(split.labels()).containsExactly("A", "B", "C"); // most poems first, ties by name
        assertThat(split.train()).hasSize(16);                     // 8 + 4 + 4
        assertThat(split.test()).hasSize(4);                       // 2 + 1 + 1
        assertThat(split.test().stream().filter(e -> e.label() == 0)).hasSize(2);
        assertThat(split.majorityBaseline()).isEqualTo(0.5);
        Example e = split.train().getFirst();
        assertThat(e.text()).startsWith("line one of ").endsWith("\nline two").doesNotContain("title");
        // Train and test are disjoint and together hold every poem of the chosen authors.
        List<String> all = new java.util.ArrayList<>(split.train().stream().map(Example::text).toList());
        all.addAll(split.test().stream().map(Example::text).toList());
        assertThat(all).doesNotHaveDuplicates().hasSize(20);
    }

    @Test
    void theSeedDecidesTheSplit() throws Exception {
        assertThat(PoetAttribution.load(file(), 3, 1)).isEqualTo(PoetAttribution.load(file(), 3, 1));
        assertThat(PoetAttribution.load(file(), 3, 1).test()).isNotEqualTo(PoetAttribution.load(file(), 3, 2).test());
    }

    @Test
    void moreClassesThanAuthorsIsRefused() {
        assertThatThrownBy(() -> PoetAttribution.load(file(), 5, 1)).hasMessageContaining("4 authors");
    }
}
