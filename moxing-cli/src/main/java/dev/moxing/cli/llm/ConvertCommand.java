package dev.moxing.cli.llm;

import dev.moxing.gguf.GgmlType;
import dev.moxing.llm.format.GgufConvert;
import dev.moxing.llm.format.GgufExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code moxing convert IN OUT}: writes a model as a GGUF file (see {@link GgufConvert}). */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a model as a GGUF file that llama.cpp and Moxing load, quantizing its matrices.",
                "IN: a llama2.c .bin (tokenizer.bin or tok<vocab>.bin beside it), a Hugging Face or Moxing model directory "
                        + "(Llama family → GGUF llama/qwen2; GPT-2 style, e.g. from moxing train gpt → GGUF gpt2), "
                        + "a GGUF file (re-quantized), or random:stories15M / random:stories110M "
                        + "(random weights, for benchmarks; needs --vocab).",
                "Norms, biases and learned positions stay F32; with 4/5-bit types the output matrix is Q8_0 (llama.cpp: Q6_K); "
                        + "matrices whose rows are not whole blocks are F16."})
public final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "The model to convert.")
    String input;
    @Parameters(index = "1", paramLabel = "OUT", description = "The GGUF file to write (replaced atomically if it exists).")
    Path output;

    // A String, not an enum: a bad value must be a "moxing: ..." error (exit 1), not a usage error.
    @Option(names = "--type", paramLabel = "TYPE", description = "f32 (default), f16, bf16, q8_0, q4_0, q4_1, q5_0 or q5_1.")
    String type = "f32";
    @Option(names = "--name", description = "general.name (default: the input's file name; a GGUF input keeps its own).")
    String name;
    @Option(names = "--vocab", paramLabel = "FILE",
            description = "Take the tokenizer from FILE (a GGUF file, tokenizer.json, …) instead of beside the model; required for random:.")
    Path vocab;
    @Option(names = "--no-tokenizer", description = "Write no tokenizer metadata (Moxing loads the file, llama.cpp's tools do not).")
    boolean noTokenizer;
    @Option(names = "--seed", description = "Seed of random: weights (default 1).")
    long seed = 1;

    @Override
    public Integer call() throws Exception {
        GgmlType t = GgufExport.type(type);
        long start = System.nanoTime();
        GgufExport.Written w = GgufConvert.convert(input, output, new GgufConvert.Options(t, name, vocab, noTokenizer, seed));
        PrintWriter out = spec.commandLine().getOut();
        for (String note : w.notes()) out.println("note: " + note);
        Map<GgmlType, Integer> count = new TreeMap<>();
        w.types().values().forEach(x -> count.merge(x, 1, Integer::sum));
        out.printf(Locale.ROOT, "wrote %s: %,d bytes, %d tensors %s, in %.1f s%n", output, Files.size(output), w.types().size(),
                count, (System.nanoTime() - start) / 1e9);
        out.flush();
        return 0;
    }
}
