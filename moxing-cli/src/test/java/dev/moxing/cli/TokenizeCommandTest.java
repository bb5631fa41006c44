package dev.moxing.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code moxing tokenize} on the vocabularies vendored in moxing-llm's test resources. */
class TokenizeCommandTest {

    static final Path VOCABS = Path.of("..", "moxing-llm", "src", "test", "resources", "tokenizer");

    @TempDir
    Path tmp;

    static String[] run(String... args) {
        return CliRun.run(args);
    }

    static String gguf(String vocab) {
        return VOCABS.resolve("llama.cpp-vocab/ggml-vocab-" + vocab + ".gguf").toString();
    }

    @Test
    void idsOfAGgufVocabulary() {
        String[] r = run("tokenize", "--model", gguf("llama-spm"), "--text", "Hello world", "--ids");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).isEqualTo("15043 3186" + System.lineSeparator());
        String[] b = run("tokenize", "--model", gguf("llama-spm"), "--text", "Hello world", "--ids", "--bos");
        assertThat(b[1].strip()).isEqualTo("1 15043 3186");
    }

    @Test
    void piecesAreReadable() throws IOException {
        String[] r = run("tokenize", "--model", gguf("llama-spm"), "--text", "Hi\n🦙");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1].lines().toList()).contains("13\t<0x0A>", "243\t<0xF0>");
        assertThat(r[1].lines().findFirst().orElseThrow()).isEqualTo("6324\t Hi");
        String[] g = run("tokenize", "--model", gguf("gpt-2"), "--text", "Hello world\n");
        assertThat(g[1].lines().toList()).containsExactly("15496\tHello", "995\t world", "198\t\\n");
        Path file = tmp.resolve("in.txt");
        Files.writeString(file, "Hello, world!");
        String[] f = run("tokenize", "--model", gguf("bert-bge"), "--file", file.toString(), "--ids");
        assertThat(f[1].strip()).isEqualTo("7592 1010 2088 999");
        String[] h = run("tokenize", "--model", VOCABS.resolve("hf/llama2-tiny").toString(), "--text", "ab", "--ids");
        assertThat(h[0]).as(h[2]).isEqualTo("0");
        assertThat(h[1].strip()).isEqualTo("269");
    }

    @Test
    void errorsNameTheFile() throws IOException {
        String[] missing = run("tokenize", "--model", tmp.resolve("nowhere.gguf").toString(), "--text", "x");
        assertThat(missing[0]).isEqualTo("1");
        assertThat(missing[2]).startsWith("moxing: ").contains("nowhere.gguf").doesNotContain("\tat ");

        Path junk = Files.writeString(tmp.resolve("junk.bin"), "not a model");
        String[] notGguf = run("tokenize", "--model", junk.toString(), "--text", "x");
        assertThat(notGguf[0]).isEqualTo("1");
        assertThat(notGguf[2]).startsWith("moxing: ").contains("junk.bin");

        // a valid GGUF v3 header with no metadata and no tensors: no tokenizer in it
        byte[] empty = {'G', 'G', 'U', 'F', 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        Path bare = Files.write(tmp.resolve("bare.gguf"), empty);
        String[] noTok = run("tokenize", "--model", bare.toString(), "--text", "x");
        assertThat(noTok[0]).isEqualTo("1");
        assertThat(noTok[2]).startsWith("moxing: ").contains("bare.gguf").contains("no tokenizer");

        String[] noInput = run("tokenize", "--model", gguf("gpt-2"));
        assertThat(noInput[0]).isNotEqualTo("0");
        assertThat(noInput[2]).contains("--text").contains("--file");

        String[] missingInput = run("tokenize", "--model", gguf("gpt-2"), "--file", tmp.resolve("none.txt").toString());
        assertThat(missingInput[0]).isEqualTo("1");
        assertThat(missingInput[2]).startsWith("moxing: ").contains("none.txt");
    }
}
