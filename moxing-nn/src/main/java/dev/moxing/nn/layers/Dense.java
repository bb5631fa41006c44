package dev.moxing.nn.layers;

import dev.moxing.nn.Module;
import dev.moxing.nn.init.Init;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;

import java.util.function.UnaryOperator;

/**
 * Keras's Dense: activation(x Wᵀ + b) with a Glorot-uniform weight and a zero bias. Without an
 * input dim the layer is built on its first forward from the input's last dim (as Keras builds a
 * layer when it first sees data), so {@code Sequential.of(new Dense(512, "relu"), new Dense(10,
 * "softmax"))} needs no sizes but the outputs. Build it (or run one batch) before handing
 * {@link #parameters()} to an optimizer: an unbuilt layer has none.
 *
 * <p>Parameters use the PyTorch names and layout, weight (units, in) and bias (units), like
 * {@link Linear}, so checkpoints look the same whichever API built the model; the math is the one
 * fused {@link Linear#apply} op followed by the activation.
 */
public class Dense extends Module {
    private final int units;
    private final String activation;
    private final UnaryOperator<Tensor> fn;
    private final Rng rng;
    private int inputDim = -1;

    /** A linear (no activation) layer. */
    public Dense(int units) {
        this(units, null);
    }

    /** activation: relu, gelu, gelu_tanh, silu, sigmoid, tanh, softmax, linear or null (see {@link Activation}). */
    public Dense(int units, String activation) {
        this(units, activation, 0, Init.defaultRng());
    }

    public Dense(int units, String activation, int inputDim) {
        this(units, activation, inputDim, Init.defaultRng());
    }

    /** inputDim 0 means "build on first forward"; rng draws the weight when the layer is built. */
    public Dense(int units, String activation, int inputDim, Rng rng) {
        ShapeCheck.positive("Dense", "units", units);
        if (inputDim < 0) throw new IllegalArgumentException("Dense: inputDim must be positive (or 0 to build later), got " + inputDim);
        this.units = units;
        try {
            this.activation = Activation.canonical(activation);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Dense(" + units + "): " + e.getMessage(), e);
        }
        this.fn = Activation.function(this.activation);
        this.rng = rng;
        if (inputDim > 0) build(inputDim);
    }

    public boolean isBuilt() {
        return inputDim > 0;
    }

    /** Creates the weights for inputs with {@code inputDim} features. Building twice with another size fails. */
    public void build(int inputDim) {
        ShapeCheck.positive(describe(), "input dim", inputDim);
        if (isBuilt()) {
            if (inputDim != this.inputDim) {
                throw new IllegalStateException(describe() + ": already built for " + this.inputDim
                        + " input features, cannot rebuild for " + inputDim);
            }
            return;
        }
        registerParameter("weight", Init.glorotUniform(Tensor.zeros(units, inputDim), rng));
        registerParameter("bias", Tensor.zeros(units));
        this.inputDim = inputDim;
    }

    public int units() {
        return units;
    }

    /** The input dim once built, else 0. */
    public int inputDim() {
        return Math.max(0, inputDim);
    }

    public String activation() {
        return activation;
    }

    /** (units, in), or null before the layer is built. */
    public Tensor weight() {
        return localParameters().get("weight");
    }

    public Tensor bias() {
        return localParameters().get("bias");
    }

    @Override
    public Tensor forward(Tensor x) {
        ShapeCheck.floats(this, x);
        ShapeCheck.minRank(this, x, 1, "(..., features)");
        if (!isBuilt()) build(x.size(-1));
        ShapeCheck.size(this, x, -1, inputDim, "features");
        return fn.apply(Linear.apply(x, weight(), bias()));
    }

    @Override
    public String describe() {
        String in = isBuilt() ? Integer.toString(inputDim) : "?";
        return "Dense(" + in + " → " + units + ("linear".equals(activation) ? "" : ", " + activation) + ")";
    }
}
