package dev.moxing.optim;

import dev.moxing.optim.Optimizer.ParamGroup;
import dev.moxing.parallel.WorkerPool;
import dev.moxing.tensor.Storage;
import dev.moxing.tensor.Tensor;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-parameter optimizer state (a step count and named float buffers the size of the parameter),
 * allocated once on the parameter's first update and keyed by the parameter's identity; plus what
 * every fused update loop shares: flat gradient access and the parallel split.
 *
 * <p>Step counts are per parameter, as in PyTorch: a parameter without a gradient at some step is
 * skipped and its count does not advance (Adam's bias correction depends on it).
 */
final class ParamSlots {

    /** Parameters smaller than this update on the calling thread; larger ones split over the pool. */
    static final int GRAIN = 1 << 15;

    /** One parameter's state. {@code step == 0} means just allocated (buffers all zero). */
    static final class Slot {
        long step;
        final float[][] buffers;

        Slot(int count, int n) {
            buffers = new float[count][n];
        }
    }

    private final String[] names;
    private final Map<Tensor, Slot> slots = new IdentityHashMap<>();

    /** @param names the buffers every parameter gets, in order (Slot.buffers[i] is names[i]) */
    ParamSlots(String... names) {
        this.names = names.clone();
    }

    /** The parameter's state, allocating zeroed buffers on first use. */
    Slot of(Tensor param) {
        return slots.computeIfAbsent(param, p -> new Slot(names.length, p.numel()));
    }

    /** The gradient as a contiguous heap F32 tensor (itself in the usual case, else a copy). */
    static Tensor dense(Tensor t) {
        return t.isContiguous() && t.storage() instanceof Storage.Floats ? t : t.contiguousCopy();
    }

    /** Runs an elementwise update body over [0, n): inline when small, split over the pool otherwise. */
    static void forRange(int n, WorkerPool.RangeBody body) {
        WorkerPool.shared().parallelFor(0, n, GRAIN, body);
    }

    /** {@code base} plus every allocated slot: "P.step" scalars and "P.NAME" buffers. */
    OptimizerState export(OptimizerState base, List<ParamGroup> groups) {
        Map<String, Double> scalars = new LinkedHashMap<>(base.scalars());
        Map<String, float[]> buffers = new LinkedHashMap<>(base.buffers());
        int index = 0;
        for (ParamGroup g : groups) {
            for (Tensor p : g.params) {
                Slot s = slots.get(p);
                if (s != null) {
                    scalars.put(index + ".step", (double) s.step);
                    for (int b = 0; b < names.length; b++) buffers.put(index + "." + names[b], s.buffers[b]);
                }
                index++;
            }
        }
        return new OptimizerState(base.optimizer(), scalars, buffers);
    }

    /** Replaces all slots with those in {@code state}, checking every index, name and size first. */
    void load(OptimizerState state, List<ParamGroup> groups) {
        String who = state.optimizer();
        Map<Integer, Tensor> byIndex = new HashMap<>();
        for (ParamGroup g : groups) for (Tensor p : g.params) byIndex.put(byIndex.size(), p);
        Map<Tensor, Slot> loaded = new IdentityHashMap<>();
        for (var e : state.scalars().entrySet()) {
            String key = e.getKey();
            if (!key.endsWith(".step") || key.startsWith("group.")) continue;
            int index = parseIndex(who, key, byIndex.size());
            Tensor p = byIndex.get(index);
            Slot s = new Slot(names.length, p.numel());
            s.step = e.getValue().longValue();
            for (int b = 0; b < names.length; b++) {
                float[] v = state.buffers().get(index + "." + names[b]);
                if (v == null) throw new IllegalArgumentException(who + " state: missing buffer '" + index + "." + names[b] + "'");
                if (v.length != p.numel()) {
                    throw new IllegalArgumentException(who + " state: buffer '" + index + "." + names[b] + "' has "
                            + v.length + " values, parameter " + index + " has " + p.numel());
                }
                System.arraycopy(v, 0, s.buffers[b], 0, v.length);
            }
            loaded.put(p, s);
        }
        for (String key : state.buffers().keySet()) {
            int index = parseIndex(who, key, byIndex.size());
            if (!state.scalars().containsKey(index + ".step")) {
                throw new IllegalArgumentException(who + " state: buffer '" + key + "' without '" + index + ".step'");
            }
            String name = key.substring(key.indexOf('.') + 1);
            if (!List.of(names).contains(name)) {
                throw new IllegalArgumentException(who + " state: unexpected buffer '" + key + "' (expected "
                        + String.join(", ", names) + ")");
            }
        }
        slots.clear();
        slots.putAll(loaded);
    }

    private static int parseIndex(String who, String key, int count) {
        int dot = key.indexOf('.');
        int index;
        try {
            index = Integer.parseInt(key.substring(0, Math.max(0, dot)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(who + " state: unexpected key '" + key + "'");
        }
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException(who + " state: '" + key + "' refers to parameter " + index
                    + " but the optimizer has " + count);
        }
        return index;
    }
}
