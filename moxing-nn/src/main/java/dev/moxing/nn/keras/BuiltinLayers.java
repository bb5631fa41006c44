package dev.moxing.nn.keras;

import dev.moxing.nn.Module;
import dev.moxing.nn.layers.Activation;
import dev.moxing.nn.layers.AvgPool2d;
import dev.moxing.nn.layers.BatchNorm1d;
import dev.moxing.nn.layers.BatchNorm2d;
import dev.moxing.nn.layers.Conv1d;
import dev.moxing.nn.layers.Conv2d;
import dev.moxing.nn.layers.Dense;
import dev.moxing.nn.layers.Dropout;
import dev.moxing.nn.layers.Embedding;
import dev.moxing.nn.layers.Flatten;
import dev.moxing.nn.layers.GELU;
import dev.moxing.nn.layers.GlobalAvgPool2d;
import dev.moxing.nn.layers.LayerNorm;
import dev.moxing.nn.layers.Linear;
import dev.moxing.nn.layers.MaxPool2d;
import dev.moxing.nn.layers.RMSNorm;
import dev.moxing.nn.layers.ReLU;
import dev.moxing.nn.layers.Residual;
import dev.moxing.nn.layers.SiLU;
import dev.moxing.nn.layers.Sigmoid;
import dev.moxing.nn.layers.Softmax;
import dev.moxing.nn.layers.Tanh;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link LayerConfig} entries of the layers in {@code dev.moxing.nn.layers} and of
 * {@link Sequential}. Config keys follow Keras / PyTorch argument names; values come from each
 * layer's getters, and {@code LayerConfigTest} round-trips every entry.
 */
final class BuiltinLayers {
    private BuiltinLayers() {
    }

