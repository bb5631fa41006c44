package dev.moxing.nn.keras;

import dev.moxing.nn.loss.Loss;
import dev.moxing.nn.metrics.ClassLabels;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Keras's class_weight for any mean-reduced loss: the batch loss becomes (1/N) Σᵢ w(yᵢ) ℓᵢ.
 * Rather than asking every loss for per-sample values, the batch is split by class: for the n_c
 * rows of class c the loss's own mean is ℓ̄_c, and Σ_c w_c (n_c / N) ℓ̄_c is the same sum. That costs
 * one loss call per class present, small next to the forward pass.
 */
final class ClassWeights {
    private ClassWeights() {
    }

    static Tensor loss(Loss loss, Tensor output, Tensor targets, Map<Integer, Double> weights) {
        int[] cls = classes(output, targets);
        int n = cls.length;
        int classes = 0;
        for (int c : cls) classes = Math.max(classes, c + 1);
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) byClass.add(new ArrayList<>());
        for (int i = 0; i < n; i++) byClass.get(cls[i]).add(i);
        Tensor total = null;
        for (int c = 0; c < classes; c++) {
            List<Integer> members = byClass.get(c);
            if (members.isEmpty()) continue;
            int[] idx = members.stream().mapToInt(Integer::intValue).toArray();
            double w = weights.getOrDefault(c, 1.0) * idx.length / n;
            Tensor part = loss.apply(output.indexSelect(0, Tensor.ofInts(idx, idx.length)), rows(targets, idx)).mul((float) w);
            total = total == null ? part : total.add(part);
        }
        return total;
    }

    /** Rows of a tensor, keeping its dtype (class-index targets stay I32). */
    private static Tensor rows(Tensor t, int[] idx) {
        if (t.dtype() != DType.I32) return t.indexSelect(0, Tensor.ofInts(idx, idx.length));
        int[] all = t.toIntArray();
        int row = t.numel() / Math.max(1, t.size(0));
        int[] out = new int[idx.length * row];
        for (int j = 0; j < idx.length; j++) System.arraycopy(all, idx[j] * row, out, j * row, row);
        int[] shape = t.shape();
        shape[0] = idx.length;
        return Tensor.ofInts(out, shape);
    }

    /** The class of each target row, as the metrics read it (for class weights). */
    private static int[] classes(Tensor output, Tensor targets) {
        return ClassLabels.actual(targets, output, "class_weight");
    }
}
