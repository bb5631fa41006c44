package dev.moxing.llm.format;

import dev.moxing.gguf.GgmlType;
import dev.moxing.gguf.GgufFile;
import dev.moxing.gguf.GgufTensorInfo;
import dev.moxing.gguf.GgufValue;
import dev.moxing.kernels.quant.Quantize;
import dev.moxing.llm.LanguageModel;
import dev.moxing.llm.generate.GenerateOptions;
import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.llm.train.Checkpoint;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import dev.moxing.tokenizer.ByteLevelBpe;
import dev.moxing.tokenizer.GgufTokenizers;
import dev.moxing.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link GgufConvert} against llama.cpp's own files: stories260K converted from llama2.c must be
 * llama.cpp's conversion tensor for tensor, re-quantizing llama.cpp's Q8_0/Q4_0 files must give
 * their bytes back, and Hugging Face / Moxing models must compute the same logits after the q/k
 * permutation.
 */
class GgufConvertTest {
    static final Path S = Stories260kTest.DIR;
    static final Path LLAMA_SPM = Path.of("src/test/resources/tokenizer/llama.cpp-vocab/ggml-vocab-llama-spm.gguf");

    @TempDir
    static Path tmp;
    static Path f32, q8, q4;

    @BeforeAll
    static void convertStories260k() throws Exception {
        f32 = tmp.resolve("s260k-f32.gguf");
        q8 = tmp.resolve("s260k-q8_0.gguf");
        q4 = tmp.resolve("s260k-q4_0.gguf");
        String bin = S.resolve("stories260K.bin").toString();
        GgufConvert.convert(bin, f32, GgufConvert.Options.of(GgmlType.F32));
        GgufConvert.convert(bin, q8, GgufConvert.Options.of(GgmlType.Q8_0));
        GgufConvert.convert(bin, q4, GgufConvert.Options.of(GgmlType.Q4_0));
    }

    @Test
    void llama2cToF32GeneratesTheReference() throws Exception {
        Transformer model = GgufModel.load(GgufFile.open(f32), 0);
        assertThat(model.config().contextLength()).isEqualTo(512);
        Stories260kTest.assertGreedyMatches(model);
        LanguageModel lm = LanguageModel.load(f32);
        assertThat(lm.generate("", GenerateOptions.greedy(256), null)).isEqualTo(Files.readString(S.resolve("greedy_t0_n256.txt")));
    }

    @Test
    void tensorsAreLlamaCppsByteForByte() throws Exception {
        GgufFile ours = GgufFile.open(f32), theirs = GgufFile.open(S.resolve("stories260K.gguf"));
        for (GgufTensorInfo t : ours.tensors().values()) {
            GgufTensorInfo r = theirs.tensors().get(t.name());
            assertThat(r).as(t.name()).isNotNull();
            assertThat(t.type()).isEqualTo(r.type());
            assertThat(t.shape()).as(t.name()).containsExactly(r.shape());
            assertThat(ours.data(t).mismatch(theirs.data(r))).as(t.name()).isEqualTo(-1L);
        }
        // llama.cpp's llama2.c converter writes the tied classifier as a copy; we leave it tied, as its HF converter does.
        var missing = new TreeSet<>(theirs.tensors().keySet());
        missing.removeAll(ours.tensors().keySet());
        assertThat(missing).containsExactly("output.weight");
        assertThat(theirs.data(theirs.tensors().get("output.weight")).mismatch(ours.data(ours.tensors().get("token_embd.weight")))).isEqualTo(-1L);
    }

