package dev.moxing.cli;

import dev.moxing.gguf.GgufFile;
import dev.moxing.gguf.GgufTensorInfo;
import dev.moxing.gguf.GgufValue;
import dev.moxing.nn.io.SafeTensors;
import dev.moxing.nn.io.SafeTensorsHeader;
import dev.moxing.tensor.Shape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code moxing inspect FILE}: what a GGUF or safetensors file holds — header, hyper-parameters,
 * metadata, tokenizer and tensor table — read from the header only (tensor data is not touched).
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Show what a model file holds: a GGUF file (llama.cpp) or a .safetensors file.",
                "Prints the header, hyper-parameters, metadata (vocabularies summarised), tokenizer and tensor table."})
final class InspectCommand implements Callable<Integer> {
    /** Arrays longer than this under tokenizer.* (vocabularies, scores, merges) are shown by length only. */
    private static final int SHOWN_TOKENIZER_ARRAY = 16;

    @Parameters(paramLabel = "FILE", description = "A .gguf or .safetensors file.")
    Path file;

    private PrintStream out;

    @Override
    public Integer call() throws Exception {
        out = System.out;
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no such file");
        if (file.getFileName().toString().endsWith(".safetensors")) safetensors();
        else gguf(GgufFile.open(file));
        return 0;
    }

    // ---------------------------------------------------------------- GGUF

