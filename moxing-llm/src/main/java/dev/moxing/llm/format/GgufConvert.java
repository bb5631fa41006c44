package dev.moxing.llm.format;

import dev.moxing.gguf.GgmlType;
import dev.moxing.gguf.GgufFile;
import dev.moxing.gguf.GgufFormatException;
import dev.moxing.gguf.GgufTensorInfo;
import dev.moxing.gguf.GgufValue;
import dev.moxing.kernels.quant.Dequantize;
import dev.moxing.llm.LanguageModel;
import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.tensor.DType;
import dev.moxing.tokenizer.Tokenizer;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code moxing convert}: any model Moxing reads — a llama2.c checkpoint, a Hugging Face or
 * Moxing directory (Llama family as {@link LlamaExport}, GPT-2 style as {@link Gpt2Export}), a
 * GGUF file (re-quantized), or {@code random:<shape>} (see {@link RandomLlama}) — written as a
 * GGUF file that llama.cpp and {@link GgufModel} load.
 *
 * <pre>{@code
 * GgufConvert.convert("stories260K.bin", Path.of("stories260K-q8_0.gguf"), GgufConvert.Options.of(GgmlType.Q8_0));
 * }</pre>
 */
public final class GgufConvert {
    private static final String RANDOM = "random:";

    private GgufConvert() {
    }

    /**
     * @param recipe      the tensors' types (see {@link QuantRecipe})
     * @param name        {@code general.name}; null: the input's file name (a GGUF input keeps its own)
     * @param vocab       where to take the tokenizer from (a GGUF file, a tokenizer.json…) instead of
     *                    beside the model; required for {@code random:} inputs
     * @param noTokenizer write no tokenizer metadata (the file then loads in {@link GgufModel}, not in llama.cpp)
     * @param seed        the random weights' seed ({@code random:} inputs)
     */
    public record Options(QuantRecipe recipe, String name, Path vocab, boolean noTokenizer, long seed) {
        /** Every matrix in {@code type} (see {@link QuantRecipe#of}). */
        public Options(GgmlType type, String name, Path vocab, boolean noTokenizer, long seed) {
            this(QuantRecipe.of(type), name, vocab, noTokenizer, seed);
        }

        public static Options of(GgmlType type) {
            return new Options(type, null, null, false, 1);
        }

        public static Options of(QuantRecipe recipe) {
            return new Options(recipe, null, null, false, 1);
        }

        public Options withVocab(Path vocab) {
            return new Options(recipe, name, vocab, noTokenizer, seed);
        }

        public Options withoutTokenizer() {
            return new Options(recipe, name, vocab, true, seed);
        }
    }

    public static GgufExport.Written convert(String input, Path output, Options o) throws IOException {
        Path dir = output.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new NoSuchFileException(output + ": the directory " + dir + " does not exist");
        if (Files.isDirectory(output)) throw new IOException(output + ": is a directory, not a file name");
        if (o.vocab() != null && o.noTokenizer()) throw new IllegalArgumentException("--vocab and --no-tokenizer contradict each other");
        return GgufExport.write(source(input, o), o.recipe(), output);
    }

