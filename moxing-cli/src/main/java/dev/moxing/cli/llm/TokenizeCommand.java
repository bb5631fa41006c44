package dev.moxing.cli.llm;

import dev.moxing.tokenizer.Tokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code moxing tokenize}: shows how a model's tokenizer splits a text. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Split text into tokens with a model's tokenizer.",
                "Prints one line per token, id<TAB>piece (spaces shown as they decode, other control "
                        + "characters escaped, single bytes as <0xNN>), or the ids alone with --ids."})
public final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "FILE", required = true,
            description = "A GGUF file, a Hugging Face tokenizer.json (or the directory holding it), or a Moxing tokenizer file.")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--text", paramLabel = "TEXT", description = "The text to tokenize.")
        String text;
        @Option(names = "--file", paramLabel = "FILE", description = "A UTF-8 file whose text to tokenize.")
        Path file;
    }

    @Option(names = "--ids", description = "Print only the ids, separated by spaces.")
    boolean idsOnly;
    @Option(names = "--bos", description = "Put the beginning-of-sequence token first, as a prompt would have it.")
    boolean bos;

    @Override
    public Integer call() throws Exception {
        if (!Files.exists(model)) throw new NoSuchFileException(model + ": no such file or directory");
        Tokenizer t = Tokenizer.load(model);
        String text;
        if (input.text != null) {
            text = input.text;
        } else {
            if (!Files.isRegularFile(input.file)) throw new NoSuchFileException(input.file + ": no such file");
            text = Files.readString(input.file, StandardCharsets.UTF_8);
        }
        int[] ids = t.encode(text);
        if (bos) {
            int b = t.bosId().orElseThrow(() -> new IllegalArgumentException(model + ": --bos, but the tokenizer has no beginning-of-sequence token"));
            int[] with = new int[ids.length + 1];
            with[0] = b;
            System.arraycopy(ids, 0, with, 1, ids.length);
            ids = with;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (idsOnly) {
            out.println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
        } else {
            for (int id : ids) out.println(id + "\t" + piece(t, id));
        }
        out.flush();
        return 0;
    }

    /** A token made readable: its text, control characters escaped; a lone byte or a broken character as <0xNN>. */
    static String piece(Tokenizer t, int id) {
        String raw = t.tokenText(id);
        if (raw.matches("<0x[0-9A-Fa-f]{2}>")) return raw;
        byte[] bytes = t.tokenBytes(id);
        if (bytes.length == 0) return raw; // a control token: show its name
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            StringBuilder sb = new StringBuilder();
            for (byte b : bytes) sb.append(String.format("<0x%02X>", b & 0xFF));
            return sb.toString();
        }
        StringBuilder sb = new StringBuilder();
        text.codePoints().forEach(cp -> {
            switch (cp) {
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (Character.isISOControl(cp)) sb.append(String.format("\\x%02x", cp));
                    else sb.appendCodePoint(cp);
                }
            }
        });
        return sb.toString();
    }
}
