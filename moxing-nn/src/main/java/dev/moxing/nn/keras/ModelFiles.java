package dev.moxing.nn.keras;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.moxing.nn.Module;
import dev.moxing.nn.io.SafeTensors;
import dev.moxing.nn.loss.BinaryCrossEntropy;
import dev.moxing.nn.loss.CategoricalCrossEntropy;
import dev.moxing.nn.loss.Loss;
import dev.moxing.nn.loss.Losses;
import dev.moxing.nn.loss.SparseCategoricalCrossEntropy;
import dev.moxing.nn.metrics.Metric;
import dev.moxing.optim.OptimizerConfig;
import dev.moxing.optim.OptimizerState;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A saved model is a directory of {@value #WEIGHTS} (every parameter and buffer, by state-dict
 * name), {@value #CONFIG} and, once the optimizer has stepped, {@value #OPTIMIZER} (its buffers,
 * named as in {@link OptimizerState}: "3.exp_avg" …):
 * <pre>
 * {"format": "moxing.model", "version": 1,
 *  "architecture": {"type": "Sequential", "config": {"layers": [{"type": "Dense", "config": {…}}, …]}},
 *  "input_shape": [784], "input_dtype": "F32",
 *  "compile": {"optimizer": {"name": "adam", "learning_rate": 0.001, "beta_1": 0.9, …, "schedule": {…}},
 *              "loss": {"name": "sparse_categorical_crossentropy", "from_logits": false},
 *              "metrics": ["accuracy"]},
 *  "optimizer_state": {"optimizer": "Adam", "scalars": {"lr": …, "steps": 938, "0.step": 938, …}},
 *  "training": {"epochs": 2}}
 * </pre>
 * A model whose architecture is not registered in {@link LayerConfig} (a subclass, a custom
 * module) is saved with {@code "architecture": null} and its class name: its weights load into a
 * model built in code with {@link Model#loadWeights}.
 */
final class ModelFiles {
    static final String WEIGHTS = "model.safetensors";
    static final String CONFIG = "model.json";
    static final String OPTIMIZER = "optimizer.safetensors";
    private static final String FORMAT = "moxing.model";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelFiles() {
    }

    static void save(Model model, Path dir) throws IOException {
        Map<String, Object> json = describe(model);
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        if (parent == null) throw new IOException("save: cannot save a model at the file system root");
        Files.createDirectories(parent);
        if (Files.exists(target) && !replaceable(target)) {
            throw new FileAlreadyExistsException(target.toString(), null,
                    "save: the directory exists and does not hold a saved model; refusing to replace it");
        }
        Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
        try {
            SafeTensors.write(tmp.resolve(WEIGHTS), model.weightsForFile());
            OptimizerState state = optimizerState(model);
            if (state != null) {
                Map<String, Object> saved = new LinkedHashMap<>();
                saved.put("optimizer", state.optimizer());
                saved.put("scalars", state.scalars());
                json.put("optimizer_state", saved);
                Map<String, Tensor> buffers = new LinkedHashMap<>();
                state.buffers().forEach((k, v) -> buffers.put(k, Tensor.fromArray(v, v.length)));
                if (!buffers.isEmpty()) SafeTensors.write(tmp.resolve(OPTIMIZER), buffers);
            }
            Files.writeString(tmp.resolve(CONFIG), JSON.writeValueAsString(json));
            swapIn(tmp, target);
        } finally {
            deleteTree(tmp);
        }
    }

    /**
     * Puts the finished temporary directory in place. A directory cannot be renamed over a
     * non-empty one, so an old save is first moved aside and deleted only once the new one is in.
     */
    private static void swapIn(Path tmp, Path target) throws IOException {
        if (!Files.exists(target)) {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        Path old = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".old-");
        Files.delete(old);
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            throw e;
        }
        deleteTree(old);
    }

    /** An existing target may be replaced when it is empty or is a previous save. */
    private static boolean replaceable(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return false;
        if (Files.exists(dir.resolve(CONFIG))) return true;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        }
    }

    static void saveWeights(Model model, Path file) throws IOException {
        Path target = file.toAbsolutePath().normalize();
        Files.createDirectories(target.getParent());
        SafeTensors.write(target, model.weightsForFile()); // itself written to a temporary file, then renamed
    }

    static void loadWeights(Model model, Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve(WEIGHTS) : path;
        if (!Files.exists(file)) throw new NoSuchFileException(file.toString(), null, "no saved weights here");
        Map<String, Tensor> state = SafeTensors.read(file);
        try {
            model.module().loadStateDict(state);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage()
                    + (model.isBuilt() ? "" : " (the model is not built: lazy layers have no weights yet; call build first)"), e);
        }
    }

    static Model load(Path dir) throws IOException {
        Path config = dir.resolve(CONFIG);
        if (!Files.exists(config)) {
            throw new NoSuchFileException(config.toString(), null, "not a saved model directory (no " + CONFIG + ")");
        }
        Map<String, Object> json;
        try {
            json = JSON.readValue(config.toFile(), Map.class);
        } catch (IOException e) {
            throw new IOException(config + ": not valid JSON: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(json.get("format"))) {
            throw new IOException(config + ": not a Moxing model file (format is " + json.get("format") + ")");
        }
        Object arch = json.get("architecture");
        if (!(arch instanceof Map<?, ?> spec)) {
            throw new IllegalArgumentException(config + ": the model is a " + json.get("class")
                    + ", whose architecture cannot be rebuilt from the file; construct it in code and call loadWeights(" + dir + ")");
        }
        @SuppressWarnings("unchecked")
        Module module = LayerConfig.create((Map<String, Object>) spec);
        Model model = Model.of(module);
        if (json.get("input_shape") instanceof List<?> shape) {
            int[] s = new int[shape.size() + 1];
            s[0] = 1;
            for (int i = 0; i < shape.size(); i++) s[i + 1] = ((Number) shape.get(i)).intValue();
            model.build("I32".equals(json.get("input_dtype")) ? Tensor.ofInts(new int[Shape.numel(s)], s) : Tensor.zeros(s));
        }
        model.loadWeights(dir);
        if (json.get("compile") instanceof Map<?, ?> c) compile(model, c);
        if (model.isCompiled() && json.get("optimizer_state") instanceof Map<?, ?> s) loadOptimizerState(model, s, dir);
        if (json.get("training") instanceof Map<?, ?> t && t.get("epochs") instanceof Number n) model.epochsTrained(n.intValue());
        return model;
    }

    /** The optimizer's state worth saving: none before its first step. */
    private static OptimizerState optimizerState(Model model) {
        if (!model.isCompiled() || !model.optimizer().isBound() || model.optimizer().steps() == 0) return null;
        return model.optimizer().stateDict();
    }

    /** Binds the loaded model's optimizer to its trainable parameters and restores the saved moments and counts. */
    private static void loadOptimizerState(Model model, Map<?, ?> saved, Path dir) throws IOException {
        String where = dir.resolve(CONFIG) + ": optimizer_state";
        if (!(saved.get("optimizer") instanceof String name) || !(saved.get("scalars") instanceof Map<?, ?> raw)) {
            throw new IOException(where + " needs an 'optimizer' name and a 'scalars' object");
        }
        Map<String, Double> scalars = new LinkedHashMap<>();
        for (var e : raw.entrySet()) {
            if (!(e.getValue() instanceof Number n)) throw new IOException(where + ": '" + e.getKey() + "' is not a number: " + e.getValue());
            scalars.put(String.valueOf(e.getKey()), n.doubleValue());
        }
        Map<String, float[]> buffers = new LinkedHashMap<>();
        Path file = dir.resolve(OPTIMIZER);
        if (Files.exists(file)) {
            for (var e : SafeTensors.read(file).entrySet()) buffers.put(e.getKey(), e.getValue().toFloatArray());
        } else if (scalars.keySet().stream().anyMatch(k -> k.endsWith(".step") && !k.startsWith("group."))) {
            // A momentum-free SGD has counts but no buffers; any other optimizer needs the file.
            if (!name.equals("SGD")) throw new NoSuchFileException(file.toString(), null, "the optimizer's moments are missing");
        }
        model.optimizer().bind(model.trainableParameters());
        try {
            model.optimizer().loadStateDict(new OptimizerState(name, scalars, buffers));
        } catch (IllegalArgumentException e) {
            throw new IOException(where + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> describe(Model model) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("format", FORMAT);
        json.put("version", 1);
        Module m = model.module();
        json.put("class", m.getClass().getName());
        json.put("architecture", LayerConfig.isRegistered(m) ? LayerConfig.describe(m) : null);
        int[] in = model.inputShape();
        json.put("input_shape", in == null ? null : java.util.Arrays.stream(in).boxed().toList());
        json.put("input_dtype", model.inputDtype().name());
        if (model.isCompiled()) {
            Map<String, Object> compile = new LinkedHashMap<>();
            compile.put("optimizer", OptimizerConfig.describe(model.optimizer()));
            Map<String, Object> loss = new LinkedHashMap<>();
            loss.put("name", model.loss().name());
            loss.put("from_logits", fromLogits(model.loss()));
            compile.put("loss", loss);
            List<String> metrics = new ArrayList<>();
            for (Metric x : model.metrics()) metrics.add(x.name());
            compile.put("metrics", metrics);
            json.put("compile", compile);
        }
        if (model.epochsTrained() > 0) json.put("training", Map.of("epochs", model.epochsTrained()));
        return json;
    }

    private static boolean fromLogits(Loss loss) {
        return switch (loss) {
            case SparseCategoricalCrossEntropy l -> l.isFromLogits();
            case CategoricalCrossEntropy l -> l.isFromLogits();
            case BinaryCrossEntropy l -> l.isFromLogits();
            default -> false;
        };
    }

    /**
     * Compiles a loaded model as it was saved when every part is known by name; a custom optimizer,
     * loss or metric leaves it uncompiled (call compile again), since guessing would train differently.
     */
    private static void compile(Model model, Map<?, ?> c) {
        try {
            Map<?, ?> opt = (Map<?, ?>) c.get("optimizer");
            Map<?, ?> lossSpec = (Map<?, ?>) c.get("loss");
            String lossName = (String) lossSpec.get("name");
            Loss loss = Losses.byName(lossName);
            if (Boolean.TRUE.equals(lossSpec.get("from_logits"))) {
                loss = switch (loss) {
                    case SparseCategoricalCrossEntropy l -> SparseCategoricalCrossEntropy.fromLogits();
                    case CategoricalCrossEntropy l -> CategoricalCrossEntropy.fromLogits();
                    case BinaryCrossEntropy l -> BinaryCrossEntropy.fromLogits();
                    default -> loss;
                };
            }
            @SuppressWarnings("unchecked")
            var optimizer = OptimizerConfig.create((Map<String, ?>) opt);
            List<?> names = (List<?>) c.get("metrics");
            Metric[] metrics = new Metric[names.size()];
            for (int i = 0; i < metrics.length; i++) metrics[i] = dev.moxing.nn.metrics.Metrics.byName((String) names.get(i), lossName);
            model.compile(optimizer, loss, metrics);
        } catch (IllegalArgumentException | ClassCastException | NullPointerException e) {
            // Not rebuildable by name: the model loads uncompiled.
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }
}
