package dev.moxing.nn.layers;

import dev.moxing.autograd.Autograd;
import dev.moxing.kernels.VectorOps;
import dev.moxing.kernels.VectorReductions;
import dev.moxing.nn.Module;
import dev.moxing.parallel.WorkerPool;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

/**
 * Batch normalisation over dim 1 (channels), PyTorch semantics: in training, each channel is
 * normalised with the batch's mean and biased variance, and the running statistics move towards
 * the batch's mean and unbiased variance (running = (1 − momentum)·running + momentum·batch); in
 * evaluation the running statistics are used. Parameters weight (C) = 1 and bias (C) = 0 when
 * affine; buffers running_mean (C) = 0 and running_var (C) = 1.
 *
 * <p>One fused forward/backward pair over the input viewed as (N, C, S), S the product of the
 * spatial dims, parallel over channels; each (n, c) row of S values goes through the core's vector
 * kernels. Per-row sums are added up in double: a channel can hold N·H·W ≈ 10⁵ values, where a
 * float sum would lose digits the running variance keeps forever.
 * In training the backward pass is the closed form
 * dx = w·rstd·(g − mean(g) − x̂·mean(g·x̂)); in evaluation it is dx = w·rstd·g.
 */
public abstract sealed class BatchNorm extends Module permits BatchNorm1d, BatchNorm2d {
    private final int numFeatures;
    private final double eps;
    private final double momentum;
    private final Tensor runningMean;
    private final Tensor runningVar;