    private void gguf(GgufFile f) {
        out.println("file:       " + f.path());
        out.println("format:     GGUF v" + f.version());
        out.println("size:       " + bytes(f.fileSize()));
        out.println("alignment:  " + f.alignment() + " (data section at byte " + f.dataStart() + ")");

        Map<String, GgufValue> meta = f.metadata();
        String arch = meta.get("general.architecture") instanceof GgufValue v && v.value() instanceof String s ? s : null;
        Map<String, GgufValue> hyper = new LinkedHashMap<>(), rest = new LinkedHashMap<>();
        meta.forEach((k, v) -> (k.startsWith("general.") || arch != null && k.startsWith(arch + ".") ? hyper : rest).put(k, v));
        out.println();
        out.println("architecture: " + (arch == null ? "(none: no general.architecture)" : arch));
        metadataTable(hyper);
        out.println();
        out.println("metadata (" + rest.size() + " more keys):");
        metadataTable(rest);
        tokenizer(meta);

        out.println();
        out.println("tensors (" + f.tensors().size() + "):");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"name", "type", "shape", "bytes"});
        long params = 0, total = 0;
        Map<String, long[]> perType = new TreeMap<>(); // type → {tensors, elements, bytes}
        for (GgufTensorInfo t : f.tensors().values()) {
            rows.add(new String[] {t.name(), t.type().name(), Shape.str(t.shape()), Long.toString(t.byteSize())});
            params += t.elements();
            total += t.byteSize();
            long[] c = perType.computeIfAbsent(t.type().name(), k -> new long[3]);
            c[0]++;
            c[1] += t.elements();
            c[2] += t.byteSize();
        }
        table(rows, 3);
        totals(params, total, perType);
    }

    private void metadataTable(Map<String, GgufValue> meta) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"key", "type", "value"});
        meta.forEach((k, v) -> rows.add(new String[] {k, typeName(v), shown(k, v)}));
        if (rows.size() > 1) table(rows, -1);
    }

    private static String typeName(GgufValue v) {
        return v.type() == GgufValue.Type.ARRAY ? "array<" + v.elementType().name().toLowerCase(Locale.ROOT) + ">"
                : v.type().name().toLowerCase(Locale.ROOT);
    }

    private static String shown(String key, GgufValue v) {
        if (v.type() == GgufValue.Type.ARRAY && key.startsWith("tokenizer.") && v.length() > SHOWN_TOKENIZER_ARRAY) {
            return v.length() + " elements (not shown)";
        }
        if (v.type() == GgufValue.Type.UINT64) return Long.toUnsignedString((Long) v.value());
        return v.describe();
    }

    private void tokenizer(Map<String, GgufValue> meta) {
        if (meta.keySet().stream().noneMatch(k -> k.startsWith("tokenizer."))) return;
        out.println();
        out.println("tokenizer:");
        out.println("  model:       " + scalar(meta, "tokenizer.ggml.model"));
        if (meta.containsKey("tokenizer.ggml.pre")) out.println("  pre:         " + scalar(meta, "tokenizer.ggml.pre"));
        GgufValue tokens = meta.get("tokenizer.ggml.tokens");
        out.println("  vocab size:  " + (tokens != null && tokens.type() == GgufValue.Type.ARRAY ? tokens.length() : "?"));
        GgufValue merges = meta.get("tokenizer.ggml.merges");
        if (merges != null && merges.type() == GgufValue.Type.ARRAY) out.println("  merges:      " + merges.length());
        out.println("  bos id:      " + scalar(meta, "tokenizer.ggml.bos_token_id"));
        out.println("  eos id:      " + scalar(meta, "tokenizer.ggml.eos_token_id"));
        if (meta.get("tokenizer.chat_template") instanceof GgufValue t && t.value() instanceof String template) {
            out.println("  chat template:");
            for (String line : template.split("\n", -1)) out.println("    " + line);
        }
    }

    private static String scalar(Map<String, GgufValue> meta, String key) {
        GgufValue v = meta.get(key);
        if (v == null) return "(none)";
        return v.value() instanceof String s ? s : v.describe();
    }

    // ---------------------------------------------------------------- safetensors

    private void safetensors() throws IOException {
        SafeTensorsHeader h = SafeTensors.readHeader(file);
        out.println("file:       " + file);
        out.println("format:     safetensors");
        out.println("size:       " + bytes(Files.size(file)));
        out.println("header:     " + h.dataStart() + " bytes (data section at byte " + h.dataStart() + ")");
        if (!h.metadata().isEmpty()) {
            out.println();
            out.println("metadata (" + h.metadata().size() + " keys):");
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"key", "value"});
            h.metadata().forEach((k, v) -> rows.add(new String[] {k, v.length() > 80 ? v.substring(0, 80) + "…" : v}));
            table(rows, -1);
        }
        out.println();
        out.println("tensors (" + h.tensors().size() + "):");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"name", "dtype", "shape", "bytes"});
        long params = 0, total = 0;
        Map<String, long[]> perType = new TreeMap<>();
        for (SafeTensorsHeader.Entry e : h.tensors()) {
            rows.add(new String[] {e.name(), e.dtype().name(), Shape.str(e.shape()), Long.toString(e.byteSize())});
            long n = 1;
            for (int d : e.shape()) n *= d;
            params += n;
            total += e.byteSize();
            long[] c = perType.computeIfAbsent(e.dtype().name(), k -> new long[3]);
            c[0]++;
            c[1] += n;
            c[2] += e.byteSize();
        }
        table(rows, 3);
        totals(params, total, perType);
    }

    // ---------------------------------------------------------------- formatting

    private void totals(long params, long total, Map<String, long[]> perType) {
        out.println();
        out.printf(Locale.ROOT, "total: %,d parameters, %s of tensor data%n", params, bytes(total));
        perType.forEach((type, c) -> out.printf(Locale.ROOT, "  %-8s %,6d tensors  %,15d parameters  %s%n", type, c[0], c[1], bytes(c[2])));
    }

    /** Columns padded to their widest cell; {@code rightColumn} (or -1) is right-aligned (numbers). */
    private void table(List<String[]> rows, int rightColumn) {
        int[] w = new int[rows.getFirst().length];
        for (String[] r : rows) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], r[i].length());
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder(" ");
            for (int i = 0; i < r.length; i++) {
                sb.append(' ');
                boolean last = i == r.length - 1;
                String cell = i == rightColumn ? " ".repeat(w[i] - r[i].length()) + r[i]
                        : last ? r[i] : r[i] + " ".repeat(w[i] - r[i].length());
                sb.append(cell).append(last ? "" : " ");
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    private static String bytes(long n) {
        if (n < 1024) return n + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%,d bytes (%.1f %s)", n, v, units[u]);
    }
}
