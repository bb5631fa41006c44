package dev.moxing.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Central finite-difference gradient checks of composite expressions: the analytic gradient from
 * {@code loss.backward()} must match {@code (L(x + h e_i) - L(x - h e_i)) / (2h)} for every element
 * of every parameter.
 *
 * <p>The engine is float32 only, so the usual float64 gradcheck (h = 1e-6, tolerance 1e-5) is not
 * possible. Instead:
 *
 * <ul>
 *   <li>h = 1e-2 (smaller for the few strongly curved expressions). The perturbed inputs are
 *       rounded to float32 and the actual step {@code x+ - x-} is used as the denominator;
 *   <li>the two float32 losses are converted to double before they are subtracted;
 *   <li>error budget: truncation {@code h^2 / 6 * |f'''|} is ~2e-5 per unit of third derivative,
 *       and float32 rounding of the loss (a few ulp of |L| <= 10, ~1e-6) divided by 2h adds
 *       ~1e-4 at most;
 *   <li>so an element passes when {@code |analytic - numeric| <= 2e-3 + 1e-2 * max(|analytic|,
 *       |numeric|)}. That is ~10x above the expected noise yet far below what a wrong backward
 *       produces (a missing term, a wrong factor or a transposed gradient is off by O(|grad|)).
 * </ul>
 *
 * <p>Inputs of ops with kinks (relu, abs, clamp, max/min, maximum/minimum) are drawn at least a few
 * h away from them so that the finite difference does not straddle one. The losses use random
 * weights {@code w} so that no gradient is trivially zero (e.g. {@code sum(softmax(x))} is constant).
 */
class GradCheckTest {

    static final double H = 1e-2;
    static final double ATOL = 2e-3;
    static final double RTOL = 1e-2;

    record Param(String name, float[] data, int[] shape) {}

    @FunctionalInterface
    interface Loss {
        Tensor apply(Tensor[] p);
    }

    // ------------------------------------------------------------------------------------------
    // The checker
    // ------------------------------------------------------------------------------------------

    static void gradCheck(String what, Loss f, Param... params) {
        gradCheck(what, f, H, params);
    }

    static void gradCheck(String what, Loss f, double h, Param... params) {
        // analytic
        Tensor[] leaves = new Tensor[params.length];
        for (int k = 0; k < params.length; k++) {
            leaves[k] = Tensor.of(params[k].data().clone(), params[k].shape()).setRequiresGrad(true);
        }
        Tensor loss = f.apply(leaves);
        assertThat(loss.numel()).as(what + ": loss is a scalar").isEqualTo(1);
        assertThat(Float.isFinite(loss.item())).as(what + ": loss is finite").isTrue();
        loss.backward();

        List<String> problems = new ArrayList<>();
        double worstRatio = 0;
        String worstLine = "";
        for (int k = 0; k < params.length; k++) {
            Param p = params[k];
            Tensor g = leaves[k].grad();
            if (g == null) {
                problems.add(p.name() + ": no gradient reached the leaf");
                continue;
            }
            if (!Arrays.equals(g.shape(), p.shape())) {
                problems.add(p.name() + ": gradient shape " + Arrays.toString(g.shape()) + ", parameter shape "
                        + Arrays.toString(p.shape()));
                continue;
            }
            float[] analytic = g.toFloatArray();
            for (int i = 0; i < p.data().length; i++) {
                double numeric = numericPartial(f, params, k, i, h);
                double a = analytic[i];
                double diff = Math.abs(a - numeric);
                double allowed = ATOL + RTOL * Math.max(Math.abs(a), Math.abs(numeric));
                String line = String.format("%s%s: analytic %.6g, numeric %.6g, |diff| %.3g (allowed %.3g)",
                        p.name(), Arrays.toString(unravel(i, p.shape())), a, numeric, diff, allowed);
                if (!(diff <= allowed)) problems.add(line);
                if (diff / allowed > worstRatio) {
                    worstRatio = diff / allowed;
                    worstLine = line;
                }
            }
        }
        if (!problems.isEmpty()) {
            int shown = Math.min(problems.size(), 12);
            fail(what + ": " + problems.size() + " gradient element(s) disagree with central differences (h=" + h
                    + ")\n  - " + String.join("\n  - ", problems.subList(0, shown))
                    + (shown < problems.size() ? "\n  ... " + (problems.size() - shown) + " more" : "")
                    + "\n  worst: " + worstLine);
        }
    }

    static double numericPartial(Loss f, Param[] params, int k, int i, double h) {
        float x0 = params[k].data()[i];
        float xp = (float) (x0 + h);
        float xm = (float) (x0 - h);
        double lp = evalAt(f, params, k, i, xp);
        double lm = evalAt(f, params, k, i, xm);
        return (lp - lm) / ((double) xp - (double) xm);
    }

    static double evalAt(Loss f, Param[] params, int k, int i, float value) {
        Tensor[] ts = new Tensor[params.length];
        for (int j = 0; j < params.length; j++) {
            float[] d = params[j].data().clone();
            if (j == k) d[i] = value;
            ts[j] = Tensor.of(d, params[j].shape());
        }
        try (var noGrad = Tensor.noGrad()) {
            return f.apply(ts).item();
        }
    }

    static int[] unravel(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }

    // ------------------------------------------------------------------------------------------
    // Data
    // ------------------------------------------------------------------------------------------

    static int numel(int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    static Param randn(Random r, String name, int... shape) {
        return randn(r, name, 1.0, shape);
    }

    static Param randn(Random r, String name, double scale, int... shape) {
        float[] d = new float[numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = (float) (r.nextGaussian() * scale);
        return new Param(name, d, shape);
    }

    /** Uniform in [lo, hi): strictly positive bases for log, sqrt, pow. */
    static Param uniform(Random r, String name, double lo, double hi, int... shape) {
        float[] d = new float[numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return new Param(name, d, shape);
    }

    /** Gaussian values pushed at least {@code gap} away from every point in {@code kinks}. */
    static Param awayFrom(Random r, String name, double gap, double[] kinks, int... shape) {
        float[] d = new float[numel(shape)];
        for (int i = 0; i < d.length; i++) {
            double v;
            boolean ok;
            do {
                v = r.nextGaussian();
                ok = true;
                for (double kink : kinks) ok &= Math.abs(v - kink) >= gap;
            } while (!ok);
            d[i] = (float) v;
        }
        return new Param(name, d, shape);
    }

    /** All values distinct and at least {@code spacing} apart (max/min reductions: no near-ties). */
    static Param distinct(Random r, String name, double spacing, int... shape) {
        int n = numel(shape);
        List<Integer> perm = new ArrayList<>();
        for (int i = 0; i < n; i++) perm.add(i);
        java.util.Collections.shuffle(perm, r);
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = (float) ((perm.get(i) - n / 2.0) * spacing + r.nextDouble() * 0.1 * spacing);
        return new Param(name, d, shape);
    }

    static Tensor constant(Random r, int... shape) {
        Param p = randn(r, "const", shape);
        return Tensor.of(p.data(), shape);
    }

    static Tensor indices(Random r, int high, int... shape) {
        int[] d = new int[numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = r.nextInt(high);
        return Tensor.ofInts(d, shape);
    }

    // ------------------------------------------------------------------------------------------
    // The checks
    // ------------------------------------------------------------------------------------------

    @Test
    void weightedSoftmax() {
        Random r = new Random(1);
        Tensor w = constant(r, 3, 5);
        Tensor w0 = constant(r, 3, 5);
        gradCheck("sum(softmax(x, -1) * w) + sum(softmax(x^T^T, 0) * w0)",
                p -> p[0].softmax(-1).mul(w).sum()
                        .add(p[1].t().softmax(0).mul(w0).sum()),
                randn(r, "x", 1.5, 3, 5), randn(r, "y", 1.5, 5, 3));
    }

    @Test
    void mlpWithGelu() {
        Random r = new Random(2);
        gradCheck("mean(gelu(x @ W + b))",
                p -> p[0].matmul(p[1]).add(p[2]).gelu().mean(),
                randn(r, "x", 4, 3), randn(r, "W", 3, 5), randn(r, "b", 5));
        gradCheck("mean(geluTanh(x @ W + b) * w)",
                p -> p[0].matmul(p[1]).add(p[2]).geluTanh().mul(p[3]).sum(),
                randn(r, "x", 4, 3), randn(r, "W", 3, 5), randn(r, "b", 5), randn(r, "w", 4, 5));
    }

    @Test
    void crossEntropyViaLogSoftmaxAndGather() {
        Random r = new Random(3);
        Tensor targets = indices(r, 6, 4, 1);
        gradCheck("-mean(gather(log_softmax(logits, -1), 1, targets))",
                p -> p[0].logSoftmax(-1).gather(1, targets).mean().neg(),
                randn(r, "logits", 2.0, 4, 6));
    }

    @Test
    void crossEntropyViaOneHot() {
        Random r = new Random(4);
        Tensor targets = indices(r, 5, 2, 3);
        Tensor oneHot = Tensor.oneHot(targets, 5);
        gradCheck("-sum(one_hot(t) * log_softmax(x @ W, -1)) / 6",
                p -> oneHot.mul(p[0].matmul(p[1]).logSoftmax(-1)).sum().div(-6f),
                randn(r, "x", 2, 3, 4), randn(r, "W", 4, 5));
    }

    @Test
    void variance() {
        Random r = new Random(5);
        Tensor w = constant(r, 3);
        Tensor w2 = constant(r, 2, 3, 1);
        gradCheck("sum(var(x, [0,2], corr 1) * w) + sum(var(x, -1, keepdim) * w2) + sum(var(x,[1],corr 0))",
                p -> p[0].var(new int[] {0, 2}, 1, false).mul(w).sum()
                        .add(p[0].var(-1, true).mul(w2).sum())
                        .add(p[0].var(new int[] {1}, 0, false).sum()),
                randn(r, "x", 2, 3, 4));
    }

    @Test
    void layerNorm() {
        Random r = new Random(6);
        Tensor w = constant(r, 3, 6);
        gradCheck("sum(layer_norm(x) * gamma + beta) * w)",
                p -> {
                    Tensor x = p[0];
                    Tensor centered = x.sub(x.mean(-1, true));
                    Tensor inv = x.var(new int[] {-1}, 0, true).add(1e-5f).rsqrt();
                    return centered.mul(inv).mul(p[1]).add(p[2]).mul(w).sum();
                },
                randn(r, "x", 3, 6), randn(r, "gamma", 6), randn(r, "beta", 6));
    }

    @Test
    void divisionAndPowers() {
        Random r = new Random(7);
        Tensor w = constant(r, 3, 4);
        gradCheck("sum(a / (b*b + 1)) + sum(a / b * w)",
                p -> p[0].div(p[1].mul(p[1]).add(1f)).sum().add(p[0].div(p[1]).mul(w).sum()),
                3e-3,
                randn(r, "a", 3, 4), awayFrom(r, "b", 0.6, new double[] {0}, 3, 4));
        gradCheck("sum(c^1.5 * w) + sum(c^-1) + sum(c^2) + sum(c^0.5 * w)",
                p -> p[0].pow(1.5f).mul(w).sum().add(p[0].pow(-1f).sum()).add(p[0].pow(2f).sum())
                        .add(p[0].pow(0.5f).mul(w).sum()),
                uniform(r, "c", 0.5, 2.0, 3, 4));
        gradCheck("sum(base^expo * w) with broadcast exponent",
                p -> p[0].pow(p[1]).mul(w).sum(),
                uniform(r, "base", 0.5, 2.0, 3, 4), randn(r, "expo", 0.7, 4));
    }

    @Test
    void maxAndMinReductions() {
        Random r = new Random(8);
        Tensor w = constant(r, 3);
        Tensor w2 = constant(r, 1, 4);
        gradCheck("sum(max(x, 1) * w) + sum(min(x, 0, keepdim) * w2) + max(x) - 0.5 min(x)",
                p -> p[0].max(1, false).mul(w).sum()
                        .add(p[0].min(0, true).mul(w2).sum())
                        .add(p[0].max())
                        .sub(p[0].min().mul(0.5f)),
                distinct(r, "x", 0.1, 3, 4));
    }

    @Test
    void gatherIndexSelectEmbedding() {
        Random r = new Random(9);
        Tensor idx = indices(r, 5, 4, 3);
        Tensor sel = Tensor.ofInts(new int[] {3, 0, 3}, 3);
        Tensor ids = Tensor.ofInts(new int[] {1, 3, 1, 0, 3, 2}, 2, 3);
        Tensor w1 = constant(r, 4, 3);
        Tensor w2 = constant(r, 3, 5);
        Tensor w3 = constant(r, 2, 3, 5);
        gradCheck("sum(gather(x,1,idx)*w1) + sum(index_select(x,0,sel)*w2) + sum(embedding(x, ids)^2*w3)",
                p -> p[0].gather(1, idx).mul(w1).sum()
                        .add(p[0].indexSelect(0, sel).mul(w2).sum())
                        .add(Tensor.embedding(p[0], ids).pow(2f).mul(w3).sum()),
                randn(r, "x", 4, 5));
    }

    @Test
    void embeddingThenMatmul() {
        Random r = new Random(10);
        Tensor ids = Tensor.ofInts(new int[] {0, 5, 2, 5, 5, 1}, 2, 3);
        gradCheck("mean(tanh(embedding(E, ids) @ V))",
                p -> Tensor.embedding(p[0], ids).matmul(p[1]).tanh().mean(),
                randn(r, "E", 6, 4), randn(r, "V", 4, 3));
    }

    @Test
    void scatterAdd() {
        Random r = new Random(11);
        Tensor idx = indices(r, 5, 3, 4);
        Tensor w = constant(r, 3, 5);
        gradCheck("sum(scatter_add(input, 1, idx, src)^2 * w)",
                p -> p[0].scatterAdd(1, idx, p[1]).pow(2f).mul(w).sum(),
                randn(r, "input", 3, 5), randn(r, "src", 3, 4));
    }

    @Test
    void catStackSplitChunk() {
        Random r = new Random(12);
        Tensor[] ws = {constant(r, 2, 2), constant(r, 2, 2), constant(r, 2, 1)};
        Tensor w4 = constant(r, 2, 2, 3);
        gradCheck("split(cat(a, b, 1), 2, 1) pieces, stack(a, exp(a)), chunk(cat)[1]^2",
                p -> {
                    Tensor c = Tensor.cat(1, p[0], p[1]);
                    List<Tensor> parts = c.split(2, 1);
                    Tensor loss = Tensor.scalar(0f);
                    for (int k = 0; k < parts.size(); k++) loss = loss.add(parts.get(k).mul(ws[k]).sum());
                    loss = loss.add(Tensor.stack(0, p[0], p[0].exp()).mul(w4).sum());
                    return loss.add(c.chunk(2, 0).get(1).pow(2f).sum());
                },
                randn(r, "a", 2, 3), randn(r, "b", 2, 2));
    }

    @Test
    void maskedAttention() {
        Random r = new Random(13);
        float[] m = new float[9];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) m[i * 3 + j] = j > i ? 1f : 0f;
        Tensor causal = Tensor.of(m, 3, 3);
        Tensor w = constant(r, 2, 3, 4);
        gradCheck("sum(softmax(maskedFill(q k^T / 2, causal, -1e9), -1) @ v * w)",
                p -> p[0].matmul(p[1].transpose(1, 2)).div(2f).maskedFill(causal, -1e9f).softmax(-1)
                        .matmul(p[2]).mul(w).sum(),
                randn(r, "q", 2, 3, 4), randn(r, "k", 2, 3, 4), randn(r, "v", 2, 3, 4));
    }

    @Test
    void activations() {
        Random r = new Random(14);
        Tensor w = constant(r, 3, 4);
        gradCheck("sum(w * (silu + sigmoid*tanh + geluTanh + relu + gelu)(x))",
                p -> {
                    Tensor x = p[0];
                    return x.silu().add(x.sigmoid().mul(x.tanh())).add(x.geluTanh()).add(x.relu()).add(x.gelu())
                            .mul(w).sum();
                },
                awayFrom(r, "x", 0.05, new double[] {0}, 3, 4));
    }

    @Test
    void transcendentals() {
        Random r = new Random(15);
        Tensor w = constant(r, 3, 4);
        gradCheck("sum(w * (log(x) * exp(-x) + sqrt(x) * rsqrt(x + 1)))",
                p -> p[0].log().mul(p[0].neg().exp()).add(p[0].sqrt().mul(p[0].add(1f).rsqrt())).mul(w).sum(),
                uniform(r, "x", 0.5, 2.5, 3, 4));
    }

    @Test
    void kinkedSelectionOps() {
        Random r = new Random(16);
        Tensor w = constant(r, 3, 4);
        Param a = awayFrom(r, "a", 0.05, new double[] {0, -0.5, 0.5}, 3, 4);
        float[] bd = new float[12];
        for (int i = 0; i < 12; i++) bd[i] = a.data()[i] + (r.nextBoolean() ? 1 : -1) * (float) (0.1 + 0.5 * r.nextDouble());
        Tensor cond = Tensor.of(new float[] {1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0}, 3, 4);
        gradCheck("sum(w * (maximum(a,b) + 2 minimum(a,b) + clamp(a) + abs(a) + where(c, a, b)))",
                p -> p[0].maximum(p[1]).add(p[0].minimum(p[1]).mul(2f)).add(p[0].clamp(-0.5f, 0.5f))
                        .add(p[0].abs()).add(Tensor.where(cond, p[0], p[1])).mul(w).sum(),
                a, new Param("b", bd, new int[] {3, 4}));
    }

    @Test
    void broadcastingThroughViews() {
        Random r = new Random(17);
        Tensor w = constant(r, 4, 6);
        gradCheck("sum(permute((a + b^T) * c, 2,0,1).reshape(4, 6) * w) + mean(expand(a))",
                p -> p[0].add(p[1].t()).mul(p[2]).permute(2, 0, 1).reshape(4, 6).mul(w).sum()
                        .add(p[0].expand(3, 5, 4).mean()),
                randn(r, "a", 3, 1, 4), randn(r, "b", 4, 2), randn(r, "c", 2, 1));
    }

    @Test
    void reusedTensorAccumulatesGradients() {
        Random r = new Random(18);
        gradCheck("sum(x*x*x) + mean(x^T @ x) + sum((x - mean(x, 0))^2)",
                p -> p[0].mul(p[0]).mul(p[0]).sum()
                        .add(p[0].t().matmul(p[0]).mean())
                        .add(p[0].sub(p[0].mean(0, true)).pow(2f).sum()),
                3e-3,
                randn(r, "x", 3, 3));
    }

    @Test
    void logSoftmaxExpOnThreeDims() {
        Random r = new Random(19);
        Tensor w = constant(r, 2, 3, 4);
        gradCheck("sum(exp(log_softmax(x, 1)) * w) + sum(log_softmax(x, 0) * w)",
                p -> p[0].logSoftmax(1).exp().mul(w).sum().add(p[0].logSoftmax(0).mul(w).sum()),
                randn(r, "x", 2, 3, 4));
    }

    @Test
    void viewChain() {
        Random r = new Random(20);
        Tensor w = constant(r, 4);
        Tensor w2 = constant(r, 3);
        Tensor w3 = constant(r, 2, 6);
        gradCheck("chunk/narrow/unsqueeze/contiguous/flatten, view+sum+squeeze, slice",
                p -> {
                    Tensor x = p[0];
                    Tensor a = x.chunk(3, 1).get(1).narrow(0, 1, 2).unsqueeze(0).contiguous().flatten();
                    Tensor b = x.view(2, 3, 4).sum(new int[] {0, 2}, true).squeeze();
                    Tensor c = x.reshape(2, 12).slice(1, 3, 9).transpose(0, 1).squeeze().t();
                    return a.mul(w).sum().add(b.mul(w2).sum()).add(c.mul(c).mul(w3).sum());
                },
                randn(r, "x", 4, 6));
    }

    @Test
    void reductionsWithKeepdimAndScalars() {
        Random r = new Random(21);
        Tensor w = constant(r, 2, 3, 4);
        gradCheck("sum(((x.sum(1,keep) - x.mean([0,2],keep)) + 2) * y - 1.5) / 3 * w) + mean(x, [-1]) . sum",
                p -> p[0].sum(1, true).sub(p[0].mean(new int[] {0, 2}, true)).add(2f).mul(p[1]).sub(1.5f)
                        .div(3f).mul(w).sum().add(p[0].mean(-1, false).sum()),
                randn(r, "x", 2, 3, 4), randn(r, "y", 3, 1));
    }

    @Test
    void batchedAndBroadcastMatmul() {
        Random r = new Random(22);
        Tensor w = constant(r, 2, 5, 3, 2);
        Tensor w1 = constant(r, 5);
        gradCheck("(2,1,3,4)@(5,4,2) broadcast batch, vector@matrix",
                p -> p[0].matmul(p[1]).mul(w).sum().add(p[2].matmul(p[1].narrow(0, 1, 1).squeeze(0).t()).sum())
                        .add(p[2].matmul(p[3]).mul(w1).sum()),
                randn(r, "a", 2, 1, 3, 4), randn(r, "b", 5, 4, 2), randn(r, "v", 2), randn(r, "m", 2, 5));
    }
}
