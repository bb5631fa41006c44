package dev.moxing.nn.keras;

import dev.moxing.nn.Module;
import dev.moxing.nn.loss.Loss;
import dev.moxing.nn.metrics.Metric;
import dev.moxing.optim.Optimizer;
import dev.moxing.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Keras's Sequential: layers applied in order, each output the next one's input. Layers are
 * registered as "0", "1", … as in PyTorch's nn.Sequential, so weights are named "0.weight",
 * "1.bias" in state dicts and files. {@code Sequential.of(new Dense(512, "relu"), new Dense(10, "softmax"))}.
 */
public class Sequential extends Model {
    private final List<Module> layers = new ArrayList<>();

    public Sequential() {
    }

    /** One layer. (Declared so that it hides {@link Model#of(Module)}, which would otherwise win for one argument.) */
    public static Sequential of(Module layer) {
        return new Sequential().add(layer);
    }

    public static Sequential of(Module... layers) {
        Sequential s = new Sequential();
        for (Module m : layers) s.add(m);
        return s;
    }

    /** Appends a layer. Not allowed once an optimizer holds the parameters (it would miss the new ones). Returns this. */
    public Sequential add(Module layer) {
        if (layer == null) throw new IllegalArgumentException("Sequential.add: layer is null");
        if (isCompiled() && optimizer().isBound()) {
            throw new IllegalStateException("Sequential.add: the model has been trained with its optimizer; "
                    + "add layers before the first fit (or compile again with a new optimizer)");
        }
        registerModule(Integer.toString(layers.size()), layer);
        layers.add(layer);
        return this;
    }

    @Override
    public Sequential build(int... sampleShape) {
        super.build(sampleShape);
        return this;
    }

    @Override
    public Sequential build(Tensor sample) {
        super.build(sample);
        return this;
    }

    @Override
    public Sequential compile(Optimizer optimizer, Loss loss, Metric... metrics) {
        super.compile(optimizer, loss, metrics);
        return this;
    }

    @Override
    public Sequential compile(Optimizer optimizer, String loss, String... metrics) {
        super.compile(optimizer, loss, metrics);
        return this;
    }

    @Override
    public Sequential compile(String optimizer, String loss, String... metrics) {
        super.compile(optimizer, loss, metrics);
        return this;
    }

    /** The layers, in order. */
    public List<Module> layerList() {
        return List.copyOf(layers);
    }

    public int size() {
        return layers.size();
    }

    @Override
    public Tensor forward(Tensor x) {
        for (Module m : layers) x = m.forward(x);
        return x;
    }

    /** Layer by layer, so that a layer that rejects its input is named in the message. */
    @Override
    protected Tensor traceLayers(Tensor x, List<int[]> shapes) {
        if (layers.isEmpty()) throw new IllegalStateException("Sequential: no layers (add some first)");
        for (int i = 0; i < layers.size(); i++) {
            Module m = layers.get(i);
            try {
                x = m.forward(x);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("layer " + i + " " + Summary.displayNames(layers).get(i) + " (" + m.describe()
                        + ") rejects input of shape " + kerasShape(x.shape()) + ": " + e.getMessage(), e);
            }
            shapes.add(x.shape());
        }
        return x;
    }

    @Override
    protected Map<String, Module> layers() {
        return children();
    }

    @Override
    public String describe() {
        return "Sequential(" + layers.size() + " layers)";
    }
}
