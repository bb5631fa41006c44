package dev.moxing.llm.format;

import dev.moxing.gguf.GgmlType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code moxing convert --type} names: the matrices' main type and which tensors get
 * another, following llama.cpp's {@code llama-quantize} (its {@code llama_tensor_get_type}, for
 * Llama-family models without experts):
 * <ul>
 *   <li>1-D tensors (norms, biases) stay F32;
 *   <li>the output matrix ({@code output.weight}, or {@code token_embd.weight} when the head is
 *       tied) is Q6_K in every quantized file except Q8_0 ones;
 *   <li>the "_M" mixtures (q4_k_m, q5_k_m) give Q6_K to {@code attn_v} and {@code ffn_down} in the
 *       layers {@link #useMoreBits} picks (the first and last eighth and every third between);
 *   <li>a matrix whose rows are not whole blocks of its type falls back as llama.cpp does: Q4_K to
 *       Q5_0, Q5_K to Q5_1, Q6_K to Q8_0, and to F16 when even those blocks do not fit (Moxing also
 *       falls back to F16 for the 32-value types, where llama.cpp refuses). Q2_K and Q3_K fall back
 *       to Q4_0, where llama.cpp uses IQ4_NL (4.5 bits per value too, with a non-uniform grid),
 *       a type Moxing does not write.
 * </ul>
 *
 * @param fileType llama.cpp's {@code llama_ftype} number ({@code general.file_type}); a plain K
 *                 type writes the number of its "_S" mixture, as {@code llama-quantize --pure} does
 */
public record QuantRecipe(String name, GgmlType type, boolean mixture, int fileType) {
    /** The recipes {@code --type} accepts, in the order the help lists them. */
    public static final List<QuantRecipe> ALL = List.of(
            new QuantRecipe("f32", GgmlType.F32, false, 0),
            new QuantRecipe("f16", GgmlType.F16, false, 1),
            new QuantRecipe("bf16", GgmlType.BF16, false, 32),
            new QuantRecipe("q8_0", GgmlType.Q8_0, false, 7),
            new QuantRecipe("q4_0", GgmlType.Q4_0, false, 2),
            new QuantRecipe("q4_1", GgmlType.Q4_1, false, 3),
            new QuantRecipe("q5_0", GgmlType.Q5_0, false, 8),
            new QuantRecipe("q5_1", GgmlType.Q5_1, false, 9),
            new QuantRecipe("q2_k", GgmlType.Q2_K, false, 10),
            new QuantRecipe("q3_k", GgmlType.Q3_K, false, 11),
            new QuantRecipe("q4_k", GgmlType.Q4_K, false, 14),
            new QuantRecipe("q5_k", GgmlType.Q5_K, false, 16),
            new QuantRecipe("q6_k", GgmlType.Q6_K, false, 18),
            new QuantRecipe("q4_k_m", GgmlType.Q4_K, true, 15),
            new QuantRecipe("q5_k_m", GgmlType.Q5_K, true, 17));

    /** {@code "q4_k_m"} → its recipe; throws naming the value and the choices. */
    public static QuantRecipe named(String name) {
        for (QuantRecipe r : ALL) if (r.name.equalsIgnoreCase(name)) return r;
        throw new IllegalArgumentException("--type '" + name + "' is not supported; choose one of "
                + String.join(", ", ALL.stream().map(QuantRecipe::name).toList()));
    }

    /** The plain recipe for {@code type} (every matrix in it, bar the output matrix's rule). */
    public static QuantRecipe of(GgmlType type) {
        for (QuantRecipe r : ALL) if (r.type == type && !r.mixture) return r;
        throw new IllegalArgumentException("Moxing cannot write " + type + " files; it writes "
                + String.join(", ", ALL.stream().map(QuantRecipe::name).toList()));
    }

    /** llama.cpp's layer choice for the "_M" mixtures. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    /**
     * Each tensor's type, in file order. Layers are counted as llama.cpp counts them: the i-th
     * {@code attn_v} (or {@code ffn_down}) tensor of the file is layer i of that many.
     */
    public Map<String, GgmlType> assign(List<GgufExport.Item> tensors, List<String> notes) {
        boolean tied = tensors.stream().noneMatch(t -> t.name().equals("output.weight"));
        int nV = count(tensors, "attn_v.weight"), nDown = count(tensors, "ffn_down");
        int iV = 0, iDown = 0;
        Map<String, GgmlType> types = new LinkedHashMap<>();
        List<String> fallbacks = new ArrayList<>();
        for (GgufExport.Item t : tensors) {
            String n = t.name();
            GgmlType chosen = type;
            if (t.shape().length < 2 || !n.endsWith(".weight") || n.equals("position_embd.weight")) {
                chosen = GgmlType.F32; // llama-quantize never quantizes norms, biases or learned positions
            } else if (n.equals("output.weight") || tied && n.equals("token_embd.weight")) {
                if (type.blockSize() > 1 && type != GgmlType.Q8_0) chosen = GgmlType.Q6_K;
            } else if (n.contains("attn_v.weight")) {
                if (mixture && useMoreBits(iV, nV)) chosen = GgmlType.Q6_K;
                iV++;
            } else if (n.contains("ffn_down")) {
                if (mixture && useMoreBits(iDown, nDown)) chosen = GgmlType.Q6_K;
                iDown++;
            } else if (n.contains("attn_qkv.weight") && mixture) {
                chosen = type == GgmlType.Q4_K ? GgmlType.Q5_K : GgmlType.Q6_K;
            }
            types.put(n, fitting(t, chosen, fallbacks));
        }
        notes.addAll(fallbacks);
        return types;
    }

    private static int count(List<GgufExport.Item> tensors, String part) {
        return (int) tensors.stream().filter(t -> t.shape().length >= 2 && t.name().endsWith(".weight") && t.name().contains(part)).count();
    }

    /** {@code chosen}, or llama.cpp's fallback when rows are not whole blocks of it. */
    private static GgmlType fitting(GgufExport.Item t, GgmlType chosen, List<String> notes) {
        int cols = t.rowLength();
        if (cols % chosen.blockSize() == 0) return chosen;
        GgmlType fallback = switch (chosen) {
            case Q2_K, Q3_K -> GgmlType.Q4_0;
            case Q4_K -> GgmlType.Q5_0;
            case Q5_K -> GgmlType.Q5_1;
            case Q6_K -> GgmlType.Q8_0;
            default -> GgmlType.F16;
        };
        if (cols % fallback.blockSize() != 0) fallback = GgmlType.F16;
        boolean likeLlamaCpp = chosen != GgmlType.Q2_K && chosen != GgmlType.Q3_K || fallback == GgmlType.F16;
        notes.add(String.format(Locale.ROOT, "%s: %s, rows of %d are not whole %s blocks of %d (%s)",
                t.name(), fallback, cols, chosen, chosen.blockSize(),
                likeLlamaCpp ? "llama.cpp falls back likewise" : "llama.cpp would use IQ4_NL"));
        return fallback;
    }
}
