package dev.moxing.llm.train;

import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.nn.lora.Lora;
import dev.moxing.nn.lora.LoraConfig;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import dev.moxing.tokenizer.ByteLevelBpe;
import dev.moxing.tokenizer.CharTokenizer;
import dev.moxing.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Sets up a pre-training run from files: reads the corpus, builds the tokenizer and model, or
 * reloads all of that from a checkpoint. {@code moxing train gpt} is a thin layer over this.
 */
public final class Pretraining {
    private Pretraining() {
    }

    /** The GPT shape chosen on the command line; the vocabulary comes from the tokenizer. */
    public record GptShape(int layers, int heads, int width, int context, float dropout) {
        public GptShape {
            require(layers >= 1, "--layers must be at least 1", layers);
            require(heads >= 1, "--heads must be at least 1", heads);
            require(width >= 1 && width % heads == 0, "--width must be a positive multiple of --heads=" + heads, width);
            require(context >= 1, "--context must be at least 1", context);
            require(dropout >= 0 && dropout < 1, "--dropout must be in [0, 1)", dropout);
        }

        public TransformerConfig config(int vocabSize) {
            return TransformerConfig.gpt(vocabSize, context, layers, heads, width, dropout, true);
        }
    }

    /**
     * A tokenizer made from {@code spec}: {@code char} (one token per code point of the corpus) or
     * {@code bpe:SIZE} (byte-level BPE of SIZE tokens trained on the corpus, the last being
     * {@code <|endoftext|>}).
     */
    public static Tokenizer buildTokenizer(String spec, String corpus) {
        if (spec.equals("char")) return CharTokenizer.fromCorpus(corpus);
        if (spec.startsWith("bpe:")) {
            int size;
            try {
                size = Integer.parseInt(spec.substring(4));
            } catch (NumberFormatException e) {
                throw badTokenizer(spec);
            }
            if (size < 257 || size > 1 << 20) {
                throw new IllegalArgumentException("--tokenizer bpe:SIZE needs SIZE in [257, 1048576] (256 bytes + "
                        + "<|endoftext|> + merges), got " + size);
            }
            return ByteLevelBpe.train(corpus, size, List.of(ByteLevelBpe.END_OF_TEXT));
        }
        throw badTokenizer(spec);
    }

    private static IllegalArgumentException badTokenizer(String spec) {
        return new IllegalArgumentException("--tokenizer must be 'char' or 'bpe:VOCAB_SIZE' (e.g. bpe:512), got '" + spec + "'");
    }

    /** A new run on {@code textFile}. */
    public static GptTrainer start(Path textFile, String tokenizerSpec, GptShape shape, TrainOptions options)
            throws IOException {
        Corpus corpus = Corpus.read(textFile);
        if (corpus.text().isEmpty()) throw new IllegalArgumentException(textFile + " is empty");
        Tokenizer tokenizer = buildTokenizer(tokenizerSpec, corpus.text());
        int[] ids = tokenizer.encode(corpus.text());
        return GptTrainer.create(shape.config(tokenizer.vocabSize()), tokenizer, tokenizerSpec, corpus.info(), ids, options);
    }

    /**
     * Full fine-tuning: a new run on {@code textFile} that starts from the weights and tokenizer
     * of the checkpoint in {@code baseDir} (fresh optimizer and schedule). The text must be
     * encodable with the checkpoint's tokenizer (a character model knows only its characters).
     */
    public static GptTrainer fineTune(Path baseDir, Path textFile, TrainOptions options) throws IOException {
        return fineTune(baseDir, textFile, options, null);
    }

