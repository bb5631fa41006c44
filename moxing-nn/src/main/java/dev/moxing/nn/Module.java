package dev.moxing.nn;

import dev.moxing.tensor.DType;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Storage;
import dev.moxing.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A network building block: parameters (tensors that require grad), buffers (state that is saved
 * but not trained, such as BatchNorm's running statistics) and named submodules, in registration
 * order. Parameter names are dotted paths ("0.weight", "encoder.fc1.bias") as in PyTorch's state
 * dicts, so checkpoints read like PyTorch's.
 */
public abstract class Module {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** The layer's computation. */
    public abstract Tensor forward(Tensor input);

    /**
     * Registers a trainable parameter (marks it as requiring grad) and returns it. A stored
     * weight (memory-mapped, F16 or quantized) is registered frozen: it has no gradient.
     */
    protected Tensor registerParameter(String name, Tensor value) {
        checkName(name);
        if (!value.isLeaf()) value = value.detach();
        if (trainable(value)) value.setRequiresGrad(true);
        parameters.put(name, value);
        return value;
    }

    private static boolean trainable(Tensor t) {
        return t.dtype() == DType.F32 && t.storage() instanceof Storage.Floats;
    }

    /** Registers saved, untrained state. */
    protected Tensor registerBuffer(String name, Tensor value) {
        checkName(name);
        buffers.put(name, value);
        return value;
    }

    protected <M extends Module> M registerModule(String name, M module) {
        checkName(name);
        children.put(name, module);
        return module;
    }

    /**
     * Swaps a registered child for another module (model surgery, e.g. wrapping a Linear in a LoRA
     * adapter) and returns the old one. Public because the surgery lives outside the model's
     * package; it takes effect only in modules that reach the child through {@link #children()}
     * or {@link #child(String)} at forward time rather than through a field captured at
     * construction.
     */
    public Module replaceModule(String name, Module module) {
        if (!children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": no submodule '" + name + "'");
        }
        if (module == null) throw new IllegalArgumentException(getClass().getSimpleName() + ": null submodule for '" + name + "'");
        return children.put(name, module);
    }

    /** A registered child by name, as it is now (after any {@link #replaceModule}). */
    protected Module child(String name) {
        Module m = children.get(name);
        if (m == null) throw new IllegalArgumentException(getClass().getSimpleName() + ": no submodule '" + name + "'");
        return m;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": invalid member name '" + name + "'");
        }
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": '" + name + "' is already registered");
        }
    }

    /** Replaces the value of a registered parameter or buffer (e.g. when loading weights). */
    protected void replace(String name, Tensor value) {
        if (parameters.containsKey(name)) parameters.put(name, value.detach().setRequiresGrad(trainable(value)));
        else if (buffers.containsKey(name)) buffers.put(name, value);
        else throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameter or buffer '" + name + "'");
    }

    /**
     * Swaps the tensor behind a parameter or buffer, named as in {@link #stateDict()}, for one of
     * the same shape and dtype, and returns the one it replaced: the same values stored elsewhere,
     * e.g. weights moved from a file mapping to the heap. Not while a forward pass of this module
     * runs: the swap is not synchronised with the kernels that read the weight.
     */
    public Tensor replaceWeight(String name, Tensor value) {
        Tensor old = parameters.containsKey(name) ? parameters.get(name) : buffers.get(name);
        if (old == null) {
            int dot = name.indexOf('.');
            Module m = dot < 0 ? null : children.get(name.substring(0, dot));
            if (m == null) throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameter or buffer '" + name + "'");
            return m.replaceWeight(name.substring(dot + 1), value);
        }
        // the same values, possibly re-laid out (Q8_0 → Q8_0_R16: rows interleaved for decoding)
        boolean sameType = old.dtype() == value.dtype() || value.dtype().interleavedFrom() == old.dtype();
        if (!Shape.same(old.shape(), value.shape()) || !sameType) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": '" + name + "' is " + old.dtype() + " "
                    + Shape.str(old.shape()) + ", the replacement " + value.dtype() + " " + Shape.str(value.shape()));
        }
        replace(name, value);
        return old;
    }

    /** The direct submodules, in registration order. */
    public Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** Every parameter of this module and its descendants, in registration order. */
    public List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, false);
        return out;
    }

    /** Parameters and buffers by dotted name: what a checkpoint stores. */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, true);
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> out, boolean withBuffers) {
        parameters.forEach((k, v) -> out.put(prefix + k, v));
        if (withBuffers) buffers.forEach((k, v) -> out.put(prefix + k, v));
        children.forEach((k, m) -> m.collect(prefix + k + ".", out, withBuffers));
    }

    /**
     * Copies values from a state dict. Every entry must exist with the same shape, and every
     * parameter and buffer must be present: a mismatch names the entry and both shapes.
     */
    public void loadStateDict(Map<String, Tensor> state) {
        Map<String, Tensor> mine = stateDict();
        for (String k : state.keySet()) {
            if (!mine.containsKey(k)) throw new IllegalArgumentException("loadStateDict: unexpected entry '" + k + "'");
        }
        for (var e : mine.entrySet()) {
            Tensor v = state.get(e.getKey());
            if (v == null) throw new IllegalArgumentException("loadStateDict: missing entry '" + e.getKey() + "'");
            if (!Shape.same(v.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("loadStateDict: '" + e.getKey() + "' has shape " + Shape.str(v.shape())
                        + " in the checkpoint but " + Shape.str(e.getValue().shape()) + " in the model");
            }
        }
        try (var ignored = Tensor.noGrad()) {
            for (var e : mine.entrySet()) e.getValue().copyFrom(state.get(e.getKey()));
        }
    }

    /** Training mode (dropout active, batch norm uses batch statistics) for this module and all below. */
    public Module train(boolean on) {
        training = on;
        for (Module m : children.values()) m.train(on);
        return this;
    }

    public Module eval() {
        return train(false);
    }

    public boolean isTraining() {
        return training;
    }

    /** Calls fn on every module, children first, then this one (like torch.nn.Module.apply). */
    public Module apply(Consumer<Module> fn) {
        for (Module m : children.values()) m.apply(fn);
        fn.accept(this);
        return this;
    }

    public long parameterCount() {
        long n = 0;
        for (Tensor p : parameters()) n += p.numel();
        return n;
    }

    public void zeroGrad() {
        for (Tensor p : parameters()) p.zeroGrad();
    }

    /** This module's own parameters (not its children's), by local name. */
    protected Map<String, Tensor> localParameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** A short description used by summaries, e.g. "Linear(784 → 512)". */
    public String describe() {
        return getClass().getSimpleName();
    }

    @Override
    public String toString() {
        return describe();
    }
}
