package dev.moxing.nn.layers;

import dev.moxing.nn.Module;
import dev.moxing.tensor.Tensor;

import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * An activation chosen by name, like Keras's {@code Activation("relu")} and the {@code activation}
 * argument of {@link Dense}: relu, gelu (exact erf form), gelu_tanh, silu (alias swish), sigmoid,
 * tanh, softmax (over the last dim) and linear (identity; also what null means).
 */
public final class Activation extends Module {
    private final String name;
    private final UnaryOperator<Tensor> fn;

    public Activation(String name) {
        this.name = canonical(name);
        this.fn = function(this.name);
    }

    public String name() {
        return name;
    }

    @Override
    public Tensor forward(Tensor x) {
        return fn.apply(x);
    }

    @Override
    public String describe() {
        return "Activation(" + name + ")";
    }

    /** The lower-case canonical name: null → "linear", "swish" → "silu"; unknown names fail. */
    static String canonical(String name) {
        if (name == null) return "linear";
        String n = name.trim().toLowerCase(Locale.ROOT);
        String c = switch (n) {
            case "", "linear", "none", "identity" -> "linear";
            case "swish" -> "silu";
            default -> n;
        };
        function(c);
        return c;
    }

    static UnaryOperator<Tensor> function(String name) {
        return switch (name) {
            case "linear" -> x -> x;
            case "relu" -> Tensor::relu;
            case "gelu" -> Tensor::gelu;
            case "gelu_tanh" -> Tensor::geluTanh;
            case "silu" -> Tensor::silu;
            case "sigmoid" -> Tensor::sigmoid;
            case "tanh" -> Tensor::tanh;
            case "softmax" -> x -> x.softmax(-1);
            default -> throw new IllegalArgumentException("unknown activation '" + name
                    + "' (expected relu, gelu, gelu_tanh, silu, sigmoid, tanh, softmax or linear)");
        };
    }
}