    /**
     * As {@link #fineTune(Path, Path, TrainOptions)}; with {@code lora} non-null, LoRA adapters are
     * added to the target layers and only they train (the base weights are frozen).
     */
    public static GptTrainer fineTune(Path baseDir, Path textFile, TrainOptions options, LoraConfig lora) throws IOException {
        Checkpoint.Loaded base = Checkpoint.loadModel(baseDir, new Rng(options.seed()));
        if (lora != null) Lora.apply(base.model(), lora);
        Corpus corpus = Corpus.read(textFile);
        if (corpus.text().isEmpty()) throw new IllegalArgumentException(textFile + " is empty");
        int[] ids;
        try {
            ids = base.tokenizer().encode(corpus.text());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(textFile + " cannot be encoded with the tokenizer of " + baseDir + ": "
                    + e.getMessage(), e);
        }
        String spec = Checkpoint.exists(baseDir) ? Checkpoint.readTraining(baseDir).tokenizer() : "from " + baseDir;
        return GptTrainer.fineTune(base.model(), base.tokenizer(), spec, corpus.info(), ids, options);
    }

    /**
     * Saves a LoRA fine-tuning's result to {@code dir}: the adapters merged into the base weights
     * as a plain checkpoint (which every command reads), and the adapters alone in
     * {@code adapters.safetensors} beside it (to apply to the base model again). The trainer's
     * model is left unmerged.
     */
    public static void saveMergedLora(GptTrainer trainer, Path dir) throws IOException {
        Transformer model = trainer.model();
        Map<String, Tensor> adapters = Lora.adapterState(model);
        Lora.mergeAll(model);
        try {
            Map<String, Tensor> merged = new java.util.LinkedHashMap<>();
            model.stateDict().forEach((k, v) -> {
                if (!adapters.containsKey(k)) merged.put(k, Tensor.fromArray(v.toFloatArray(), v.shape()));
            });
            Checkpoint.save(dir, new Transformer(model.config(), merged), trainer.tokenizer(), null, null);
        } finally {
            Lora.unmergeAll(model);
        }
        Lora.save(model, dir.resolve("adapters.safetensors"));
    }

    /**
     * Continues the run checkpointed in {@code dir} on {@code textFile} (null: the file it was
     * trained on), which must be the same text.
     */
    public static GptTrainer resume(Path dir, Path textFile, TrainOptions options) throws IOException {
        TrainingState state = Checkpoint.readTraining(dir);
        Path file = textFile != null ? textFile : Path.of(state.text().path());
        Corpus corpus = Corpus.read(file);
        if (!corpus.info().sha256().equals(state.text().sha256())) {
            throw new IllegalArgumentException(file + " is not the text this run was trained on (" + state.text().path()
                    + ", " + state.text().bytes() + " bytes, sha256 " + state.text().sha256() + "); resume needs the same corpus");
        }
        Tokenizer tokenizer = Tokenizer.load(dir.resolve(Checkpoint.TOKENIZER));
        return GptTrainer.resume(dir, state, tokenizer.encode(corpus.text()), options);
    }

    /**
     * Checks that {@code out} can take this run's checkpoints: missing, empty, the directory being
     * resumed, or (with {@code overwrite}) an older checkpoint. Anything else is refused, since each
     * save replaces the whole directory.
     */
    public static void checkOutput(Path out, Path resumedFrom, boolean overwrite) throws IOException {
        boolean isCheckpoint = Checkpoint.exists(out);
        if (!Files.exists(out)) return;
        if (!Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is a file, not a directory");
        if (CheckpointFiles.isEmptyDirectory(out)) return;
        if (!isCheckpoint) {
            throw new IllegalArgumentException("--out " + out + " is a non-empty directory that is not a model checkpoint;"
                    + " choose a new directory (each checkpoint replaces the whole directory)");
        }
        boolean same = resumedFrom != null && Files.isSameFile(out, resumedFrom);
        if (!same && !overwrite) {
            throw new IllegalArgumentException("--out " + out + " already holds a checkpoint; pass --resume " + out
                    + " to continue it, --overwrite to replace it, or choose another --out");
        }
    }

    private static void require(boolean ok, String rule, Object value) {
        if (!ok) throw new IllegalArgumentException(rule + ", got " + value);
    }
}
