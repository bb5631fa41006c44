package dev.moxing.nn.lora;

import dev.moxing.nn.Module;
import dev.moxing.nn.io.SafeTensors;
import dev.moxing.nn.layers.Linear;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * LoRA fine-tuning on any module tree: {@link #apply} wraps the targeted Linear children in
 * {@link LoraLinear} in place and freezes everything else, {@link #adapterState} and
 * {@link #save}/{@link #load} move only the adapters (a few hundred KB beside a base checkpoint
 * that stays untouched), {@link #mergeAll}/{@link #unmergeAll} fold them into the weights and back.
 *
 * <p>The swap goes through {@link Module#replaceModule}, so it reaches layers whose parent calls
 * its children through {@code child(name)} at forward time (the Transformer's attention and MLP).
 */
public final class Lora {
    private Lora() {}

    /**
     * Wraps every matching Linear (see {@link LoraConfig}) and freezes every other parameter.
     * Returns the dotted names of the wrapped modules; fails if nothing matched, which is almost
     * always a misspelt target.
     */
    public static List<String> apply(Module model, LoraConfig config) {
        Rng rng = new Rng(config.seed());
        List<String> wrapped = new ArrayList<>();
        for (Tensor p : model.parameters()) p.setRequiresGrad(false);
        visit(model, "", (name, parent) -> {
            String local = name.substring(name.lastIndexOf('.') + 1);
            Module m = parent.children().get(local);
            if (m instanceof Linear lin && !(m instanceof LoraLinear) && matches(name, config)) {
                parent.replaceModule(local, new LoraLinear(lin, config.rank(), config.alpha(), config.dropout(), rng));
                wrapped.add(name);
            }
        });
        if (wrapped.isEmpty()) {
            throw new IllegalArgumentException("Lora: no Linear module matches " + new TreeSet<>(config.targets())
                    + "; Linear modules are " + linearNames(model));
        }
        return wrapped;
    }

    private static boolean matches(String name, LoraConfig config) {
        for (String t : config.targets()) {
            if (name.equals(t) || name.endsWith("." + t)) return true;
        }
        return false;
    }

    /** Calls fn(dottedName, parent) for every child, parents before children (snapshot per level). */
    private static void visit(Module parent, String prefix, BiConsumer<String, Module> fn) {
        for (String local : new ArrayList<>(parent.children().keySet())) {
            fn.accept(prefix + local, parent);
            visit(parent.children().get(local), prefix + local + ".", fn);
        }
    }

    private static List<String> linearNames(Module model) {
        List<String> out = new ArrayList<>();
        visit(model, "", (name, parent) -> {
            if (parent.children().get(name.substring(name.lastIndexOf('.') + 1)) instanceof Linear) out.add(name);
        });
        return out;
    }

    /** Every adapter layer by dotted name. */
    public static Map<String, LoraLinear> adapters(Module model) {
        Map<String, LoraLinear> out = new LinkedHashMap<>();
        visit(model, "", (name, parent) -> {
            if (parent.children().get(name.substring(name.lastIndexOf('.') + 1)) instanceof LoraLinear l) out.put(name, l);
        });
        return out;
    }

    /** Only the adapter tensors, e.g. "block0.attn.q.lora_A" → (r, in): what a LoRA checkpoint holds. */
    public static Map<String, Tensor> adapterState(Module model) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        adapters(model).forEach((name, l) -> {
            out.put(name + ".lora_A", l.loraA());
            out.put(name + ".lora_B", l.loraB());
        });
        return out;
    }

    /** The parameters that train: the adapters' A and B (what to hand the optimizer). */
    public static List<Tensor> trainableParameters(Module model) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : model.parameters()) if (p.requiresGrad()) out.add(p);
        return out;
    }

    /** Copies adapter tensors into a model that {@link #apply} has already wrapped the same way. */
    public static void loadAdapterState(Module model, Map<String, Tensor> state) {
        Map<String, Tensor> mine = adapterState(model);
        if (!mine.keySet().equals(state.keySet())) {
            throw new IllegalArgumentException("Lora: adapter names differ; model has " + new TreeSet<>(mine.keySet())
                    + ", state has " + new TreeSet<>(state.keySet()));
        }
        for (var e : mine.entrySet()) {
            Tensor v = state.get(e.getKey());
            if (!Shape.same(v.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("Lora: '" + e.getKey() + "' has shape " + Shape.str(v.shape())
                        + " in the file but " + Shape.str(e.getValue().shape()) + " in the model (different rank?)");
            }
        }
        for (LoraLinear l : adapters(model).values()) {
            if (l.merged()) throw new IllegalStateException("Lora: unmerge before loading adapters");
        }
        try (var ignored = Tensor.noGrad()) {
            for (var e : mine.entrySet()) e.getValue().copyFrom(state.get(e.getKey()));
        }
    }

    /** Writes the adapters alone as safetensors, with rank and scale in the metadata. */
    public static void save(Module model, Path path) throws IOException {
        Map<String, LoraLinear> a = adapters(model);
        if (a.isEmpty()) throw new IllegalArgumentException("Lora: the model has no adapters");
        LoraLinear first = a.values().iterator().next();
        SafeTensors.write(path, adapterState(model), Map.of("format", "moxing-lora", "rank", String.valueOf(first.rank()),
                "scale", String.valueOf(first.scale()), "targets", String.join(",", a.keySet())));
    }

    public static void load(Module model, Path path) throws IOException {
        loadAdapterState(model, SafeTensors.read(path));
    }

    public static void mergeAll(Module model) {
        for (LoraLinear l : adapters(model).values()) l.merge();
    }

    public static void unmergeAll(Module model) {
        for (LoraLinear l : adapters(model).values()) l.unmerge();
    }
}
