package dev.moxing.gguf;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The committed fuzzing corpus (src/test/resources/gguf-corpus, see its README): seeds open,
 * header prefixes and saved failure inputs fail cleanly. {@code -Dgguf.corpus.write=true}
 * regenerates the seeds (run from the module directory).
 */
class GgufCorpusTest {
    static final String DIR = "gguf-corpus";

    static List<Path> corpus() {
        try {
            Path dir = Path.of(GgufCorpusTest.class.getResource("/" + DIR).toURI());
            try (var files = Files.list(dir)) {
                return files.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void seedsOpenAndEveryTensorIsReadable() throws IOException {
        List<Path> seeds = corpus().stream().filter(p -> p.getFileName().toString().startsWith("seed-")).toList();
        assertThat(seeds).hasSizeGreaterThanOrEqualTo(4);
        for (Path p : seeds) {
            GgufFile f = GgufFile.open(p);
            for (GgufTensorInfo t : f.tensors().values()) assertThat(f.data(t).byteSize()).isEqualTo(t.byteSize());
        }
    }

    @Test
    void prefixesAndSavedFailuresFailCleanly() {
        for (Path p : corpus()) {
            String name = p.getFileName().toString();
            if (name.startsWith("prefix-") || name.startsWith("crash-")) {
                assertThatThrownBy(() -> GgufFile.open(p)).as(name).isExactlyInstanceOf(GgufFormatException.class)
                        .hasMessageStartingWith(p + ": ");
            }
        }
    }

    @Test
    void regenerateSeeds() throws IOException {
        assumeTrue(Boolean.getBoolean("gguf.corpus.write"), "set -Dgguf.corpus.write=true to regenerate the corpus seeds");
        Path dir = Path.of("src", "test", "resources", DIR);
        Files.createDirectories(dir);
        GgufSamples.everyValueType().write(dir.resolve("seed-every-value-type.gguf"));
        GgufSamples.tinyModel(1).write(dir.resolve("seed-tiny-model.gguf"));

        GgufWriter a = new GgufWriter();
        a.put("general.architecture", GgufValue.of("test"));
        a.put("general.alignment", GgufValue.ofUint32(64));
        Random r = new Random(2);
        a.addTensor("four_d", GgmlType.F32, new int[] {1, 2, 1, 3}, GgufSamples.random(r, 24));
        a.addTensor("q4k", GgmlType.Q4_K, new int[] {1, 256}, GgufSamples.random(r, 144));
        a.addTensor("q4_0", GgmlType.Q4_0, new int[] {2, 32}, GgufSamples.random(r, 36));
        a.addTensor("ids", GgmlType.I32, new int[] {5}, GgufSamples.random(r, 20));
        a.write(dir.resolve("seed-align64.gguf"));

        // Real files: shortened to a few KB but with their real keys, types and tensor names.
        for (String rel : new String[] {"stories260K/stories260K.gguf", "llama.cpp-vocab/ggml-vocab-gpt-2.gguf"}) {
            Path real = SharedGgufFilesTest.shared(rel);
            String base = real.getFileName().toString().replace(".gguf", "");
            GgufFile f = GgufFile.open(real);
            GgufWriter w = new GgufWriter();
            f.metadata().forEach((k, v) -> w.put(k, shorten(v)));
            for (GgufTensorInfo t : f.tensors().values()) {
                if (t.byteSize() <= 256) w.addTensor(t.name(), t.type(), t.shape(), f.data(t));
            }
            w.write(dir.resolve("seed-" + base + "-shrunk.gguf"));
            Files.write(dir.resolve("prefix-" + base + ".gguf"), Arrays.copyOf(Files.readAllBytes(real), 4096));
        }
    }

    /** Arrays cut to their first 16 elements (vocabularies are most of a header's bytes). */
    private static GgufValue shorten(GgufValue v) {
        if (v.type() != GgufValue.Type.ARRAY || v.length() <= 16) return v;
        Object a = switch (v.value()) {
            case int[] x -> Arrays.copyOf(x, 16);
            case long[] x -> Arrays.copyOf(x, 16);
            case float[] x -> Arrays.copyOf(x, 16);
            case double[] x -> Arrays.copyOf(x, 16);
            case boolean[] x -> Arrays.copyOf(x, 16);
            case String[] x -> Arrays.copyOf(x, 16);
            case GgufValue[] x -> Arrays.copyOf(x, 16);
            default -> throw new IllegalStateException();
        };
        return GgufValue.ofArray(v.elementType(), a);
    }
}
