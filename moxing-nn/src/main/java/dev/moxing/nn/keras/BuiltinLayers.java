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

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link LayerConfig} entries of the layers in {@code dev.moxing.nn.layers} and of
 * {@link Sequential}. Config keys follow Keras / PyTorch argument names.
 *
 * <p>Several layers do not expose every constructor argument through a getter yet; for those the
 * value is read from the private field of that name ({@link #field}). That couples this file to
 * field names, so {@code LayerConfigTest} round-trips every entry here and fails loudly on drift;
 * each such read should become a getter call once the layer has one.
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
                l -> config("approximate", (Boolean) field(l, "tanh") ? "tanh" : "none"),
                a -> new GELU(a.string("approximate")));
        LayerConfig.register("Softmax", Softmax.class, l -> config("dim", field(l, "dim")), a -> new Softmax(a.integer("dim")));
        LayerConfig.register("Dropout", Dropout.class, l -> config("rate", (double) l.p()), a -> new Dropout(a.number("rate")));
        LayerConfig.register("Flatten", Flatten.class,
                l -> config("start_dim", field(l, "startDim"), "end_dim", field(l, "endDim")),
                a -> new Flatten(a.integer("start_dim"), a.integer("end_dim")));
        LayerConfig.register("Conv2d", Conv2d.class,
                l -> config("in_channels", field(l, "inChannels"), "out_channels", field(l, "outChannels"),
                        "kernel_size", field(l, "kernel"), "stride", field(l, "stride"), "padding", field(l, "padding"),
                        "dilation", field(l, "dilation"), "groups", field(l, "groups"), "bias", l.bias() != null),
                a -> new Conv2d(a.integer("in_channels"), a.integer("out_channels"), a.ints("kernel_size"),
                        a.ints("stride"), a.ints("padding"), a.ints("dilation"), a.integer("groups"), a.bool("bias"),
                        dev.moxing.nn.init.Init.defaultRng()));
        LayerConfig.register("Conv1d", Conv1d.class,
                l -> config("in_channels", field(l, "inChannels"), "out_channels", field(l, "outChannels"),
                        "kernel_size", field(l, "kernel"), "stride", field(l, "stride"), "padding", field(l, "padding"),
                        "dilation", field(l, "dilation"), "groups", field(l, "groups"), "bias", l.bias() != null),
                a -> new Conv1d(a.integer("in_channels"), a.integer("out_channels"), a.integer("kernel_size"),
                        a.integer("stride"), a.integer("padding"), a.integer("dilation"), a.integer("groups"), a.bool("bias")));
        LayerConfig.register("MaxPool2d", MaxPool2d.class,
                l -> config("kernel_size", field(l, "kernel"), "stride", field(l, "stride"), "padding", field(l, "padding")),
                a -> new MaxPool2d(a.ints("kernel_size"), a.ints("stride"), a.ints("padding")));
        LayerConfig.register("AvgPool2d", AvgPool2d.class,
                l -> config("kernel_size", field(l, "kernel"), "stride", field(l, "stride"), "padding", field(l, "padding"),
                        "count_include_pad", field(l, "countIncludePad")),
                a -> new AvgPool2d(a.ints("kernel_size"), a.ints("stride"), a.ints("padding"), a.bool("count_include_pad")));
        LayerConfig.register("GlobalAvgPool2d", GlobalAvgPool2d.class, l -> config("keepdim", field(l, "keepdim")),
                a -> new GlobalAvgPool2d(a.bool("keepdim")));
        LayerConfig.register("BatchNorm1d", BatchNorm1d.class,
                l -> config("num_features", l.numFeatures(), "eps", field(l, "eps"), "momentum", field(l, "momentum"),
                        "affine", l.weight() != null),
                a -> new BatchNorm1d(a.integer("num_features"), a.number("eps"), a.number("momentum"), a.bool("affine")));
        LayerConfig.register("BatchNorm2d", BatchNorm2d.class,
                l -> config("num_features", l.numFeatures(), "eps", field(l, "eps"), "momentum", field(l, "momentum"),
                        "affine", l.weight() != null),
                a -> new BatchNorm2d(a.integer("num_features"), a.number("eps"), a.number("momentum"), a.bool("affine")));
        LayerConfig.register("LayerNorm", LayerNorm.class,
                l -> config("normalized_shape", field(l, "normalizedShape"), "eps", (double) (Float) field(l, "eps"),
                        "elementwise_affine", !l.namedParameters().isEmpty()),
                a -> new LayerNorm(a.ints("normalized_shape"), a.number("eps"), a.bool("elementwise_affine")));
        LayerConfig.register("RMSNorm", RMSNorm.class,
                l -> config("dim", field(l, "dim"), "eps", (double) (Float) field(l, "eps")),
                a -> new RMSNorm(a.integer("dim"), a.number("eps")));
        LayerConfig.register("Embedding", Embedding.class,
                l -> config("num_embeddings", field(l, "numEmbeddings"), "dim", field(l, "dim")),
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

    /** A private constructor argument of a layer that has no getter for it (see the class comment). */
    private static Object field(Object o, String name) {
        for (Class<?> c = o.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(o);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("LayerConfig: cannot read " + o.getClass().getSimpleName() + "." + name, e);
            }
        }
        throw new IllegalStateException("LayerConfig: " + o.getClass().getSimpleName() + " has no '" + name
                + "' any more; update BuiltinLayers to its current constructor arguments");
    }
}