    static void registerAll() {
        LayerConfig.register("Dense", Dense.class,
                d -> config("units", d.units(), "activation", d.activation()),
                a -> new Dense(a.integer("units"), a.string("activation")));
        LayerConfig.register("Linear", Linear.class,
                l -> config("in_features", l.inFeatures(), "out_features", l.outFeatures(), "bias", l.bias() != null),
                a -> new Linear(a.integer("in_features"), a.integer("out_features"), a.bool("bias")));
        LayerConfig.register("Activation", Activation.class, l -> config("activation", l.name()),
                a -> new Activation(a.string("activation")));
        LayerConfig.register("ReLU", ReLU.class, l -> config(), a -> new ReLU());
        LayerConfig.register("Sigmoid", Sigmoid.class, l -> config(), a -> new Sigmoid());
        LayerConfig.register("Tanh", Tanh.class, l -> config(), a -> new Tanh());
        LayerConfig.register("SiLU", SiLU.class, l -> config(), a -> new SiLU());
        LayerConfig.register("GELU", GELU.class,
                l -> config("approximate", l.approximate()),
                a -> new GELU(a.string("approximate")));
        LayerConfig.register("Softmax", Softmax.class, l -> config("dim", l.dim()), a -> new Softmax(a.integer("dim")));
        LayerConfig.register("Dropout", Dropout.class, l -> config("rate", (double) l.p()), a -> new Dropout(a.number("rate")));
        LayerConfig.register("Flatten", Flatten.class,
                l -> config("start_dim", l.startDim(), "end_dim", l.endDim()),
                a -> new Flatten(a.integer("start_dim"), a.integer("end_dim")));
        LayerConfig.register("Conv2d", Conv2d.class,
                l -> config("in_channels", l.inChannels(), "out_channels", l.outChannels(),
                        "kernel_size", l.kernelSize(), "stride", l.stride(), "padding", l.padding(),
                        "dilation", l.dilation(), "groups", l.groups(), "bias", l.bias() != null),
                a -> new Conv2d(a.integer("in_channels"), a.integer("out_channels"), a.ints("kernel_size"),
                        a.ints("stride"), a.ints("padding"), a.ints("dilation"), a.integer("groups"), a.bool("bias"),
                        dev.moxing.nn.init.Init.defaultRng()));
        LayerConfig.register("Conv1d", Conv1d.class,
                l -> config("in_channels", l.inChannels(), "out_channels", l.outChannels(),
                        "kernel_size", l.kernelSize(), "stride", l.stride(), "padding", l.padding(),
                        "dilation", l.dilation(), "groups", l.groups(), "bias", l.bias() != null),
                a -> new Conv1d(a.integer("in_channels"), a.integer("out_channels"), a.integer("kernel_size"),
                        a.integer("stride"), a.integer("padding"), a.integer("dilation"), a.integer("groups"), a.bool("bias")));
        LayerConfig.register("MaxPool2d", MaxPool2d.class,
                l -> config("kernel_size", l.kernelSize(), "stride", l.stride(), "padding", l.padding()),
                a -> new MaxPool2d(a.ints("kernel_size"), a.ints("stride"), a.ints("padding")));
        LayerConfig.register("AvgPool2d", AvgPool2d.class,
                l -> config("kernel_size", l.kernelSize(), "stride", l.stride(), "padding", l.padding(),
                        "count_include_pad", l.countIncludePad()),
                a -> new AvgPool2d(a.ints("kernel_size"), a.ints("stride"), a.ints("padding"), a.bool("count_include_pad")));
        LayerConfig.register("GlobalAvgPool2d", GlobalAvgPool2d.class, l -> config("keepdim", l.keepdim()),
                a -> new GlobalAvgPool2d(a.bool("keepdim")));
        LayerConfig.register("BatchNorm1d", BatchNorm1d.class,
                l -> config("num_features", l.numFeatures(), "eps", l.eps(), "momentum", l.momentum(),
                        "affine", l.weight() != null),
                a -> new BatchNorm1d(a.integer("num_features"), a.number("eps"), a.number("momentum"), a.bool("affine")));
        LayerConfig.register("BatchNorm2d", BatchNorm2d.class,
                l -> config("num_features", l.numFeatures(), "eps", l.eps(), "momentum", l.momentum(),
                        "affine", l.weight() != null),
                a -> new BatchNorm2d(a.integer("num_features"), a.number("eps"), a.number("momentum"), a.bool("affine")));
        LayerConfig.register("LayerNorm", LayerNorm.class,
                l -> config("normalized_shape", l.normalizedShape(), "eps", (double) l.eps(),
                        "elementwise_affine", l.elementwiseAffine()),
                a -> new LayerNorm(a.ints("normalized_shape"), a.number("eps"), a.bool("elementwise_affine")));
        LayerConfig.register("RMSNorm", RMSNorm.class,
                l -> config("dim", l.dim(), "eps", (double) l.eps()),
                a -> new RMSNorm(a.integer("dim"), a.number("eps")));
        LayerConfig.register("Embedding", Embedding.class,
                l -> config("num_embeddings", l.numEmbeddings(), "dim", l.dim()),
                a -> new Embedding(a.integer("num_embeddings"), a.integer("dim")));
        LayerConfig.register("Residual", Residual.class, l -> config("fn", LayerConfig.describe(l.fn())),
                a -> new Residual(a.layer("fn")));
        LayerConfig.register("Sequential", Sequential.class, BuiltinLayers::sequentialConfig,
                a -> Sequential.of(a.layers("layers").toArray(Module[]::new)));
    }

    static Map<String, Object> sequentialConfig(Sequential s) {
        List<Object> layers = new ArrayList<>();
        for (Module m : s.layerList()) layers.add(LayerConfig.describe(m));
        return config("layers", layers);
    }

    private static Map<String, Object> config(Object... keyValues) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            Object v = keyValues[i + 1];
            out.put((String) keyValues[i], v instanceof int[] a ? java.util.Arrays.stream(a).boxed().toList() : v);
        }
        return out;
    }
}
