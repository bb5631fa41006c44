package dev.moxing.llm.format;

import dev.moxing.gguf.GgmlType;
import dev.moxing.gguf.GgufFile;
import dev.moxing.gguf.GgufFormatException;
import dev.moxing.gguf.GgufTensorInfo;
import dev.moxing.llm.LanguageModel;
import dev.moxing.llm.generate.GenerateOptions;
import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.llm.train.Checkpoint;
import dev.moxing.tensor.Tensor;
import dev.moxing.tokenizer.ByteLevelBpe;
import dev.moxing.tokenizer.CharTokenizer;
import dev.moxing.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A Moxing GPT checkpoint written as a GGUF gpt2 file and read back: with F32 matrices the logits
 * are bit-identical (the same float32 weights through the same kernels), the tokenizer encodes
 * English and Chinese text to the same ids, greedy generation continues identically; F16, BF16 and
 * Q8_0 stay within their rounding.
 */
class Gpt2ExportTest {
    static final String ENGLISH = "To be, or not to be", CHINESE = "举头望明月，低头思故乡。";

    @TempDir
    Path tmp;

    static Tokenizer tokenizer(String kind) {
        return switch (kind) {
            case "char" -> CharTokenizer.fromCorpus(TinyGpt.CORPUS);
            case "char-unknown" -> CharTokenizer.fromCorpus(TinyGpt.CORPUS).withUnknownId(0);
            case "bpe" -> ByteLevelBpe.train(TinyGpt.CORPUS, 290, List.of(ByteLevelBpe.END_OF_TEXT));
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** Saves a seeded tiny GPT as a Moxing checkpoint and converts it; returns {checkpoint, gguf}. */
    Path[] export(boolean bias, boolean tied, String vocab, GgmlType type) throws Exception {
        Tokenizer t = tokenizer(vocab);
        Transformer m = TinyGpt.model(TinyGpt.config(t.vocabSize(), bias, tied), 7);
        Path dir = tmp.resolve("ckpt"), out = tmp.resolve("gpt-" + type + ".gguf");
        Checkpoint.save(dir, m, t, null, null);
        GgufConvert.convert(dir.toString(), out, GgufConvert.Options.of(type));
        return new Path[] {dir, out};
    }

    static float[] logits(LanguageModel lm, int[] ids) {
        try (var ignored = Tensor.noGrad()) {
            return lm.model().forward(Tensor.ofInts(ids, 1, ids.length)).toFloatArray();
        }
    }

    /** The F32 file holds the checkpoint's float32 values bit for bit, q|k|v fused in that order. */
    static void assertStoredExactly(GgufFile f, Transformer m) throws Exception {
        Map<String, Tensor> w = m.stateDict();
        assertThat(f.tensor("token_embd.weight").toFloatArray()).containsExactly(w.get("tokens.weight").toFloatArray());
        assertThat(f.tensor("position_embd.weight").toFloatArray()).containsExactly(w.get("positions.weight").toFloatArray());
        String last = "block" + (m.config().layers() - 1) + ".";
        float[][] qkv = new float[3][], qkvBias = new float[3][];
        String[] parts = {"q", "k", "v"};
        for (int p = 0; p < 3; p++) {
            qkv[p] = w.get(last + "attn." + parts[p] + ".weight").toFloatArray();
            Tensor bias = w.get(last + "attn." + parts[p] + ".bias");
            qkvBias[p] = bias == null ? new float[m.config().width()] : bias.toFloatArray();
        }
        String blk = "blk." + (m.config().layers() - 1) + ".";
        assertThat(f.tensor(blk + "attn_qkv.weight").toFloatArray()).containsExactly(concat(qkv));
        assertThat(f.tensor(blk + "attn_qkv.bias").toFloatArray()).containsExactly(concat(qkvBias));
        assertThat(f.tensor(blk + "ffn_down.weight").toFloatArray()).containsExactly(w.get(last + "mlp.down.weight").toFloatArray());
        assertThat(f.tensor(blk + "ffn_norm.bias").toFloatArray()).containsExactly(w.get(last + "norm2.bias").toFloatArray());
        assertThat(f.tensor("output_norm.weight").toFloatArray()).containsExactly(w.get("norm.weight").toFloatArray());
        if (!m.config().tiedHead()) {
            assertThat(f.tensor("output.weight").toFloatArray()).containsExactly(w.get("head.weight").toFloatArray());
        }
    }

    private static float[] concat(float[][] parts) {
        float[] all = new float[Arrays.stream(parts).mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /** Equal bit for bit; a failure names the first differing position and token. */
    static void assertBitIdentical(float[] got, float[] want, int vocab) {
        assertThat(got).hasSameSizeAs(want);
        int diff = 0, first = -1;
        double max = 0;
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(got[i]) == Float.floatToRawIntBits(want[i])) continue;
            diff++;
            if (first < 0) first = i;
            max = Math.max(max, Math.abs(got[i] - want[i]));
        }
        assertThat(diff).as("%d logits differ (first at position %d, token %d; max |diff| %.3g)", diff,
                first / vocab, first % vocab, max).isZero();
    }

    static int[] prompt(LanguageModel lm) {
        int[] ids = lm.tokenizer().encode(ENGLISH + "\n" + CHINESE);
        return Arrays.copyOf(ids, Math.min(ids.length, lm.model().config().contextLength()));
    }

    @ParameterizedTest(name = "bias {0}, tied {1}, {2}")
    @CsvSource({"true, true, char", "false, true, char-unknown", "true, false, bpe", "false, false, char"})
    void f32RoundTripIsExact(boolean bias, boolean tied, String vocab) throws Exception {
        Path[] p = export(bias, tied, vocab, GgmlType.F32);
        LanguageModel a = LanguageModel.load(p[0]), b = LanguageModel.load(p[1]);
        TransformerConfig ca = a.model().config(), cb = b.model().config();
        // A bias-free model comes back with zero biases (llama.cpp requires them); everything else as saved.
        assertThat(cb.withContextLength(ca.contextLength())).isEqualTo(new TransformerConfig(ca.vocabSize(), ca.contextLength(),
                ca.layers(), ca.heads(), ca.kvHeads(), ca.width(), ca.hidden(), 0f, true, ca.norm(), ca.positions(), ca.mlp(),
                ca.normEps(), ca.ropeTheta(), ca.tiedHead(), ca.qkvBias(), ca.rotaryPairs()));
        for (String text : new String[] {ENGLISH, CHINESE}) {
            int[] ids = a.tokenizer().encode(text);
            assertThat(b.tokenizer().encode(text)).as(text).containsExactly(ids);
            assertThat(b.tokenizer().decode(ids)).isEqualTo(text);
        }
        if (vocab.startsWith("char")) assertThat(b.tokenizer()).isEqualTo(a.tokenizer());
        int[] ids = prompt(a);
        assertThat(ids.length).isGreaterThan(4); // more rows than QuantMatmul's few-rows path takes
        float[] want = logits(a, ids), got = logits(b, ids);
        if (ca.vocabSize() <= 256) {
            assertBitIdentical(got, want, ca.vocabSize());
        } else {
            // QuantMatmul decodes stored matrices in panels of up to 256 rows; with more rows (this
            // 290-token vocabulary) the last panel can take Gemm's small-matrix path, which sums in
            // another order than one GEMM over the heap weights: ulp-level differences, no export error.
            double max = 0;
            for (int i = 0; i < want.length; i++) max = Math.max(max, Math.abs(got[i] - want[i]));
            System.out.printf("gpt2 export F32, %d-token vocabulary: max |logit - checkpoint| %.3g%n", ca.vocabSize(), max);
            assertThat(max).isLessThan(2e-6);
        }
        assertStoredExactly(GgufFile.open(p[1]), a.model());
        List<Integer> ta = new ArrayList<>(), tb = new ArrayList<>();
        String ga = a.generate("To be", GenerateOptions.greedy(30), s -> { }, ta::add);
        String gb = b.generate("To be", GenerateOptions.greedy(30), s -> { }, tb::add);
        assertThat(tb).isEqualTo(ta).hasSize(30);
        assertThat(gb).isEqualTo(ga);
    }

    @Test
    void unknownCharactersBehaveAsInTheCheckpoint() throws Exception {
        Path[] strict = export(true, true, "char", GgmlType.F32);
        Tokenizer s = LanguageModel.load(strict[1]).tokenizer();
        assertThatThrownBy(() -> s.encode("to be ✓")).hasMessageContaining("U+2713");
        Path[] lenient = export(false, true, "char-unknown", GgmlType.F32);
        Tokenizer a = LanguageModel.load(lenient[0]).tokenizer(), b = LanguageModel.load(lenient[1]).tokenizer();
        assertThat(b.encode("to be ✓ 春")).containsExactly(a.encode("to be ✓ 春")).contains(0);
    }

    @ParameterizedTest
    @CsvSource({"F16, 0.01", "BF16, 0.1", "Q8_0, 0.1"})
    void quantizedExportsStayWithinTheirRounding(GgmlType type, double tolerance) throws Exception {
        Path[] p = export(true, true, "char", type);
        LanguageModel a = LanguageModel.load(p[0]), b = LanguageModel.load(p[1]);
        GgufFile f = GgufFile.open(p[1]);
        assertThat(f.tensors().get("blk.0.attn_qkv.weight").type()).isEqualTo(type);
        assertThat(f.tensors().get("position_embd.weight").type()).isEqualTo(GgmlType.F32); // as llama.cpp's converter
        assertThat(f.tensors().get("blk.0.attn_qkv.bias").type()).isEqualTo(GgmlType.F32);
        int[] ids = prompt(a);
        float[] want = logits(a, ids), got = logits(b, ids);
        double max = 0, scale = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(got[i] - want[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        System.out.printf("gpt2 export %s: max |logit - checkpoint| %.3g (max |logit| %.3g)%n", type, max, scale);
        assertThat(max).isLessThan(tolerance * scale).isGreaterThan(0);
    }

    @Test
    void fileHasLlamaCppsGpt2NamesShapesAndKeys() throws Exception {
        Path[] p = export(false, false, "char", GgmlType.F32);
        GgufFile f = GgufFile.open(p[1]);
        int v = CharTokenizer.fromCorpus(TinyGpt.CORPUS).vocabSize(), c = 32, h = 128, t = 24;
        Map<String, List<Integer>> want = new TreeMap<>();
        want.put("token_embd.weight", List.of(v, c));
        want.put("position_embd.weight", List.of(t, c));
        want.put("output_norm.weight", List.of(c));
        want.put("output_norm.bias", List.of(c));
        want.put("output.weight", List.of(v, c));
        for (int i = 0; i < 2; i++) {
            String b = "blk." + i + ".";
            for (String n : new String[] {"attn_norm", "ffn_norm"}) {
                want.put(b + n + ".weight", List.of(c));
                want.put(b + n + ".bias", List.of(c));
            }
            want.put(b + "attn_qkv.weight", List.of(3 * c, c));
            want.put(b + "attn_qkv.bias", List.of(3 * c));
            want.put(b + "attn_output.weight", List.of(c, c));
            want.put(b + "attn_output.bias", List.of(c));
            want.put(b + "ffn_up.weight", List.of(h, c));
            want.put(b + "ffn_up.bias", List.of(h));
            want.put(b + "ffn_down.weight", List.of(c, h));
            want.put(b + "ffn_down.bias", List.of(c));
        }
        Map<String, List<Integer>> got = new TreeMap<>();
        for (GgufTensorInfo i : f.tensors().values()) got.put(i.name(), Arrays.stream(i.shape()).boxed().toList());
        assertThat(got).isEqualTo(want);
        assertThat(f.string("general.architecture")).isEqualTo("gpt2");
        assertThat(f.string("general.name")).isEqualTo("ckpt");
        assertThat(f.integer("general.file_type")).isEqualTo(0);
        assertThat(f.integer("gpt2.context_length")).isEqualTo(t);
        assertThat(f.integer("gpt2.embedding_length")).isEqualTo(c);
        assertThat(f.integer("gpt2.feed_forward_length")).isEqualTo(h);
        assertThat(f.integer("gpt2.block_count")).isEqualTo(2);
        assertThat(f.integer("gpt2.attention.head_count")).isEqualTo(2);
        assertThat(f.real("gpt2.attention.layer_norm_epsilon")).isEqualTo(1e-5f);
        // the bias-free model's linear biases are zeros
        assertThat(f.tensor("blk.1.ffn_down.bias").toFloatArray()).containsOnly(0f);
    }

    /** Drops the linear biases of a bias-free model's export, as another writer might. */
    @Test
    void aFileWithoutLinearBiasesLoadsAsABiasFreeModel() throws Exception {
        Tokenizer t = tokenizer("char");
        Transformer m = TinyGpt.model(TinyGpt.config(t.vocabSize(), false, true), 3);
        GgufExport.Model full = Gpt2Export.of(m, t, "no-bias");
        assertThat(full.notes()).singleElement().asString().contains("zero bias");
        List<GgufExport.Item> kept = full.tensors().stream().filter(i -> !i.name().endsWith(".bias") || i.name().contains("norm")).toList();
        Path out = tmp.resolve("no-bias.gguf");
        GgufExport.write(new GgufExport.Model(full.metadata(), kept, List.of()), GgmlType.F32, out);
        LanguageModel b = LanguageModel.load(out);
        assertThat(b.model().config().bias()).isFalse();
        LanguageModel a = LanguageModel.of(m, t);
        int[] ids = prompt(a);
        assertThat(logits(b, ids)).containsExactly(logits(a, ids));

        // one stray linear bias in a bias-free file is an error naming it
        List<GgufExport.Item> stray = new ArrayList<>(kept);
        stray.add(full.tensors().stream().filter(i -> i.name().equals("blk.1.ffn_up.bias")).findFirst().orElseThrow());
        Path bad = tmp.resolve("stray.gguf");
        GgufExport.write(new GgufExport.Model(full.metadata(), stray, List.of()), GgmlType.F32, bad);
        assertThatThrownBy(() -> LanguageModel.load(bad)).isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("blk.1.ffn_up.bias").hasMessageContaining("stray.gguf");
    }

    @Test
    void refusesWhatTheGpt2LayoutCannotHold() {
        Tokenizer t = tokenizer("char");
        Transformer llama = new Transformer(TransformerConfig.llama(t.vocabSize(), 16, 1, 2, 1, 32, 64, 1e-5f, 10000f, true),
                new dev.moxing.random.Rng(1));
        assertThatThrownBy(() -> Gpt2Export.of(llama, t, "x")).hasMessageContaining("learned positions");
        Transformer gpt = TinyGpt.model(TinyGpt.config(t.vocabSize() + 1, true, true), 1);
        assertThatThrownBy(() -> Gpt2Export.of(gpt, t, "x")).hasMessageContaining("tokens but the model's vocabulary is");
    }
}
