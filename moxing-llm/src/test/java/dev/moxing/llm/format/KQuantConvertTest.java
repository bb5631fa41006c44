package dev.moxing.llm.format;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moxing.gguf.GgmlType;
import dev.moxing.gguf.GgufFile;
import dev.moxing.gguf.GgufTensorInfo;
import dev.moxing.kernels.quant.Quantize;
import dev.moxing.llm.LanguageModel;
import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code moxing convert --type q4_k|q5_k|q6_k|q4_k_m|q5_k_m}: llama.cpp's per-tensor choices, and
 * models that still compute what the F32 one does.
 */
class KQuantConvertTest {
    @TempDir
    static Path tmp;

    private static GgufExport.Item item(String name, int... shape) {
        return new GgufExport.Item(name, shape, (first, count, dst, off) -> { });
    }

    /** A Llama layout of {@code layers} blocks, width {@code dim}, hidden {@code hidden}; untied head. */
    private static List<GgufExport.Item> layout(int layers, int dim, int hidden) {
        List<GgufExport.Item> items = new ArrayList<>(List.of(item("token_embd.weight", 1000, dim)));
        for (int l = 0; l < layers; l++) {
            String b = "blk." + l + ".";
            items.add(item(b + "attn_norm.weight", dim));
            for (String m : new String[] {"attn_q", "attn_k", "attn_v", "attn_output"}) items.add(item(b + m + ".weight", dim, dim));
            items.add(item(b + "ffn_gate.weight", hidden, dim));
            items.add(item(b + "ffn_up.weight", hidden, dim));
            items.add(item(b + "ffn_down.weight", dim, hidden));
        }
        items.add(item("output_norm.weight", dim));
        items.add(item("output.weight", 1000, dim));
        return items;
    }

    @Test
    void q4KmIsLlamaCppsMixture() {
        List<String> notes = new ArrayList<>();
        Map<String, GgmlType> t = QuantRecipe.named("q4_k_m").assign(layout(8, 256, 768), notes);
        // use_more_bits(i, 8): the first eighth (0), the last eighth (7), and (i - 1) % 3 == 2 (3, 6)
        for (int l = 0; l < 8; l++) {
            GgmlType more = l == 0 || l == 3 || l == 6 || l == 7 ? GgmlType.Q6_K : GgmlType.Q4_K;
            assertThat(t.get("blk." + l + ".attn_v.weight")).as("layer %d attn_v", l).isEqualTo(more);
            assertThat(t.get("blk." + l + ".ffn_down.weight")).as("layer %d ffn_down", l).isEqualTo(more);
            assertThat(t.get("blk." + l + ".attn_q.weight")).isEqualTo(GgmlType.Q4_K);
            assertThat(t.get("blk." + l + ".ffn_up.weight")).isEqualTo(GgmlType.Q4_K);
            assertThat(t.get("blk." + l + ".attn_norm.weight")).isEqualTo(GgmlType.F32);
        }
        assertThat(t.get("output.weight")).isEqualTo(GgmlType.Q6_K);
        assertThat(t.get("token_embd.weight")).isEqualTo(GgmlType.Q4_K);
        assertThat(notes).isEmpty();
        assertThat(QuantRecipe.named("q4_k_m").fileType()).isEqualTo(15);
        assertThat(QuantRecipe.named("q5_k_m").fileType()).isEqualTo(17);

        // 32 layers (a 7B Llama): 0-3 and 28-31, then 6, 9, ..., 27
        List<Integer> chosen = new ArrayList<>();
        for (int l = 0; l < 32; l++) if (QuantRecipe.useMoreBits(l, 32)) chosen.add(l);
        assertThat(chosen).containsExactly(0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31);
    }

    @Test
    void rowsThatAreNotWholeSuperBlocksFallBackAsLlamaCppDoes() {
        List<String> notes = new ArrayList<>();
        // stories15M's shape: width 288 (not a multiple of 256, a multiple of 32), hidden 768
        Map<String, GgmlType> m = QuantRecipe.named("q4_k_m").assign(layout(6, 288, 768), notes);
        assertThat(m.get("blk.1.attn_q.weight")).isEqualTo(GgmlType.Q5_0);     // Q4_K → Q5_0
        // use_more_bits(i, 6) picks layers 2 and 5 (6/8 == 0, so no "first eighth")
        assertThat(m.get("blk.2.attn_v.weight")).isEqualTo(GgmlType.Q8_0);     // Q6_K → Q8_0
        assertThat(m.get("blk.0.attn_v.weight")).isEqualTo(GgmlType.Q5_0);
        assertThat(m.get("blk.1.ffn_down.weight")).isEqualTo(GgmlType.Q4_K);   // rows of 768: fine
        assertThat(m.get("blk.2.ffn_down.weight")).isEqualTo(GgmlType.Q6_K);
        assertThat(m.get("output.weight")).isEqualTo(GgmlType.Q8_0);
        assertThat(notes).anyMatch(n -> n.startsWith("blk.1.attn_q.weight: Q5_0, rows of 288"));
        Map<String, GgmlType> q5 = QuantRecipe.named("q5_k").assign(layout(2, 288, 768), new ArrayList<>());
        assertThat(q5.get("blk.0.attn_q.weight")).isEqualTo(GgmlType.Q5_1);     // Q5_K → Q5_1
        assertThat(q5.get("blk.0.ffn_down.weight")).isEqualTo(GgmlType.Q5_K);
        // rows of 172 are not even 32-value blocks: F16
        Map<String, GgmlType> odd = QuantRecipe.named("q6_k").assign(layout(2, 64, 172), new ArrayList<>());
        assertThat(odd.get("blk.0.ffn_down.weight")).isEqualTo(GgmlType.F16);
        assertThat(odd.get("blk.0.attn_q.weight")).isEqualTo(GgmlType.Q8_0);
    }

