package dev.moxing.llm.classify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.train.Checkpoint;
import dev.moxing.nn.Module;
import dev.moxing.nn.io.SafeTensors;
import dev.moxing.nn.layers.Linear;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import dev.moxing.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A pre-trained decoder with a linear head (C → classes) over a pooled representation of the
 * final hidden states. Texts longer than the context keep their last {@code contextLength} tokens
 * (left-cropped, as the decoder was trained to continue text); shorter ones are right-padded and
 * the padding is left out of the pooling ({@link Pooling}).
 *
 * <p>Saved as a normal model checkpoint (which {@code generate} still reads) plus
 * {@code classifier.safetensors} (the head) and {@code classifier.json} (pooling and labels).
 */
public final class SequenceClassifier extends Module {
    public static final String HEAD = "classifier.safetensors";
    public static final String META = "classifier.json";
    static final String FORMAT = "moxing-sequence-classifier";
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    /** What classifier.json holds. */
    record Meta(String format, int version, Pooling pooling, List<String> labels) {
    }

    private final Transformer base;
    private final Tokenizer tokenizer;
    private final List<String> labels;
    private final Pooling pooling;
    private final Linear head;

    /** A fresh head (PyTorch's Linear initialisation drawn from {@code rng}) on {@code base}. */
    public SequenceClassifier(Transformer base, Tokenizer tokenizer, List<String> labels, Pooling pooling, Rng rng) {
        if (labels.size() < 2) throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + labels);
        this.base = registerModule("base", base);
        this.tokenizer = tokenizer;
        this.labels = List.copyOf(labels);
        this.pooling = pooling;
        this.head = registerModule("head", new Linear(base.config().width(), labels.size(), true, rng));
    }

    public Transformer base() {
        return base;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public List<String> labels() {
        return labels;
    }

    public Pooling pooling() {
        return pooling;
    }

    public Linear head() {
        return head;
    }

    /** Stops the base model's weights from training, so that only the head learns. */
    public void freezeBase() {
        base.parameters().forEach(p -> p.setRequiresGrad(false));
    }

    /** The text's token ids, left-cropped to the context. */
    public int[] encode(String text) {
        int[] ids = tokenizer.encode(text);
        int t = base.config().contextLength();
        if (ids.length == 0) throw new IllegalArgumentException("cannot classify an empty text");
        return ids.length <= t ? ids : Arrays.copyOfRange(ids, ids.length - t, ids.length);
    }

    /** ids (B, T), all positions real → logits (B, classes). */
    @Override
    public Tensor forward(Tensor ids) {
        int[] lengths = new int[ids.size(0)];
        Arrays.fill(lengths, ids.size(1));
        return logits(ids, lengths);
    }

    /** Token sequences (each within the context) → logits (B, classes); right-pads them to the longest. */
    public Tensor logits(List<int[]> seqs) {
        int b = seqs.size(), t = 0;
        for (int[] s : seqs) t = Math.max(t, s.length);
        int[] ids = new int[b * t], lengths = new int[b];
        for (int i = 0; i < b; i++) {
            int[] s = seqs.get(i);
            System.arraycopy(s, 0, ids, i * t, s.length); // padding: token 0, masked in the pooling
            lengths[i] = s.length;
        }
        return logits(Tensor.ofInts(ids, b, t), lengths);
    }

    private Tensor logits(Tensor ids, int[] lengths) {
        int b = ids.size(0), t = ids.size(1);
        Tensor h = base.hidden(ids);                                                   // (B, T, C)
        Tensor w = Tensor.fromArray(pooling.weights(lengths, t), b, t, 1);
        return head.forward(h.mul(w).sum(1, false));                                   // (B, C) → (B, K)
    }

    /** The predicted class of each text, in eval mode and without gradients. */
    public int[] predict(List<String> texts, int batchSize) {
        int[] out = new int[texts.size()];
        boolean wasTraining = isTraining();
        eval();
        try (var ignored = Tensor.noGrad()) {
            for (int from = 0; from < texts.size(); from += batchSize) {
                List<int[]> seqs = texts.subList(from, Math.min(texts.size(), from + batchSize)).stream().map(this::encode).toList();
                float[] arg = logits(seqs).argmax(1, false).toFloatArray();
                for (int i = 0; i < arg.length; i++) out[from + i] = (int) arg[i];
            }
        } finally {
            train(wasTraining);
        }
        return out;
    }

    /** The share of {@code examples} classified correctly. */
    public double accuracy(List<Example> examples, int batchSize) {
        int[] pred = predict(examples.stream().map(Example::text).toList(), batchSize);
        int right = 0;
        for (int i = 0; i < pred.length; i++) if (pred[i] == examples.get(i).label()) right++;
        return examples.isEmpty() ? Double.NaN : (double) right / examples.size();
    }

    /** Replaces {@code dir} atomically with the base checkpoint, the head and the labels. */
    public void save(Path dir) throws IOException {
        Checkpoint.save(dir, base, tokenizer, tmp -> {
            SafeTensors.write(tmp.resolve(HEAD), head.stateDict(), java.util.Map.of("format", "pt"));
            JSON.writeValue(tmp.resolve(META).toFile(), new Meta(FORMAT, 1, pooling, labels));
        });
    }

    /** Reads a classifier written by {@link #save}. */
    public static SequenceClassifier load(Path dir) throws IOException {
        Path metaFile = dir.resolve(META);
        if (!Files.isRegularFile(metaFile)) throw new IOException(dir + " has no " + META + ": not a saved classifier");
        Meta meta = JSON.readValue(metaFile.toFile(), Meta.class);
        if (!FORMAT.equals(meta.format())) throw new IOException(metaFile + ": format is " + meta.format() + ", expected " + FORMAT);
        Checkpoint.Loaded loaded = Checkpoint.loadModel(dir);
        var c = new SequenceClassifier(loaded.model(), loaded.tokenizer(), meta.labels(), meta.pooling(), new Rng(0));
        c.head.loadStateDict(SafeTensors.read(dir.resolve(HEAD)));
        return c;
    }
}