    static GgufExport.Model source(String input, Options o) throws IOException {
        if (input.startsWith(RANDOM)) {
            RandomLlama shape = RandomLlama.named(input.substring(RANDOM.length()));
            if (o.vocab() == null) {
                throw new IllegalArgumentException(input + " needs --vocab FILE: a GGUF file or tokenizer.json with a "
                        + shape.vocab() + "-token vocabulary (e.g. llama.cpp's ggml-vocab-llama-spm.gguf)");
            }
            GgufExport.Model m = withVocab(o.vocab(), () -> shape.model(Tokenizer.load(o.vocab()), o.seed()));
            return o.name() == null ? m : renamed(m, o.name());
        }
        Path in = Path.of(input);
        ModelFiles.Kind kind = ModelFiles.kind(in);
        if (kind == ModelFiles.Kind.GGUF) {
            if (o.vocab() != null || o.noTokenizer()) {
                throw new IllegalArgumentException(in + ": --vocab and --no-tokenizer do not apply to a GGUF input, whose tokenizer is copied");
            }
            GgufExport.Model m = requantize(GgufFile.open(in));
            return o.name() == null ? m : renamed(m, o.name());
        }
        String name = o.name() != null ? o.name() : in.toAbsolutePath().normalize().getFileName().toString().replaceFirst("\\.bin$", "");
        try {
            if (o.noTokenizer()) return export(ModelFiles.load(in, 0), null, name);
            if (o.vocab() != null) {
                var model = ModelFiles.load(in, 0);
                return withVocab(o.vocab(), () -> export(model, Tokenizer.load(o.vocab()), name));
            }
            if (kind == ModelFiles.Kind.HUGGING_FACE && !Files.exists(in.resolve("tokenizer.json"))) {
                throw new NoSuchFileException(in + ": has no tokenizer.json; give --vocab FILE (a GGUF file or tokenizer.json "
                        + "with this model's vocabulary) or --no-tokenizer");
            }
            LanguageModel lm = LanguageModel.load(in);
            return export(lm.model(), lm.tokenizer(), name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(in + ": " + e.getMessage(), e);
        }
    }

    /** A model in the GGUF layout of its family: gpt2 for learned positions (GPT-2 style), else llama/qwen2. */
    static GgufExport.Model export(Transformer model, Tokenizer tokenizer, String name) {
        return model.config().positions() == TransformerConfig.Positions.LEARNED
                ? Gpt2Export.of(model, tokenizer, name) : LlamaExport.of(model, tokenizer, name);
    }

    /**
     * A GGUF file's tensors and metadata as they are, for writing in another type: each tensor is
     * dequantized to F32 row by row and quantized again (which loses precision when both types
     * are quantized, as with llama-quantize --allow-requantize; Q8_0 → Q8_0 and Q4_0 → Q4_0
     * reproduce the bytes). Architectures {@link GgufModel} cannot load are refused.
     */
    static GgufExport.Model requantize(GgufFile f) throws IOException {
        GgufModel.config(f, 0);
        List<GgufExport.Item> items = new ArrayList<>();
        Set<String> quantized = new TreeSet<>();
        for (GgufTensorInfo t : f.tensors().values()) {
            DType d = t.type().dtype();
            if (d == null || d == DType.I32 || d == DType.I8) {
                throw new GgufFormatException(f.path(), "tensor '" + t.name() + "' is " + t.type() + ", which Moxing cannot decode");
            }
            if (t.type().blockSize() > 1) quantized.add(t.type().name());
            MemorySegment data = f.data(t);
            int cols = t.shape()[t.shape().length - 1];
            long rowBytes = (long) cols / d.blockSize() * d.blockBytes();
            items.add(new GgufExport.Item(t.name(), t.shape(),
                    (first, count, dst, off) -> Dequantize.row(d, data, first * rowBytes, dst, off, count * cols)));
        }
        List<String> notes = quantized.isEmpty() ? List.of() : List.of("re-quantizing " + String.join(", ", quantized)
                + " tensors: they are dequantized and quantized again, which may lose precision (like llama-quantize --allow-requantize)");
        return new GgufExport.Model(f.metadata(), items, notes);
    }

    private static GgufExport.Model renamed(GgufExport.Model m, String name) {
        Map<String, GgufValue> meta = new LinkedHashMap<>(m.metadata());
        meta.put("general.name", GgufValue.of(name));
        return new GgufExport.Model(meta, m.tensors(), m.notes());
    }

    private interface ModelSource {
        GgufExport.Model get() throws IOException;
    }

    /** Names the vocabulary file in what goes wrong with it (not found, wrong size). */
    private static GgufExport.Model withVocab(Path vocab, ModelSource s) throws IOException {
        if (!Files.exists(vocab)) throw new NoSuchFileException(vocab + ": no such file (--vocab)");
        try {
            return s.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--vocab " + vocab + ": " + e.getMessage(), e);
        }
    }
}
