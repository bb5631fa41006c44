package dev.moxing.nn.keras;

import dev.moxing.data.DataLoader;
import dev.moxing.data.Dataset;
import dev.moxing.nn.Module;
import dev.moxing.nn.loss.Loss;
import dev.moxing.nn.metrics.Metric;
import dev.moxing.nn.metrics.Metrics;
import dev.moxing.optim.Optimizer;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keras's Model over any {@link Module}: {@code compile} with an optimizer, a loss and metrics,
 * then {@code fit}, {@code evaluate}, {@code predict}, {@code summary}, {@code save} /
 * {@link #load}. Either wrap a module ({@link #of}), use {@link Sequential}, or subclass (register
 * layers in the constructor and override {@link #forward}).
 *
 * <p>Layers may create their weights on first use (Keras's lazy {@code Dense}), so a model is
 * <em>built</em> by one forward pass on a one-row input before the optimizer receives its
 * parameters: {@link #build(int...)} does it from a sample shape, and the first {@code fit} or
 * {@code evaluate} does it from the data. The per-sample input shape is remembered for the
 * summary and for rebuilding a saved model.
 */
public class Model extends Module {
    private final Module wrapped;
    private Optimizer optimizer;
    private Loss loss;
    private List<Metric> metrics = List.of();
    private int[] inputShape;
    private DType inputDtype = DType.F32;
    private String stopReason;
    private int epochsTrained;

    /** For subclasses and {@link Sequential}: the layers are this model's own submodules. */
    protected Model() {
        this.wrapped = null;
    }

    private Model(Module module) {
        this.wrapped = registerModule("module", module);
    }

    /** A model over any module (returned as is when it already is a model). */
    public static Model of(Module module) {
        return module instanceof Model m ? m : new Model(module);
    }

    /** The wrapped module for {@link #of}, or this model itself. */
    public Module module() {
        return wrapped == null ? this : wrapped;
    }

    @Override
    public Tensor forward(Tensor input) {
        if (wrapped == null) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + ": a Model subclass must override forward");
        }
        return wrapped.forward(input);
    }

    @Override
    public String describe() {
        return wrapped == null ? getClass().getSimpleName() : "Model(" + wrapped.describe() + ")";
    }

    // ---------------------------------------------------------------- compile

    /** Sets how to train: an optimizer (unbound, Keras-style), a loss and the metrics to report. Returns this. */
    public Model compile(Optimizer optimizer, Loss loss, Metric... metrics) {
        if (optimizer == null || loss == null) throw new IllegalArgumentException("compile: optimizer and loss are required");
        this.optimizer = optimizer;
        this.loss = loss;
        this.metrics = List.of(metrics);
        checkMetricNames();
        return this;
    }

    /** Metrics by Keras name; "accuracy" is chosen by the loss as in Keras. Returns this. */
    public Model compile(Optimizer optimizer, String loss, String... metrics) {
        Loss l = Factories.loss(loss);
        return compile(optimizer, l, metrics(l, metrics));
    }

    /** Everything by Keras name: {@code compile("adam", "sparse_categorical_crossentropy", "accuracy")}. Returns this. */
    public Model compile(String optimizer, String loss, String... metrics) {
        Loss l = Factories.loss(loss);
        return compile(Factories.optimizer(optimizer), l, metrics(l, metrics));
    }

    private static Metric[] metrics(Loss loss, String[] names) {
        Metric[] out = new Metric[names.length];
        for (int i = 0; i < names.length; i++) out[i] = Metrics.byName(names[i], loss.name());
        return out;
    }

    private void checkMetricNames() {
        List<String> seen = new ArrayList<>(List.of("loss"));
        for (Metric m : metrics) {
            if (seen.contains(m.name())) throw new IllegalArgumentException("compile: two metrics named '" + m.name() + "'");
            seen.add(m.name());
        }
    }

    public boolean isCompiled() {
        return optimizer != null;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public Loss loss() {
        return loss;
    }

    public List<Metric> metrics() {
        return metrics;
    }

    void requireCompiled(String op) {
        if (!isCompiled()) {
            throw new IllegalStateException(op + ": the model is not compiled; call compile(optimizer, loss, metrics…) first");
        }
    }

    // ---------------------------------------------------------------- build

    /** Builds the model for samples of the given shape (without the batch dim), e.g. build(784). Returns this. */
    public Model build(int... sampleShape) {
        int[] shape = new int[sampleShape.length + 1];
        shape[0] = 1;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        return build(Tensor.zeros(shape));
    }

    /**
     * Builds the model from a sample batch (its first row is used): one forward pass under no-grad
     * in eval mode, so lazy layers create their weights and a layer that does not fit the input
     * fails now, with the input shape in the message, rather than in the middle of an epoch.
     * Returns this.
     */
    public Model build(Tensor sample) {
        if (sample.dim() == 0) throw new IllegalArgumentException("build: the sample needs a batch dim");
        Tensor row = sample.size(0) == 1 ? sample : sample.narrow(0, 0, 1);
        boolean training = isTraining();
        eval();
        try (var ignored = Tensor.noGrad()) {
            traceLayers(row, new ArrayList<>());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the model does not accept input of shape " + kerasShape(row.shape())
                    + ": " + e.getMessage(), e);
        } finally {
            train(training);
        }
        int[] s = sample.shape();
        inputShape = Arrays.copyOfRange(s, 1, s.length);
        inputDtype = sample.dtype() == DType.I32 ? DType.I32 : DType.F32;
        return this;
    }

    public boolean isBuilt() {
        return inputShape != null;
    }

    /** The per-sample input shape the model was built for, or null. */
    public int[] inputShape() {
        return inputShape == null ? null : inputShape.clone();
    }

    DType inputDtype() {
        return inputDtype;
    }

    /** Builds from the data unless already built for this sample shape. */
    void ensureBuilt(Tensor sample) {
        int[] s = sample.shape();
        int[] sampleShape = Arrays.copyOfRange(s, 1, s.length);
        if (inputShape == null || !Shape.same(inputShape, sampleShape)) build(sample);
    }

    /**
     * Runs x through the model, adding each top-level layer's output shape to shapes where the
     * model can observe it (a {@link Sequential} can; a wrapped module adds none). Returns the output.
     */
    protected Tensor traceLayers(Tensor x, List<int[]> shapes) {
        return forward(x);
    }

    /** The top-level layers a summary lists, by name. */
    protected Map<String, Module> layers() {
        Module m = module();
        if (m.children().isEmpty()) return Map.of(m == this ? "model" : "module", m);
        return m.children();
    }

    /** "(None, 28, 28)" — Keras's way of writing a shape with a free batch dim. */
    static String kerasShape(int[] batchShape) {
        StringBuilder sb = new StringBuilder("(None");
        for (int i = 1; i < batchShape.length; i++) sb.append(", ").append(batchShape[i]);
        return sb.append(batchShape.length == 1 ? ",)" : ")").toString();
    }

    // ---------------------------------------------------------------- training

    /** Trains on tensors: x (N, …) and y (N) class indices or (N, K) targets. */
    public History fit(Tensor x, Tensor y, FitOptions options) {
        return fit(Dataset.of(x, y), options);
    }

    /** Trains for epochs with batchSize and Keras's other defaults. */
    public History fit(Tensor x, Tensor y, int epochs, int batchSize) {
        return fit(x, y, FitOptions.defaults().epochs(epochs).batchSize(batchSize));
    }

    public History fit(Dataset train, FitOptions options) {
        requireCompiled("fit");
        return new Trainer(this, System.out).fit(train, options);
    }

    /**
     * Trains on a {@link DataLoader}'s batches, which fix the batch size, the order and any
     * augmentation; the options' batchSize and shuffle are not used, and validation needs
     * validationData (a loader cannot be split).
     */
    public History fit(DataLoader train, FitOptions options) {
        requireCompiled("fit");
        return new Trainer(this, System.out).fit(train, options);
    }

    /** Loss and metrics over (x, y), in eval mode without gradients, silently. */
    public Map<String, Double> evaluate(Tensor x, Tensor y, int batchSize) {
        return evaluate(Dataset.of(x, y), batchSize, 0);
    }

    /** verbose 1 shows a progress bar, 2 one line. */
    public Map<String, Double> evaluate(Tensor x, Tensor y, int batchSize, int verbose) {
        return evaluate(Dataset.of(x, y), batchSize, verbose);
    }

    /** verbose 1 shows a progress bar, 2 one line. */
    public Map<String, Double> evaluate(Dataset data, int batchSize, int verbose) {
        requireCompiled("evaluate");
        return new Trainer(this, System.out).evaluate(data, batchSize, verbose);
    }

    /** The outputs for x, batch by batch, in eval mode without gradients. */
    public Tensor predict(Tensor x, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("predict: batchSize must be at least 1, got " + batchSize);
        if (x.dim() == 0) throw new IllegalArgumentException("predict: x needs a batch dim, got a scalar");
        if (x.size(0) == 0) throw new IllegalArgumentException("predict: x has no rows");
        Tensor data = x.contiguous().detach();
        ensureBuilt(data.narrow(0, 0, 1));
        boolean training = isTraining();
        eval();
        List<Tensor> outs = new ArrayList<>();
        try (var ignored = Tensor.noGrad()) {
            for (int start = 0; start < data.size(0); start += batchSize) {
                outs.add(forward(data.narrow(0, start, Math.min(batchSize, data.size(0) - start))));
            }
        } finally {
            train(training);
        }
        return outs.size() == 1 ? outs.getFirst() : Tensor.cat(0, outs);
    }

    /** Asks a running fit to stop after the current batch (callbacks use this). */
    public void stopTraining(String reason) {
        stopReason = reason == null ? "stopped by a callback" : reason;
    }

    /** Why a stop was asked for in the current fit, or null. */
    public String stopRequested() {
        return stopReason;
    }

    void clearStop() {
        stopReason = null;
    }

    /**
     * The epochs fit has completed on this model, counting from the first fit (restored by
     * {@link #load}): the {@code initialEpoch} that continues a saved run where it stopped.
     */
    public int epochsTrained() {
        return epochsTrained;
    }

    void epochsTrained(int epochs) {
        epochsTrained = epochs;
    }

    /** The parameters the optimizer trains: those that require grad (frozen ones are left out). */
    List<Tensor> trainableParameters() {
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : parameters()) if (p.requiresGrad()) out.add(p);
        return out;
    }

    // ---------------------------------------------------------------- summary

    /** The Keras-style layer table: name (type), output shape, parameters, and the totals. */
    public String summaryText() {
        return Summary.render(this);
    }

    /** Prints {@link #summaryText()} to standard output. */
    public void summary() {
        summary(System.out);
    }

    public void summary(PrintStream out) {
        out.println(summaryText());
    }

    // ---------------------------------------------------------------- files

    /**
     * Saves to a directory: model.safetensors (every parameter and buffer), model.json (the
     * architecture, input shape, compile settings with the optimizer's full configuration and
     * schedule, the optimizer's step counts, and the epochs trained) and, once the optimizer has
     * stepped, optimizer.safetensors (its moments per parameter). Written to a temporary directory
     * first and then moved into place, so a crash never leaves a half-written model. Loading it and
     * calling fit with {@code initialEpoch(model.epochsTrained())} continues training exactly.
     */
    public void save(Path dir) throws IOException {
        ModelFiles.save(this, dir);
    }

    /**
     * Rebuilds a saved model: architecture from model.json (no code needed), the weights, the
     * compile settings and the optimizer's state, so that training can continue where it stopped.
     */
    public static Model load(Path dir) throws IOException {
        return ModelFiles.load(dir);
    }

    /** Writes the weights alone to one safetensors file (atomically). */
    public void saveWeights(Path file) throws IOException {
        ModelFiles.saveWeights(this, file);
    }

    /** Loads weights saved by {@link #save} (a directory) or {@link #saveWeights} (a file) into this model. */
    public void loadWeights(Path path) throws IOException {
        ModelFiles.loadWeights(this, path);
    }

    /** The state that files hold: the wrapped module's names for {@link #of}, so they match the bare module's. */
    Map<String, Tensor> weightsForFile() {
        return new LinkedHashMap<>(module().stateDict());
    }
}
