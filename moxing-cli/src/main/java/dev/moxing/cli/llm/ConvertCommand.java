package dev.moxing.cli.llm;

import dev.moxing.gguf.GgmlType;
import dev.moxing.llm.format.GgufConvert;
import dev.moxing.llm.format.GgufExport;
import dev.moxing.llm.format.QuantRecipe;
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
                        + "a GGUF file (re-quantized), or random:stories15M / random:stories110M / random:tinyllama-1.1B "
                        + "(random weights, for benchmarks; needs --vocab).",
                "Types follow llama.cpp's llama-quantize: norms, biases and learned positions stay F32; in quantized files (bar q8_0) the output "
                        + "matrix is Q6_K; q4_k_m/q5_k_m give Q6_K to attn_v and ffn_down in some layers; matrices whose rows are "
                        + "not whole blocks fall back (Q2_K and Q3_K to Q4_0, Q4_K to Q5_0, Q5_K to Q5_1, Q6_K to Q8_0, else F16)."})
public final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "The model to convert.")
    String input;
    @Parameters(index = "1", paramLabel = "OUT", description = "The GGUF file to write (replaced atomically if it exists).")
    Path output;

    // A String, not an enum: a bad value must be a "moxing: ..." error (exit 1), not a usage error.
    @Option(names = "--type", paramLabel = "TYPE", description = "f32 (default), f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q2_k, q3_k, q4_k, q5_k, q6_k, "
            + "q4_k_m or q5_k_m (llama.cpp's Q4_K_M / Q5_K_M mixtures).")
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
        QuantRecipe t = QuantRecipe.named(type);
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
