package dev.moxing.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an optimizer needs to resume bit-identically, split the way a checkpoint stores it:
 * per-parameter buffers (moments, accumulators) go to safetensors, scalars (learning rate, step
 * counts, group hyper-parameters) to the JSON beside it.
 *
 * <p>Keys: {@code "lr"}, {@code "steps"}, {@code "base_lr"} (only with a schedule), {@code "group.G.size"}, {@code "group.G.lr_scale"},
 * {@code "group.G.weight_decay"}; per parameter, {@code "P.step"} and buffers {@code "P.NAME"}
 * (e.g. {@code "3.exp_avg"}), where P is the parameter's index counting through the groups in
 * order, as in PyTorch's state dicts. A parameter that never had a gradient has no entries.
 * Counters are stored as doubles: exact up to 2^53 steps.
 *
 * @param optimizer the optimizer's class name; loading into another kind of optimizer fails
 */
public record OptimizerState(String optimizer, Map<String, Double> scalars, Map<String, float[]> buffers) {

    public OptimizerState {
        if (optimizer == null || optimizer.isEmpty()) throw new IllegalArgumentException("OptimizerState: no optimizer name");
        // Copies (arrays included): the state must not change when the optimizer steps on.
        Map<String, float[]> b = new LinkedHashMap<>();
        buffers.forEach((k, v) -> b.put(k, v.clone()));
        scalars = Collections.unmodifiableMap(new LinkedHashMap<>(scalars));
        buffers = Collections.unmodifiableMap(b);
    }

    /** A scalar that must be present. */
    public double scalar(String key) {
        Double v = scalars.get(key);
        if (v == null) throw new IllegalArgumentException(optimizer + " state: missing '" + key + "'");
        return v;
    }
}
