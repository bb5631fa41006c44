package dev.moxing.optim;

import dev.moxing.optim.Optimizer.ParamGroup;
import dev.moxing.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Common ways to split parameters into groups. */
public final class ParamGroups {
    private ParamGroups() {
    }

    /**
     * Weight decay on matrices and higher-rank weights only: 0- and 1-D parameters (biases, norm
     * gains and shifts) get none, as in GPT-2/nanoGPT and BERT training. Returns the decayed group
     * first, then the undecayed one; empty groups are left out. Names are not used for the split
     * (rank says it), only kept in the iteration order.
     */
    public static List<ParamGroup> decayOnlyMatrices(Map<String, Tensor> namedParams, double weightDecay) {
        List<Tensor> decay = new ArrayList<>(), noDecay = new ArrayList<>();
        for (Tensor p : namedParams.values()) (p.dim() >= 2 ? decay : noDecay).add(p);
        List<ParamGroup> groups = new ArrayList<>();
        if (!decay.isEmpty()) groups.add(new ParamGroup(decay, 1.0, weightDecay));
        if (!noDecay.isEmpty()) groups.add(new ParamGroup(noDecay, 1.0, 0.0));
        return groups;
    }

    /** Binds {@code optimizer} to {@code groups} (it must not be bound yet) and returns it. */
    public static <O extends Optimizer> O bind(O optimizer, List<ParamGroup> groups) {
        if (optimizer.isBound()) {
            throw new IllegalStateException(optimizer.getClass().getSimpleName() + ": already bound to parameters");
        }
        for (ParamGroup g : groups) optimizer.addParamGroup(g.params, g.lrScale, g.weightDecay);
        return optimizer;
    }
}