    @Test
    void q2kAndQ3kFallBackToQ4_0WhereLlamaCppWritesIq4Nl() {
        for (String name : new String[] {"q2_k", "q3_k"}) {
            List<String> notes = new ArrayList<>();
            QuantRecipe r = QuantRecipe.named(name);
            Map<String, GgmlType> m = r.assign(layout(2, 288, 768), notes);
            assertThat(m.get("blk.0.attn_q.weight")).as(name).isEqualTo(GgmlType.Q4_0);     // rows of 288
            assertThat(m.get("blk.0.ffn_down.weight")).as(name).isEqualTo(r.type());       // rows of 768
            assertThat(m.get("output.weight")).as(name).isEqualTo(GgmlType.Q8_0);          // Q6_K → Q8_0
            assertThat(notes).anyMatch(n -> n.startsWith("blk.0.attn_q.weight: Q4_0, rows of 288") && n.contains("IQ4_NL"));
            assertThat(notes).anyMatch(n -> n.startsWith("output.weight: Q8_0") && n.contains("falls back likewise"));
        }
        assertThat(QuantRecipe.named("q2_k").fileType()).isEqualTo(10);
        assertThat(QuantRecipe.named("q3_k").fileType()).isEqualTo(11);
    }

    /** q2_k and q3_k files hold Quantize.row's bytes, load, and compute near the F32 model (Q2_K less near). */
    @Test
    void wideModelInQ2kAndQ3kLoadsAndComputes() throws Exception {
        TransformerConfig c = TransformerConfig.llama(256, 32, 8, 4, 2, 256, 512, 1e-5f, 10000f, false)
                .withAttention(false, TransformerConfig.RotaryPairs.ADJACENT);
        Transformer model = new Transformer(c, new Rng(5));
        Path f32 = tmp.resolve("wide2-f32.gguf");
        GgufExport.write(LlamaExport.of(model, null, "wide"), GgmlType.F32, f32);
        GgufFile source = GgufFile.open(f32);
        Transformer reference = GgufModel.load(source, 0);
        double[] err = new double[2];
        String[] names = {"q2_k", "q3_k"};
        for (int i = 0; i < 2; i++) {
            Path q = tmp.resolve("wide2-" + names[i] + ".gguf");
            GgufExport.Written w = GgufExport.write(LlamaExport.of(model, null, "wide"), QuantRecipe.named(names[i]), q);
            assertThat(w.notes()).isEmpty();
            GgufFile quantized = GgufFile.open(q);
            GgufTensorInfo t = quantized.tensors().get("blk.0.ffn_up.weight");
            assertThat(t.type()).isEqualTo(QuantRecipe.named(names[i]).type());
            assertStoredAsQuantizeRow(source, quantized, t);
            err[i] = logitError(reference, GgufModel.load(quantized, 0));
        }
        System.out.printf(Locale.ROOT, "random 256-wide Llama, logits vs F32: relative RMS error q2_k %.4f, q3_k %.4f%n", err[0], err[1]);
        assertThat(err[1]).isLessThan(err[0]);
        assertThat(err[0]).isLessThan(1.0);
    }

