package dev.moxing.nn.init;

import dev.moxing.random.Rng;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

import java.util.Locale;

/**
 * Weight initialisers, named after Keras and computed like PyTorch's {@code torch.nn.init}: each
 * fills a tensor in place (not recorded by autograd) and returns it. Fans come from {@link Fans}
 * (PyTorch's layout: (out, in, *kernel)).
 *
 * <table>
 *   <caption>What each one draws</caption>
 *   <tr><th>method</th><th>distribution</th><th>PyTorch</th></tr>
 *   <tr><td>glorotUniform</td><td>U(±gain·√(6/(fanIn+fanOut)))</td><td>xavier_uniform_</td></tr>
 *   <tr><td>glorotNormal</td><td>N(0, gain·√(2/(fanIn+fanOut)))</td><td>xavier_normal_</td></tr>
 *   <tr><td>heUniform</td><td>U(±gain·√(3/fan))</td><td>kaiming_uniform_</td></tr>
 *   <tr><td>heNormal</td><td>N(0, gain/√fan)</td><td>kaiming_normal_</td></tr>
 *   <tr><td>lecunUniform</td><td>U(±√(3/fanIn))</td><td>kaiming_uniform_ with gain 1</td></tr>
 *   <tr><td>lecunNormal</td><td>N(0, 1/√fanIn)</td><td>kaiming_normal_ with gain 1</td></tr>
 *   <tr><td>truncatedNormal</td><td>N(mean, std) restricted to [a, b]</td><td>trunc_normal_</td></tr>
 * </table>
 *
 * <p>The normal variants are plain normals as in PyTorch (Keras's glorot_normal / he_normal /
 * lecun_normal draw from a truncated normal with a rescaled std instead; use
 * {@link #truncatedNormal} for that).
 *
 * <p>Layers built without an explicit {@link Rng} draw from {@link #defaultRng()}, a process-wide
 * generator with a fixed seed (like PyTorch's global generator): a program that builds its model
 * in the same order gets the same weights, and {@link #manualSeed} re-seeds it.
 */
public final class Init {
    private static final long DEFAULT_SEED = 42;
    private static Rng defaultRng = new Rng(DEFAULT_SEED);

    private Init() {
    }

    /** The generator layers use when they are not given one. */
    public static synchronized Rng defaultRng() {
        return defaultRng;
    }

    /** Re-seeds the default generator (like {@code torch.manual_seed}). */
    public static synchronized void manualSeed(long seed) {
        defaultRng = new Rng(seed);
    }

    // ---------------------------------------------------------------- gains

    /** PyTorch's {@code calculate_gain} for a nonlinearity without a parameter. */
    public static double gain(String nonlinearity) {
        return gain(nonlinearity, 0.01);
    }

    /**
     * The factor that keeps activations' variance stable through the nonlinearity (PyTorch's
     * {@code calculate_gain}): 1 for linear/conv/sigmoid, 5/3 for tanh, √2 for relu,
     * √(2/(1+slope²)) for leaky_relu with negative slope {@code param}, 3/4 for selu.
     */
    public static double gain(String nonlinearity, double param) {
        return switch (nonlinearity.toLowerCase(Locale.ROOT)) {
            case "linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                 "conv_transpose3d", "sigmoid" -> 1.0;
            case "tanh" -> 5.0 / 3;
            case "relu" -> Math.sqrt(2.0);
            case "leaky_relu" -> Math.sqrt(2.0 / (1 + param * param));
            case "selu" -> 3.0 / 4;
            default -> throw new IllegalArgumentException("Init.gain: unknown nonlinearity '" + nonlinearity
                    + "' (expected linear, conv1d/2d/3d, sigmoid, tanh, relu, leaky_relu or selu)");
        };
    }

    // ---------------------------------------------------------------- plain distributions

    public static Tensor constant(Tensor t, double value) {
        try (var ignored = Tensor.noGrad()) {
            t.fill((float) value);
        }
        return t;
    }

    public static Tensor zeros(Tensor t) {
        return constant(t, 0);
    }

    public static Tensor ones(Tensor t) {
        return constant(t, 1);
    }

    /** U(low, high). */
    public static Tensor uniform(Tensor t, double low, double high, Rng rng) {
        if (!(low <= high)) throw new IllegalArgumentException("Init.uniform: need low <= high, got " + low + ", " + high);
        double span = high - low;
        return fill(t, rng, r -> low + span * r.nextDouble());
    }

    /** N(mean, std²). */
    public static Tensor normal(Tensor t, double mean, double std, Rng rng) {
        if (!(std >= 0)) throw new IllegalArgumentException("Init.normal: std must be >= 0, got " + std);
        return fill(t, rng, r -> mean + std * r.nextGaussian());
    }

