package dev.moxing.llm.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.model.TransformerConfig;
import dev.moxing.nn.io.SafeTensors;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import dev.moxing.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model directory: the files a training run writes and {@code moxing generate} / {@code eval}
 * read.
 *
 * <pre>
 *   config.json            the model's shape ({@link TransformerConfig}), tagged "moxing-transformer"
 *   model.safetensors      the weights, named as in {@link Transformer#stateDict()}
 *   tokenizer.json         the tokenizer, in its own save format
 *   training.json          step, generator states, hyper-parameters, curve ({@link TrainingState})
 *   optimizer.safetensors  AdamW's moments, named as in {@link dev.moxing.optim.OptimizerState}
 * </pre>
 *
 * The last two exist only for a run that can be resumed. The whole directory is replaced
 * atomically on every save ({@link CheckpointFiles}).
 */
public final class Checkpoint {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String TRAINING = "training.json";
    public static final String OPTIMIZER = "optimizer.safetensors";
    static final String CONFIG_FORMAT = "moxing-transformer";
    static final int CONFIG_VERSION = 1;

    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private Checkpoint() {
    }

    /** A model ready to run, with its tokenizer. */
    public record Loaded(TransformerConfig config, Transformer model, Tokenizer tokenizer) {
    }

    /**
     * Replaces {@code dir} with a checkpoint of {@code model} and {@code tokenizer}; with a
     * training state, also {@code training.json} and the optimizer's buffers.
     */
    public static void save(Path dir, Transformer model, Tokenizer tokenizer, TrainingState training,
                            Map<String, float[]> optimizerBuffers) throws IOException {
        CheckpointFiles.replaceDirectory(dir, tmp -> {
            writeJson(tmp.resolve(CONFIG), configJson(model.config()));
            SafeTensors.write(tmp.resolve(WEIGHTS), model.stateDict(), Map.of("format", "pt"));
            tokenizer.save(tmp.resolve(TOKENIZER));
            if (training != null) {
                Map<String, Tensor> buffers = new LinkedHashMap<>();
                optimizerBuffers.forEach((k, v) -> buffers.put(k, Tensor.fromArray(v, v.length)));
                SafeTensors.write(tmp.resolve(training.optimizer().file()), buffers);
                writeJson(tmp.resolve(TRAINING), training);
            }
        });
    }

    /** Writes files of its own into a checkpoint's temporary directory before it is renamed into place. */
    @FunctionalInterface
    public interface ExtraFiles {
        void write(Path tmpDir) throws IOException;
    }

    /**
     * Replaces {@code dir} with a model checkpoint (no training state) plus the files
     * {@code extra} writes beside it, all in one atomic rename: e.g. a task head and its labels.
     */
    public static void save(Path dir, Transformer model, Tokenizer tokenizer, ExtraFiles extra) throws IOException {
        CheckpointFiles.replaceDirectory(dir, tmp -> {
            writeJson(tmp.resolve(CONFIG), configJson(model.config()));
            SafeTensors.write(tmp.resolve(WEIGHTS), model.stateDict(), Map.of("format", "pt"));
            tokenizer.save(tmp.resolve(TOKENIZER));
            extra.write(tmp);
        });
    }

    /** Whether {@code dir} holds a checkpoint (after recovering an interrupted save). */
    public static boolean exists(Path dir) throws IOException {
        CheckpointFiles.recover(dir);
        return Files.isRegularFile(dir.resolve(CONFIG));
    }

    /** Reads the model and tokenizer, checking that they belong together. */
    public static Loaded loadModel(Path dir) throws IOException {
        return loadModel(dir, new Rng(0));
    }

    /** As {@link #loadModel(Path)}, the model's dropout drawing from {@code dropoutRng}. */
    public static Loaded loadModel(Path dir, Rng dropoutRng) throws IOException {
        CheckpointFiles.recover(dir);
        if (!Files.isDirectory(dir)) throw new NoSuchFileException(dir + " (no such model directory)");
        TransformerConfig config = readConfig(dir);
        Path tokFile = require(dir, TOKENIZER);
        Tokenizer tokenizer;
        try {
            tokenizer = Tokenizer.load(tokFile);
        } catch (IOException e) {
            throw new IOException(tokFile + ": " + e.getMessage(), e);
        }
        if (tokenizer.vocabSize() != config.vocabSize()) {
            throw new IllegalArgumentException(tokFile + " has " + tokenizer.vocabSize() + " tokens but "
                    + dir.resolve(CONFIG) + " says vocabSize " + config.vocabSize()
                    + ": the tokenizer does not belong to this model");
        }
        Path weights = require(dir, WEIGHTS);
        try {
            Map<String, Tensor> state = SafeTensors.read(weights);
            Tensor factors = state.get(Transformer.FREQ_FACTORS); // rope scaling of an imported model
            Transformer model = new Transformer(config, dropoutRng, factors == null ? null : factors.toFloatArray());
            model.loadStateDict(state);
            return new Loaded(config, model, tokenizer);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(weights + " does not match " + dir.resolve(CONFIG) + ": " + e.getMessage(), e);
        }
    }

    public static TransformerConfig readConfig(Path dir) throws IOException {
        Path file = require(dir, CONFIG);
        JsonNode root = readTree(file);
        if (!CONFIG_FORMAT.equals(root.path("format").asText()) || root.path("version").asInt(-1) != CONFIG_VERSION) {
            throw new IOException(file + " is not a Moxing model config (expected \"format\": \"" + CONFIG_FORMAT
                    + "\", \"version\": " + CONFIG_VERSION + ")");
        }
        ObjectNode fields = ((ObjectNode) root).deepCopy();
        fields.remove("format");
        fields.remove("version");
        return parse(file, fields, TransformerConfig.class);
    }

    public static TrainingState readTraining(Path dir) throws IOException {
        Path file = require(dir, TRAINING);
        JsonNode root = readTree(file);
        if (!TrainingState.FORMAT.equals(root.path("format").asText())
                || root.path("version").asInt(-1) != TrainingState.VERSION) {
            throw new IOException(file + " is not a Moxing training state (expected \"format\": \""
                    + TrainingState.FORMAT + "\", \"version\": " + TrainingState.VERSION + ")");
        }
        return parse(file, root, TrainingState.class);
    }

    /** The optimizer's buffers named in {@code state}, copied to the heap. */
    public static Map<String, float[]> readOptimizerBuffers(Path dir, TrainingState state) throws IOException {
        Path file = require(dir, state.optimizer().file());
        Map<String, float[]> out = new LinkedHashMap<>();
        SafeTensors.read(file).forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    private static Path require(Path dir, String name) throws IOException {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, dir + " is not a complete model directory: "
                    + name + " is missing");
        }
        return file;
    }

    private static ObjectNode configJson(TransformerConfig config) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", CONFIG_FORMAT);
        root.put("version", CONFIG_VERSION);
        root.setAll((ObjectNode) JSON.valueToTree(config));
        return root;
    }

    private static void writeJson(Path file, Object value) throws IOException {
        CheckpointFiles.writeFile(file, out -> JSON.writeValue(out, value));
    }

    private static JsonNode readTree(Path file) throws IOException {
        try {
            JsonNode root = JSON.readTree(file.toFile());
            if (root == null || !root.isObject()) throw new IOException(file + " does not hold a JSON object");
            return root;
        } catch (JsonProcessingException e) {
            throw new IOException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static <T> T parse(Path file, JsonNode node, Class<T> type) throws IOException {
        try {
            return JSON.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            String msg = cause == e ? e.getOriginalMessage() : cause.getMessage();
            throw new IOException(file + " is damaged: " + msg, e);
        }
    }
}
