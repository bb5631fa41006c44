package dev.moxing.optim;

import dev.moxing.optim.schedule.LrSchedule;
import dev.moxing.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Updates parameters from their gradients. Built either PyTorch-style over parameters
 * ({@code new AdamW(model.parameters(), 3e-4)}) or Keras-style unbound ({@code new Adam(1e-3)}) and
 * bound later by {@code Model.compile}. Parameters are split into groups that may differ in learning
 * rate and weight decay (e.g. no decay on biases and norms). Updates run under no-grad, in place.
 */
public abstract class Optimizer {

    /** A set of parameters sharing hyper-parameters; lrScale multiplies the optimizer's learning rate. */
    public static final class ParamGroup {
        public final List<Tensor> params;
        public double lrScale;
        public double weightDecay;

        public ParamGroup(List<Tensor> params, double lrScale, double weightDecay) {
            this.params = List.copyOf(params);
            this.lrScale = lrScale;
            this.weightDecay = weightDecay;
        }
    }

    protected final List<ParamGroup> groups = new ArrayList<>();
    protected double learningRate;
    protected double defaultWeightDecay;
    protected long steps;
    private LrSchedule schedule;
    private double baseLr;

    protected Optimizer(double learningRate, double weightDecay) {
        if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": invalid learning rate " + learningRate);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": invalid weight decay " + weightDecay);
        }
        this.learningRate = learningRate;
        this.defaultWeightDecay = weightDecay;
    }

    /** Adds all params as one group with the optimizer's default weight decay (if not bound yet). Returns this. */
    public Optimizer bind(List<Tensor> params) {
        if (groups.isEmpty()) addParamGroup(params, 1.0, defaultWeightDecay);
        return this;
    }

    public boolean isBound() {
        return !groups.isEmpty();
    }

    public Optimizer addParamGroup(List<Tensor> params, double lrScale, double weightDecay) {
        for (Tensor p : params) {
            if (!p.requiresGrad()) {
                throw new IllegalArgumentException(getClass().getSimpleName() + ": a parameter does not require grad");
            }
        }
        groups.add(new ParamGroup(params, lrScale, weightDecay));
        return this;
    }

    public List<ParamGroup> paramGroups() {
        return Collections.unmodifiableList(groups);
    }

    /**
     * Keras's {@code learning_rate=schedule}: from now on the rate of each step is
     * {@code schedule.lrAt(t, base)}, where t counts the step() calls before it and base is the
     * current rate. The rate is a function of the step count alone, so a restored state dict
     * resumes the schedule exactly. null removes the schedule (the rate stays where it is). Returns this.
     */
    public Optimizer schedule(LrSchedule schedule) {
        if (schedule != null && this.schedule == null) baseLr = learningRate;
        this.schedule = schedule;
        if (schedule != null) setLearningRate(schedule.lrAt(steps, baseLr));
        return this;
    }

    /** The schedule set by {@link #schedule(LrSchedule)}, or null. */
    public LrSchedule schedule() {
        return schedule;
    }

    /** The rate a schedule starts from (the current rate when there is none). */
    public double baseLearningRate() {
        return schedule == null ? learningRate : baseLr;
    }

    /** One update of every parameter that has a gradient. */
    public final void step() {
        if (groups.isEmpty()) throw new IllegalStateException(getClass().getSimpleName() + ": no parameters (call bind)");
        if (schedule != null) setLearningRate(schedule.lrAt(steps, baseLr));
        steps++;
        try (var ignored = Tensor.noGrad()) {
            for (ParamGroup g : groups) {
                double lr = learningRate * g.lrScale;
                for (Tensor p : g.params) {
                    if (p.grad() != null) update(p, p.grad(), lr, g.weightDecay);
                }
            }
        }
    }

    /**
     * Updates one parameter in place: p.buffer()[p.offset() ..] from grad, with per-parameter state
     * kept by the subclass (keyed by the parameter tensor's identity).
     */
    protected abstract void update(Tensor param, Tensor grad, double lr, double weightDecay);

    public void zeroGrad() {
        for (ParamGroup g : groups) for (Tensor p : g.params) p.zeroGrad();
    }

    public double learningRate() {
        return learningRate;
    }

    public void setLearningRate(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": invalid learning rate " + lr);
        }
        this.learningRate = lr;
    }

    /**
     * The hyper-parameters that rebuild this optimizer with {@link OptimizerConfig#create}: its
     * Keras name, the (base) learning rate, weight decay and the subclass's own settings. The
     * schedule, if any, is added by {@link OptimizerConfig#describe}.
     */
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT));
        c.put("learning_rate", baseLearningRate());
        c.put("weight_decay", defaultWeightDecay);
        return c;
    }

    /** Number of step() calls so far. */
    public long steps() {
        return steps;
    }

    /**
     * The state a checkpoint needs to resume bit-identically (see {@link OptimizerState}): here the
     * learning rate, step count and group hyper-parameters; optimizers with per-parameter buffers
     * override this to add them.
     */
    public OptimizerState stateDict() {
        Map<String, Double> s = new LinkedHashMap<>();
        s.put("lr", learningRate);
        s.put("steps", (double) steps);
        if (schedule != null) s.put("base_lr", baseLr);
        for (int g = 0; g < groups.size(); g++) {
            s.put("group." + g + ".size", (double) groups.get(g).params.size());
            s.put("group." + g + ".lr_scale", groups.get(g).lrScale);
            s.put("group." + g + ".weight_decay", groups.get(g).weightDecay);
        }
        return new OptimizerState(getClass().getSimpleName(), s, Map.of());
    }

    /**
     * Restores a {@link #stateDict()} taken from the same kind of optimizer over parameters grouped
     * the same way (checked: group count and sizes). Bind the parameters first.
     */
    public void loadStateDict(OptimizerState state) {
        String me = getClass().getSimpleName();
        if (!state.optimizer().equals(me)) {
            throw new IllegalArgumentException(me + ": cannot load the state of a " + state.optimizer());
        }
        int saved = 0;
        while (state.scalars().containsKey("group." + saved + ".size")) saved++;
        if (saved != groups.size()) {
            throw new IllegalArgumentException(me + ": state has " + saved + " parameter groups, this optimizer "
                    + groups.size() + (groups.isEmpty() ? " (call bind first)" : ""));
        }
        for (int g = 0; g < groups.size(); g++) {
            int n = (int) state.scalar("group." + g + ".size");
            if (n != groups.get(g).params.size()) {
                throw new IllegalArgumentException(me + ": group " + g + " has " + groups.get(g).params.size()
                        + " parameters, the state " + n);
            }
        }
        setLearningRate(state.scalar("lr"));
        steps = (long) state.scalar("steps");
        if (state.scalars().containsKey("base_lr")) baseLr = state.scalar("base_lr");
        for (int g = 0; g < groups.size(); g++) {
            groups.get(g).lrScale = state.scalar("group." + g + ".lr_scale");
            groups.get(g).weightDecay = state.scalar("group." + g + ".weight_decay");
        }
    }
}