    /**
     * N(mean, std²) restricted to [a, b], sampled by inverse CDF like PyTorch's {@code trunc_normal_}
     * (exact for any interval, unlike redrawing, which stalls when [a, b] holds little mass).
     */
    public static Tensor truncatedNormal(Tensor t, double mean, double std, double a, double b, Rng rng) {
        if (!(std > 0)) throw new IllegalArgumentException("Init.truncatedNormal: std must be > 0, got " + std);
        if (!(a < b)) throw new IllegalArgumentException("Init.truncatedNormal: need a < b, got a=" + a + ", b=" + b);
        double lo = NormalDistribution.cdf((a - mean) / std);
        double hi = NormalDistribution.cdf((b - mean) / std);
        return fill(t, rng, r -> {
            double z = NormalDistribution.inverseCdf(lo + (hi - lo) * r.nextDouble());
            return Math.min(b, Math.max(a, mean + std * z));
        });
    }

    // ---------------------------------------------------------------- variance scaling

    /** Glorot (Xavier) uniform with gain 1: Keras's default Dense kernel initialiser. */
    public static Tensor glorotUniform(Tensor t, Rng rng) {
        return glorotUniform(t, 1.0, rng);
    }

    public static Tensor glorotUniform(Tensor t, double gain, Rng rng) {
        Fans f = Fans.of(t.shape());
        double bound = gain * Math.sqrt(6.0 / (f.fanIn() + f.fanOut()));
        return uniform(t, -bound, bound, rng);
    }

    public static Tensor glorotNormal(Tensor t, Rng rng) {
        return glorotNormal(t, 1.0, rng);
    }

    public static Tensor glorotNormal(Tensor t, double gain, Rng rng) {
        Fans f = Fans.of(t.shape());
        return normal(t, 0, gain * Math.sqrt(2.0 / (f.fanIn() + f.fanOut())), rng);
    }

    /** He (Kaiming) uniform for ReLU, fan in: U(±√(6/fanIn)). */
    public static Tensor heUniform(Tensor t, Rng rng) {
        return heUniform(t, 0, FanMode.FAN_IN, "relu", rng);
    }

    /**
     * He (Kaiming) uniform, PyTorch's {@code kaiming_uniform_(t, a, mode, nonlinearity)}: bound
     * gain·√(3/fan). PyTorch's default Linear/Conv init is {@code heUniform(t, √5, FAN_IN,
     * "leaky_relu")}, i.e. U(±1/√fanIn).
     */
    public static Tensor heUniform(Tensor t, double a, FanMode mode, String nonlinearity, Rng rng) {
        double std = gain(nonlinearity, a) / Math.sqrt(fan("heUniform", t, mode));
        double bound = Math.sqrt(3.0) * std;
        return uniform(t, -bound, bound, rng);
    }

    /** He (Kaiming) normal for ReLU, fan in: N(0, 2/fanIn). */
    public static Tensor heNormal(Tensor t, Rng rng) {
        return heNormal(t, 0, FanMode.FAN_IN, "relu", rng);
    }

    public static Tensor heNormal(Tensor t, double a, FanMode mode, String nonlinearity, Rng rng) {
        return normal(t, 0, gain(nonlinearity, a) / Math.sqrt(fan("heNormal", t, mode)), rng);
    }

    /** LeCun uniform: U(±√(3/fanIn)), the variance-preserving init for SELU-style networks. */
    public static Tensor lecunUniform(Tensor t, Rng rng) {
        double bound = Math.sqrt(3.0 / fan("lecunUniform", t, FanMode.FAN_IN));
        return uniform(t, -bound, bound, rng);
    }

    public static Tensor lecunNormal(Tensor t, Rng rng) {
        return normal(t, 0, 1.0 / Math.sqrt(fan("lecunNormal", t, FanMode.FAN_IN)), rng);
    }

    private static int fan(String op, Tensor t, FanMode mode) {
        int fan = Fans.of(t.shape()).get(mode);
        if (fan == 0) throw new IllegalArgumentException("Init." + op + ": tensor of shape "
                + Shape.str(t.shape()) + " has " + mode.name().toLowerCase(Locale.ROOT) + " 0");
        return fan;
    }

    // ---------------------------------------------------------------- filling

    @FunctionalInterface
    private interface Sampler {
        double next(Rng rng);
    }

    /** Draws every element in row-major order (so a seed fixes the values), then writes them in one copy. */
    private static Tensor fill(Tensor t, Rng rng, Sampler sampler) {
        float[] values = new float[t.numel()];
        synchronized (rng) {
            for (int i = 0; i < values.length; i++) values[i] = (float) sampler.next(rng);
        }
        try (var ignored = Tensor.noGrad()) {
            t.copyFrom(Tensor.fromArray(values, t.shape()));
        }
        return t;
    }
}
