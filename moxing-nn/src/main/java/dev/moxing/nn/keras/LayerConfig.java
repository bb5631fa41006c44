package dev.moxing.nn.keras;

import dev.moxing.nn.Module;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The registry that lets {@link Model#load} rebuild a model from model.json with no user code,
 * like Keras's get_config / from_config: each layer type has a name, a function from a layer to
 * its constructor arguments (a JSON-friendly map), and a function from those arguments back to a
 * new layer. The built-in layers are registered by {@link BuiltinLayers}; a custom layer is saved
 * and loaded like them after one {@link #register} call.
 */
public final class LayerConfig {

    /** How one layer type is written and rebuilt. */
    public record Entry<M extends Module>(String type, Class<M> cls, Function<M, Map<String, Object>> config,
                                          Function<Args, ? extends Module> factory) {
    }

    /** Constructor arguments read back from JSON, with typed getters whose messages name the layer and the key. */
    public record Args(String type, Map<String, Object> values) {
        private Object get(String key) {
            if (!values.containsKey(key)) throw new IllegalArgumentException("model.json: layer " + type + " lacks '" + key + "'");
            return values.get(key);
        }

        public int integer(String key) {
            return ((Number) get(key)).intValue();
        }

        public double number(String key) {
            return ((Number) get(key)).doubleValue();
        }

        public boolean bool(String key) {
            return (Boolean) get(key);
        }

        /** A string, or null for JSON null. */
        public String string(String key) {
            return (String) get(key);
        }

        public int[] ints(String key) {
            List<?> l = (List<?>) get(key);
            int[] out = new int[l.size()];
            for (int i = 0; i < out.length; i++) out[i] = ((Number) l.get(i)).intValue();
            return out;
        }

        /** A nested layer spec (for containers). */
        public Module layer(String key) {
            return create(map(get(key)));
        }

        public List<Module> layers(String key) {
            List<Module> out = new ArrayList<>();
            for (Object o : (List<?>) get(key)) out.add(create(map(o)));
            return out;
        }
    }

    private static final Map<String, Entry<?>> BY_TYPE = new ConcurrentHashMap<>();
    private static final Map<Class<?>, Entry<?>> BY_CLASS = new ConcurrentHashMap<>();

    static {
        BuiltinLayers.registerAll();
    }

    private LayerConfig() {
    }

    /** Registers (or replaces) a layer type. The type name is what model.json stores. */
    public static <M extends Module> void register(String type, Class<M> cls, Function<M, Map<String, Object>> config,
                                                   Function<Args, ? extends Module> factory) {
        Entry<M> e = new Entry<>(type, cls, config, factory);
        BY_TYPE.put(type, e);
        BY_CLASS.put(cls, e);
    }

    /** Whether a layer's exact class is registered. */
    public static boolean isRegistered(Module layer) {
        return BY_CLASS.containsKey(layer.getClass());
    }

    /** {"type": …, "config": {…}} for a layer; fails for a type nobody registered, naming it. */
    public static Map<String, Object> describe(Module layer) {
        Entry<?> e = BY_CLASS.get(layer.getClass());
        if (e == null) {
            throw new IllegalArgumentException("no LayerConfig for " + layer.getClass().getName() + " (" + layer.describe()
                    + "): register it with LayerConfig.register(…) to save the architecture, or save weights only");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("type", e.type());
        out.put("config", configOf(e, layer));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static <M extends Module> Map<String, Object> configOf(Entry<M> e, Module layer) {
        return e.config().apply((M) layer);
    }

    /** A new layer from a {"type", "config"} spec. */
    public static Module create(Map<String, Object> spec) {
        Object type = spec.get("type");
        Entry<?> e = type == null ? null : BY_TYPE.get(type.toString());
        if (e == null) {
            throw new IllegalArgumentException("model.json: unknown layer type '" + type + "' (known: "
                    + new java.util.TreeSet<>(BY_TYPE.keySet()) + "); a custom layer must be registered with "
                    + "LayerConfig.register before Model.load");
        }
        Object config = spec.getOrDefault("config", Map.of());
        try {
            return e.factory().apply(new Args(e.type(), map(config)));
        } catch (ClassCastException ex) {
            throw new IllegalArgumentException("model.json: layer " + type + " has a config of the wrong form: " + config, ex);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        if (!(o instanceof Map<?, ?> m)) throw new IllegalArgumentException("model.json: expected an object, got " + o);
        return (Map<String, Object>) m;
    }
}