    /**
     * Differences from llama.cpp's file, all deliberate: its llama2.c converter writes its own
     * default context (128) instead of the checkpoint's 512, and "no token" ids as 4294967295;
     * we add the file type, alignment, rope base and add_bos/add_eos flags its current converters write.
     */
    @Test
    void metadataIsLlamaCppsExceptForKnownDifferences() throws Exception {
        Map<String, GgufValue> ours = GgufFile.open(f32).metadata(), theirs = GgufFile.open(S.resolve("stories260K.gguf")).metadata();
        var onlyOurs = new TreeSet<>(ours.keySet());
        onlyOurs.removeAll(theirs.keySet());
        var onlyTheirs = new TreeSet<>(theirs.keySet());
        onlyTheirs.removeAll(ours.keySet());
        Map<String, String> differ = new TreeMap<>();
        for (String k : ours.keySet()) {
            if (theirs.containsKey(k) && !ours.get(k).equals(theirs.get(k))) differ.put(k, ours.get(k) + " vs " + theirs.get(k));
        }
        assertThat(onlyOurs).containsExactly("general.alignment", "general.file_type", "llama.rope.freq_base",
                "tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_eos_token");
        assertThat(onlyTheirs).containsExactly("tokenizer.ggml.padding_token_id", "tokenizer.ggml.seperator_token_id");
        assertThat(differ.keySet()).as(differ.toString()).containsExactly("general.name", "llama.context_length");
        assertThat(theirs.get("tokenizer.ggml.padding_token_id")).isEqualTo(GgufValue.ofUint32(0xFFFF_FFFFL));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q4_0"})
    void quantizedTensorsAreQuantizeRowOfTheF32Ones(String type) throws Exception {
        GgufFile source = GgufFile.open(f32), quantized = GgufFile.open(type.equals("Q8_0") ? q8 : q4);
        assertThat(quantized.integer("general.file_type")).isEqualTo(QuantRecipe.of(GgmlType.valueOf(type)).fileType());
        Map<String, GgmlType> types = new TreeMap<>();
        for (GgufTensorInfo t : quantized.tensors().values()) {
            types.put(t.name(), t.type());
            float[] values = source.tensor(t.name()).toFloatArray();
            byte[] expected = new byte[(int) t.byteSize()];
            int cols = t.shape()[t.shape().length - 1];
            long rowBytes = t.byteSize() / (values.length / cols);
            for (int r = 0; r < values.length / cols; r++) {
                Quantize.row(t.type().dtype(), values, r * cols, cols, MemorySegment.ofArray(expected), r * rowBytes);
            }
            assertThat(quantized.data(t).mismatch(MemorySegment.ofArray(expected))).as(t.name()).isEqualTo(-1L);
        }
        // Tied model: token_embd is the output matrix: Q6_K, but rows of 64 are not whole Q6_K blocks, so Q8_0 (as llama.cpp);
        // ffn_down rows (172) are not whole blocks: F16.
        assertThat(types.get("token_embd.weight")).isEqualTo(GgmlType.Q8_0);
        assertThat(types.get("blk.0.ffn_down.weight")).isEqualTo(GgmlType.F16);
        assertThat(types.get("blk.0.attn_q.weight")).isEqualTo(GgmlType.valueOf(type));
        assertThat(types.get("blk.0.attn_norm.weight")).isEqualTo(GgmlType.F32);
    }

    /** llama.cpp's llama-quantize output, re-quantized to its own type, comes back byte for byte. */
    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q4_0"})
    void requantizingLlamaCppsFilesReproducesThem(String type) throws Exception {
        Path ref = shared("random-llama/stories15M-" + type + ".gguf");
        Path out = tmp.resolve("requant-" + type + ".gguf");
        GgufExport.Written w = GgufConvert.convert(ref.toString(), out, GgufConvert.Options.of(GgmlType.valueOf(type)));
        assertThat(w.notes()).anyMatch(n -> n.startsWith("re-quantizing"));
        GgufFile ours = GgufFile.open(out), theirs = GgufFile.open(ref);
        assertThat(ours.tensors().keySet()).containsExactlyElementsOf(theirs.tensors().keySet());
        for (GgufTensorInfo t : theirs.tensors().values()) {
            GgufTensorInfo o = ours.tensors().get(t.name());
            assertThat(o.type()).as(t.name()).isEqualTo(t.type());
            assertThat(ours.data(o).mismatch(theirs.data(t))).as(t.name()).isEqualTo(-1L);
        }
        var meta = new java.util.LinkedHashMap<>(ours.metadata());
        meta.remove("general.alignment");
        assertThat(meta).isEqualTo(theirs.metadata());
    }

    /** Hugging Face rotates halves, Llama GGUF adjacent pairs: the permuted q/k rows must give the same logits. */
    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny", "qwen2-tiny", "llama3-tiny"})
    void huggingFaceModelsKeepTheirLogits(String fixture) throws Exception {
        Path dir = Path.of("src/test/resources/hf", fixture), out = tmp.resolve(fixture + ".gguf");
        GgufConvert.convert(dir.toString(), out, GgufConvert.Options.of(GgmlType.F32).withoutTokenizer());
        GgufFile f = GgufFile.open(out);
        assertThat(f.string("general.architecture")).isEqualTo(fixture.startsWith("qwen2") ? "qwen2" : "llama");
        assertThat(f.has("tokenizer.ggml.model")).isFalse();
        Transformer hf = HfModel.load(dir, 0), gguf = GgufModel.load(f, 0);
        assertThat(gguf.config().rotaryPairs()).isEqualTo(fixture.startsWith("qwen2")
                ? TransformerConfig.RotaryPairs.HALVES : TransformerConfig.RotaryPairs.ADJACENT);
        assertSameLogits(hf, gguf, 64);
        // Llama 3.1 rope scaling travels as llama.cpp's rope_freqs.weight (D/2 F32 divisors)
        assertThat(f.hasTensor("rope_freqs.weight")).isEqualTo(fixture.equals("llama3-tiny"));
        if (fixture.equals("llama3-tiny")) {
            assertThat(f.tensor("rope_freqs.weight").toFloatArray()).containsExactly(hf.freqFactors());
            assertThat(gguf.freqFactors()).containsExactly(hf.freqFactors());
            // and in a Moxing checkpoint (a buffer of the model, saved and loaded with the weights)
            Path ckpt = tmp.resolve("llama3-ckpt");
            int[] cps = new int[64];
            for (int i = 0; i < 64; i++) cps[i] = 'A' + i;
            dev.moxing.llm.train.Checkpoint.save(ckpt, hf, dev.moxing.tokenizer.CharTokenizer.of(cps).withoutUnknownId(), null, null);
            Transformer back = dev.moxing.llm.train.Checkpoint.loadModel(ckpt).model();
            assertThat(back.freqFactors()).containsExactly(hf.freqFactors());
            assertSameLogits(hf, back, 64);
        } else if (fixture.equals("llama-tiny")) {
            // a rope_freqs.weight of the wrong size is refused by name
            dev.moxing.gguf.GgufWriter w = dev.moxing.gguf.GgufWriter.copyOf(f);
            w.addTensor("rope_freqs.weight", GgmlType.F32, new int[] {3}, java.lang.foreign.MemorySegment.ofArray(new byte[12]));
            Path bad = tmp.resolve("bad-rope-freqs.gguf");
            w.write(bad);
            assertThatThrownBy(() -> GgufModel.load(GgufFile.open(bad), 0)).hasMessageContaining("rope_freqs.weight")
                    .hasMessageContaining("[4]");
        }
        assertThatThrownBy(() -> GgufConvert.convert(dir.toString(), tmp.resolve("x.gguf"), GgufConvert.Options.of(GgmlType.F32)))
                .hasMessageContaining("tokenizer.json").hasMessageContaining("--vocab");
    }

    /** A Llama model trained here (halves, byte-level BPE): same logits, same tokenizer, back from GGUF. */
    @Test
    void moxingCheckpointKeepsLogitsAndTokenizer() throws Exception {
        String text = Files.readString(Path.of("src/test/resources/text/little-story.txt"));
        ByteLevelBpe bpe = ByteLevelBpe.train(text, 300, List.of(ByteLevelBpe.END_OF_TEXT));
        TransformerConfig c = TransformerConfig.llama(bpe.vocabSize(), 32, 2, 4, 2, 32, 64, 1e-5f, 10000f, false);
        Transformer model = new Transformer(c, new Rng(7));
        Path dir = tmp.resolve("moxing-llama"), out = tmp.resolve("moxing-llama.gguf");
        Checkpoint.save(dir, model, bpe, null, null);
        GgufConvert.convert(dir.toString(), out, GgufConvert.Options.of(GgmlType.F32));
        LanguageModel lm = LanguageModel.load(out);
        assertSameLogits(Checkpoint.loadModel(dir).model(), lm.model(), bpe.vocabSize());
        GgufFile f = GgufFile.open(out);
        assertThat(f.string("tokenizer.ggml.model")).isEqualTo("gpt2");
        assertThat(f.string("tokenizer.ggml.pre")).isEqualTo("gpt-2");
        // GGUF vocabularies do not recognise special tokens in text by default (llama.cpp's parse_special); ours did.
        Tokenizer back = ((ByteLevelBpe) GgufTokenizers.load(f)).withSpecialTokensInText(bpe.specialTokensInText());
        for (String s : new String[] {"Tom and Max walked home together.", "  héllo\n\n☃ <|endoftext|>"}) {
            assertThat(back.encode(s)).as(s).containsExactly(bpe.encode(s));
        }
        assertThat(back.eosIds()).containsExactly(bpe.specialTokenId(ByteLevelBpe.END_OF_TEXT).orElseThrow());

        Path gpt = tmp.resolve("moxing-gpt");
        Checkpoint.save(gpt, new Transformer(TransformerConfig.gpt(bpe.vocabSize(), 16, 1, 2, 16, 0f, true), new Rng(1)), bpe, null, null);
        // GPT-2 style checkpoints go out in the gpt2 layout (Gpt2ExportTest checks it in depth)
        GgufConvert.convert(gpt.toString(), tmp.resolve("gpt.gguf"), GgufConvert.Options.of(GgmlType.F32));
        assertThat(GgufFile.open(tmp.resolve("gpt.gguf")).string("general.architecture")).isEqualTo("gpt2");
    }

    /**
     * Perplexity of a short story (written for this test) under stories260K in three types. Q8_0
     * stays within 1% of F32. Q4_0 of a 64-wide model loses more than a large model would (each
     * 32-value block shares one scale across half a row); the bound below is what holds, with margin.
     */
    @Test
    void quantizationKeepsPerplexityClose() throws Exception {
        String text = Files.readString(Path.of("src/test/resources/text/little-story.txt"));
        double p32 = LanguageModel.load(f32).perplexity(text).perplexity();
        double p8 = LanguageModel.load(q8).perplexity(text).perplexity();
        double p4 = LanguageModel.load(q4).perplexity(text).perplexity();
        System.out.printf(Locale.ROOT, "stories260K perplexity: F32 %.4f, Q8_0 %.4f (%+.2f%%), Q4_0 %.4f (%+.2f%%)%n",
                p32, p8, 100 * (p8 / p32 - 1), p4, 100 * (p4 / p32 - 1));
        assertThat(p32).isBetween(1.5, 30.0);
        assertThat(Math.abs(p8 / p32 - 1)).isLessThan(0.01);
        assertThat(Math.abs(p4 / p32 - 1)).isLessThan(0.10);
    }

    @Test
    void randomModelsHaveLlamaCppsLayoutAndAreReproducible() throws Exception {
        var options = new GgufConvert.Options(GgmlType.Q4_0, null, LLAMA_SPM, false, 1);
        Path a = tmp.resolve("r15-a.gguf"), b = tmp.resolve("r15-b.gguf");
        GgufConvert.convert("random:stories15M", a, options);
        GgufConvert.convert("random:stories15M", b, options);
        assertThat(Files.mismatch(a, b)).isEqualTo(-1L);
        GgufFile f = GgufFile.open(a);
        assertThat(f.integer("llama.context_length")).isEqualTo(256);
        // Same tensors, types and shapes as llama.cpp's quantization of a stories15M-shaped model.
        Path ref = Path.of("..", "..", "shared", "data", "random-llama", "stories15M-Q4_0.gguf");
        if (Files.exists(ref)) {
            GgufFile r = GgufFile.open(ref);
            assertThat(f.tensors().keySet()).containsExactlyInAnyOrderElementsOf(r.tensors().keySet());
            for (GgufTensorInfo t : r.tensors().values()) {
                assertThat(f.tensors().get(t.name()).type()).as(t.name()).isEqualTo(t.type());
                assertThat(f.tensors().get(t.name()).shape()).as(t.name()).containsExactly(t.shape());
            }
        }
        float[] emb = f.tensor("token_embd.weight").toFloatArray();
        double sum = 0, sq = 0;
        for (float v : emb) {
            sum += v;
            sq += v * v;
        }
        assertThat(Math.sqrt(sq / emb.length - Math.pow(sum / emb.length, 2))).isBetween(0.019, 0.021); // Q4_0 noise included
        assertThat(LanguageModel.load(a).generate("Once", GenerateOptions.greedy(4), null)).isNotNull();
        assertThatThrownBy(() -> GgufConvert.convert("random:stories15M", tmp.resolve("nv.gguf"), GgufConvert.Options.of(GgmlType.F32)))
                .hasMessageContaining("--vocab");
        assertThatThrownBy(() -> GgufConvert.convert("random:stories1B", tmp.resolve("nv.gguf"), options))
                .hasMessageContaining("random:stories1B").hasMessageContaining("random:stories15M")
                .hasMessageContaining("random:tinyllama-1.1B");
        // TinyLlama 1.1B's published shape: 1,100,048,384 parameters, grouped-query attention.
        var tiny = RandomLlama.named("tinyllama-1.1B").config();
        long params = (long) tiny.vocabSize() * tiny.width() * 2 + tiny.width()
                + (long) tiny.layers() * (2L * tiny.width() * tiny.width() + 2L * tiny.width() * tiny.kvHeads() * tiny.headDim()
                        + 3L * tiny.width() * tiny.hidden() + 2L * tiny.width());
        assertThat(params).isEqualTo(1_100_048_384L);
        assertThat(tiny.kvHeads()).isEqualTo(4);
    }

    /** Memory-mapped F16 weights (Hugging Face half-precision files) are decoded a chunk of rows at a time. */
    @Test
    void rowsOfMappedHalfPrecisionWeights() {
        float[] values = new float[6 * 4];
        for (int i = 0; i < values.length; i++) values[i] = i * 0.25f - 2;
        MemorySegment f16 = MemorySegment.ofArray(new byte[values.length * 2]);
        Quantize.row(dev.moxing.tensor.DType.F16, values, 0, values.length, f16, 0);
        Tensor t = Tensor.fromSegment(f16, dev.moxing.tensor.DType.F16, 6, 4);
        float[] rows = new float[8];
        LlamaExport.rows(t).read(3, 2, rows, 0);
        assertThat(rows).containsExactly(java.util.Arrays.copyOfRange(values, 12, 20));
        LlamaExport.rows(t.narrow(0, 2, 4)).read(1, 2, rows, 0);
        assertThat(rows).containsExactly(java.util.Arrays.copyOfRange(values, 12, 20));
    }

    static void assertSameLogits(Transformer expected, Transformer actual, int vocab) {
        expected.eval();
        actual.eval();
        int[] ids = new int[24];
        for (int i = 0; i < ids.length; i++) ids[i] = (i * 7 + 3) % vocab;
        float[] want = expected.forward(Tensor.ofInts(ids, 1, ids.length)).toFloatArray();
        float[] got = actual.forward(Tensor.ofInts(ids, 1, ids.length)).toFloatArray();
        assertThat(got).hasSameSizeAs(want);
        float maxErr = 0;
        for (int i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(want[i] - got[i]));
        assertThat(maxErr).isLessThan(1e-5f);
    }

    static Path shared(String rel) {
        Path p = Path.of("..", "..", "shared", "data", rel);
        if (!Files.exists(p)) p = Path.of("..", "shared", "data", rel);
        assumeTrue(Files.exists(p), "../shared/data/" + rel + " is absent");
        return p;
    }
}