    BatchNorm(int numFeatures, double eps, double momentum, boolean affine) {
        ShapeCheck.positive(getClass().getSimpleName(), "num features", numFeatures);
        if (!(eps > 0)) throw new IllegalArgumentException(getClass().getSimpleName() + ": eps must be > 0, got " + eps);
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": momentum must be in [0, 1], got " + momentum);
        }
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        if (affine) {
            registerParameter("weight", Tensor.ones(numFeatures));
            registerParameter("bias", Tensor.zeros(numFeatures));
        }
        runningMean = registerBuffer("running_mean", Tensor.zeros(numFeatures));
        runningVar = registerBuffer("running_var", Tensor.ones(numFeatures));
    }

    /** Checks the input's rank; the layout for messages comes from the subclass. */
    abstract void checkRank(Tensor x);

    public int numFeatures() {
        return numFeatures;
    }

    public double eps() {
        return eps;
    }

    public double momentum() {
        return momentum;
    }

    /** Whether the layer has a learnable weight and bias. */
    public boolean affine() {
        return weight() != null;
    }

    public Tensor weight() {
        return localParameters().get("weight");
    }

    public Tensor bias() {
        return localParameters().get("bias");
    }

    /** (C); updated in place by every training-mode forward. */
    public Tensor runningMean() {
        return runningMean;
    }

    public Tensor runningVar() {
        return runningVar;
    }

    @Override
    public Tensor forward(Tensor input) {
        ShapeCheck.floats(this, input);
        checkRank(input);
        ShapeCheck.size(this, input, 1, numFeatures, "channels");
        int[] s = input.shape();
        int n = s[0], c = s[1];
        int spatial = 1; // product of the dims after C
        for (int i = 2; i < s.length; i++) spatial *= s[i];
        return normalize(input, s, n, c, spatial);
    }

    private Tensor normalize(Tensor input, int[] s, int n, int c, int spatial) {
        long count = (long) n * spatial;
        if (isTraining() && count <= 1) {
            throw new IllegalArgumentException(describe() + ": expected more than 1 value per channel when training, "
                    + "got input " + Shape.str(s));
        }
        Tensor x = input.contiguous(); // (N, C, S)
        Tensor w = weight() == null ? null : weight().contiguous();
        Tensor b = bias() == null ? null : bias().contiguous();
        boolean batchStats = isTraining();
        float[] mean = new float[c], rstd = new float[c], unbiased = new float[c];
        if (!batchStats) {
            float[] rm = runningMean.contiguous().toFloatArray(), rv = runningVar.contiguous().toFloatArray();
            for (int ch = 0; ch < c; ch++) {
                mean[ch] = rm[ch];
                rstd[ch] = (float) (1 / Math.sqrt(rv[ch] + eps));
            }
        }
        float[] xs = x.buffer(), y = new float[x.numel()];
        int xOff = x.offset();
        float[] wb = w == null ? null : w.buffer(), bb = b == null ? null : b.buffer();
        int wOff = w == null ? 0 : w.offset(), bOff = b == null ? 0 : b.offset();
        forChannels(c, count, (c0, c1) -> {
            for (int ch = c0; ch < c1; ch++) {
                if (batchStats) {
                    double sum = 0;
                    for (int i = 0; i < n; i++) sum += VectorReductions.sum(xs, xOff + (i * c + ch) * spatial, spatial);
                    float m = (float) (sum / count);
                    // Two passes with the centred values staged in y: Σ(x − μ)² does not cancel like Σx² − nμ².
                    double sq = 0;
                    for (int i = 0; i < n; i++) {
                        int base = (i * c + ch) * spatial;
                        VectorOps.addScalar(xs, xOff + base, -m, y, base, spatial);
                        sq += VectorReductions.sumSquares(y, base, spatial);
                    }
                    mean[ch] = m;
                    rstd[ch] = (float) (1 / Math.sqrt(sq / count + eps));
                    unbiased[ch] = (float) (sq / (count - 1));
                }
                float scale = rstd[ch] * (wb == null ? 1f : wb[wOff + ch]);
                float beta = bb == null ? 0f : bb[bOff + ch];
                for (int i = 0; i < n; i++) {
                    int base = (i * c + ch) * spatial;
                    if (batchStats) { // y holds x − μ
                        VectorOps.mulScalar(y, base, scale, y, base, spatial);
                        VectorOps.addScalar(y, base, beta, y, base, spatial);
                    } else {
                        VectorOps.mulScalar(xs, xOff + base, scale, y, base, spatial);
                        VectorOps.addScalar(y, base, beta - mean[ch] * scale, y, base, spatial);
                    }
                }
            }
        });
        if (batchStats) updateRunning(mean, unbiased);
        return Autograd.record(Tensor.fromArray(y, s), "batchNorm",
                g -> backward(g, x, w, b, mean, rstd, n, c, spatial, batchStats), x, w, b);
    }

    private static void forChannels(int channels, long perChannel, WorkerPool.RangeBody body) {
        int grain = (int) Math.max(1, (64 * 1024) / Math.max(1, perChannel));
        WorkerPool.shared().parallelFor(0, channels, grain, body);
    }

    private void updateRunning(float[] mean, float[] unbiased) {
        float[] rm = runningMean.buffer(), rv = runningVar.buffer();
        int mo = runningMean.offset(), vo = runningVar.offset();
        float keep = (float) (1 - momentum), mom = (float) momentum;
        for (int ch = 0; ch < mean.length; ch++) {
            rm[mo + ch] = keep * rm[mo + ch] + mom * mean[ch];
            rv[vo + ch] = keep * rv[vo + ch] + mom * unbiased[ch];
        }
    }

    private static Tensor[] backward(Tensor grad, Tensor x, Tensor w, Tensor b, float[] mean, float[] rstd, int n,
            int c, int spatial, boolean batchStats) {
        Tensor gc = grad.contiguous();
        float[] g = gc.buffer(), xs = x.buffer();
        int gOff = gc.offset(), xOff = x.offset();
        float[] wb = w == null ? null : w.buffer();
        int wOff = w == null ? 0 : w.offset();
        boolean needX = x.requiresGrad();
        long count = (long) n * spatial;
        float[] dx = needX ? new float[x.numel()] : null;
        float[] dw = new float[c]; // Σ g·x̂
        float[] db = new float[c]; // Σ g
        forChannels(c, count, (c0, c1) -> {
            float[] xhat = new float[spatial];
            for (int ch = c0; ch < c1; ch++) {
                float m = mean[ch], r = rstd[ch];
                double sg = 0, sgx = 0;
                for (int i = 0; i < n; i++) {
                    int base = (i * c + ch) * spatial;
                    VectorOps.addScalar(xs, xOff + base, -m, xhat, 0, spatial);
                    VectorOps.mulScalar(xhat, 0, r, xhat, 0, spatial);
                    sg += VectorReductions.sum(g, gOff + base, spatial);
                    sgx += VectorReductions.dot(g, gOff + base, xhat, 0, spatial);
                }
                dw[ch] = (float) sgx;
                db[ch] = (float) sg;
                if (!needX) continue;
                float scale = r * (wb == null ? 1f : wb[wOff + ch]);
                float meanG = (float) (sg / count), meanGx = (float) (sgx / count);
                for (int i = 0; i < n; i++) {
                    int base = (i * c + ch) * spatial;
                    if (!batchStats) { // running statistics are constants: dx = w·r·g
                        VectorOps.mulScalar(g, gOff + base, scale, dx, base, spatial);
                        continue;
                    }
                    // dx = w·r·(g − mean(g) − x̂·mean(g·x̂)), built in the x̂ buffer
                    VectorOps.addScalar(xs, xOff + base, -m, xhat, 0, spatial);
                    VectorOps.mulScalar(xhat, 0, -r * meanGx, xhat, 0, spatial);
                    VectorOps.add(xhat, 0, g, gOff + base, xhat, 0, spatial);
                    VectorOps.addScalar(xhat, 0, -meanG, xhat, 0, spatial);
                    VectorOps.mulScalar(xhat, 0, scale, dx, base, spatial);
                }
            }
        });
        return new Tensor[] {
            needX ? Tensor.fromArray(dx, x.shape()) : null,
            w != null && w.requiresGrad() ? Tensor.fromArray(dw, c) : null,
            b != null && b.requiresGrad() ? Tensor.fromArray(db, c) : null};
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append('(').append(numFeatures);
        if (eps != 1e-5) sb.append(", eps=").append(eps);
        if (momentum != 0.1) sb.append(", momentum=").append(momentum);
        if (weight() == null) sb.append(", affine=false");
        return sb.append(')').toString();
    }
}