    /**
     * A random Llama 256 wide (every matrix is whole Q4_K super-blocks): q4_k_m's tensors are
     * Quantize.row of the F32 file's, it loads, and its logits are closer to the F32 model's than
     * Q4_0's (a random model's logits are small and every layer adds error: measured relative RMS
     * 0.18 for q4_k_m; the point is the comparison).
     */
    @Test
    void wideModelInQ4KmComputesNearlyWhatF32Does() throws Exception {
        TransformerConfig c = TransformerConfig.llama(256, 32, 8, 4, 2, 256, 512, 1e-5f, 10000f, false)
                .withAttention(false, TransformerConfig.RotaryPairs.ADJACENT);
        Transformer model = new Transformer(c, new Rng(3));
        Path f32 = tmp.resolve("wide-f32.gguf"), q = tmp.resolve("wide-q4_k_m.gguf");
        GgufExport.write(LlamaExport.of(model, null, "wide"), GgmlType.F32, f32);
        GgufExport.Written w = GgufExport.write(LlamaExport.of(model, null, "wide"), QuantRecipe.named("q4_k_m"), q);
        assertThat(w.notes()).isEmpty();
        GgufFile source = GgufFile.open(f32), quantized = GgufFile.open(q);
        assertThat(quantized.integer("general.file_type")).isEqualTo(15);
        Map<GgmlType, Integer> count = new TreeMap<>();
        for (GgufTensorInfo t : quantized.tensors().values()) {
            count.merge(t.type(), 1, Integer::sum);
            assertStoredAsQuantizeRow(source, quantized, t);
        }
        // 8 layers x 7 matrices + embeddings; Q6_K: attn_v and ffn_down of layers 0, 3, 6, 7, and the output matrix
        assertThat(count).containsEntry(GgmlType.Q6_K, 9).containsEntry(GgmlType.Q4_K, 8 * 7 + 1 - 8).containsEntry(GgmlType.F32, 17);

        Path q40 = tmp.resolve("wide-q4_0.gguf");
        GgufExport.write(LlamaExport.of(model, null, "wide"), GgmlType.Q4_0, q40);
        Transformer reference = GgufModel.load(source, 0);
        double kErr = logitError(reference, GgufModel.load(quantized, 0));
        double q40Err = logitError(reference, GgufModel.load(GgufFile.open(q40), 0));
        System.out.printf(Locale.ROOT, "random 256-wide Llama, logits vs F32: relative RMS error q4_k_m %.4f, q4_0 %.4f%n", kErr, q40Err);
        assertThat(kErr).isLessThan(0.8 * q40Err);
    }

    /** The quantized file's tensor t holds exactly Quantize.row of the F32 source's rows. */
    private static void assertStoredAsQuantizeRow(GgufFile source, GgufFile quantized, GgufTensorInfo t) throws Exception {
        float[] values = source.tensor(t.name()).toFloatArray();
        int cols = t.shape()[t.shape().length - 1];
        long rowBytes = t.byteSize() / (values.length / cols);
        byte[] expected = new byte[(int) t.byteSize()];
        for (int r = 0; r < values.length / cols; r++) {
            Quantize.row(t.type().dtype(), values, r * cols, cols, MemorySegment.ofArray(expected), r * rowBytes);
        }
        assertThat(quantized.data(t).mismatch(MemorySegment.ofArray(expected))).as(t.name()).isEqualTo(-1L);
    }

    private static double logitError(Transformer expected, Transformer actual) {
        expected.eval();
        actual.eval();
        int[] ids = new int[24];
        for (int i = 0; i < ids.length; i++) ids[i] = (i * 37 + 5) % 256;
        float[] want = expected.forward(Tensor.ofInts(ids, 1, ids.length)).toFloatArray();
        float[] got = actual.forward(Tensor.ofInts(ids, 1, ids.length)).toFloatArray();
        double err = 0, norm = 0;
        for (int i = 0; i < want.length; i++) {
            err += (want[i] - got[i]) * (double) (want[i] - got[i]);
            norm += want[i] * (double) want[i];
        }
        return Math.sqrt(err / norm);
    }

    /**
     * stories260K (widths 64 and 172: no matrix is whole super-blocks, so every K type falls back:
     * Q4_K to Q5_0, Q5_K to Q5_1, Q6_K to Q8_0, rows of 172 to F16). Perplexity of a short story
     * stays near F32's.
     */
    @Test
    void stories260kInKTypesKeepsItsPerplexity() throws Exception {
        String bin = Stories260kTest.DIR.resolve("stories260K.bin").toString();
        String text = Files.readString(Path.of("src/test/resources/text/little-story.txt"));
        Path f32 = tmp.resolve("s-f32.gguf");
        GgufConvert.convert(bin, f32, GgufConvert.Options.of(GgmlType.F32));
        double p32 = LanguageModel.load(f32).perplexity(text).perplexity();
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT, "stories260K perplexity: F32 %.4f", p32));
        for (String type : new String[] {"q4_k", "q5_k", "q6_k", "q4_k_m"}) {
            Path out = tmp.resolve("s-" + type + ".gguf");
            GgufExport.Written w = GgufConvert.convert(bin, out, GgufConvert.Options.of(QuantRecipe.named(type)));
            assertThat(w.types().values()).doesNotContain(GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);
            assertThat(w.types().get("blk.0.ffn_down.weight")).isEqualTo(GgmlType.F16);
            assertThat(GgufFile.open(out).integer("general.file_type")).isEqualTo(QuantRecipe.named(type).fileType());
            double p = LanguageModel.load(out).perplexity(text).perplexity();
            report.append(String.format(Locale.ROOT, ", %s %.4f (%+.2f%%)", type, p, 100 * (p / p32 - 1)));
            assertThat(Math.abs(p / p32 - 1)).as(type).isLessThan(0.05);
        }
        System.out.println(report);
    }
}
