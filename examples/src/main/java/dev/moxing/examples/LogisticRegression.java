package dev.moxing.examples;

import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Binary logistic regression trained by full-batch gradient descent: the first model users try.
 *
 * <pre>
 *   ŷ = σ(X·w + b)                                   // (N,)
 *   L = mean(−y·log ŷ − (1−y)·log(1−ŷ))              // binary cross-entropy
 *   ∂L/∂w = Xᵀ(ŷ − y) / N,   ∂L/∂b = mean(ŷ − y)      // the true gradient
 * </pre>
 *
 * The data are two Gaussian clouds in d dimensions whose means sit ±δ apart along a random unit
 * direction, with unit noise: nearly separable (Bayes accuracy Φ(δ) ≈ 0.977 for δ = 2).
 */
public final class LogisticRegression {

    /** Settings; {@link #defaults()} are those of {@code moxing example logistic-regression}. */
    public record Config(int dims, int trainSize, int testSize, double separation, float learningRate,
                         int epochs, int printEvery, long seed) {
        public static Config defaults() {
            return new Config(10, 800, 200, 2.0, 0.5f, 200, 20, 42);
        }
    }

    /** What a run produced: the loss after each epoch, accuracies and the trained parameters. */
    public record Result(float[] losses, double trainAccuracy, double testAccuracy, Tensor weights, float bias) {
    }

    /** A labelled data set: features (N, d) and labels (N,) in {0, 1}. */
    public record Data(Tensor x, Tensor y) {
    }

    private LogisticRegression() {
    }

    /** Two noisy classes: x = ±δ·u + ε, ε ~ N(0, I), balanced labels. */
    public static Data synthetic(Rng rng, Tensor direction, double separation, int n) {
        int d = direction.numel();
        float[] x = new float[n * d];
        float[] y = new float[n];
        float[] u = direction.toFloatArray();
        for (int i = 0; i < n; i++) {
            int label = i % 2;
            y[i] = label;
            double sign = label == 1 ? 1 : -1;
            for (int j = 0; j < d; j++) x[i * d + j] = (float) (sign * separation * u[j] + rng.nextGaussian());
        }
        return new Data(Tensor.of(x, n, d), Tensor.of(y, n));
    }

    /** A random unit vector in d dimensions. */
    public static Tensor randomDirection(Rng rng, int d) {
        Tensor v = Tensor.randn(rng, d);
        return v.div(v.square().sum().sqrt().item());
    }

    /** Logits z = X·w + b.  (N, d) @ (d,) → (N,) */
    public static Tensor logits(Tensor x, Tensor w, Tensor b) {
        return x.matmul(w).add(b);
    }

    /** Mean binary cross-entropy from logits, stable for any z: max(z,0) − z·y + log(1 + e^−|z|). */
    public static Tensor loss(Tensor z, Tensor y) {
        return z.relu().sub(z.mul(y)).add(z.abs().neg().exp().add(1f).log()).mean();
    }

    /** The analytic gradient (∂L/∂w, ∂L/∂b) of {@link #loss} at (w, b). */
    public static Tensor[] gradient(Tensor x, Tensor y, Tensor w, Tensor b) {
        int n = x.size(0);
        Tensor err = logits(x, w, b).sigmoid().sub(y);        // (N,)  ŷ − y
        Tensor gw = x.t().matmul(err).div(n);                   // (d,)  Xᵀ(ŷ − y) / N
        Tensor gb = err.mean().reshape(1);                      // (1,)
        return new Tensor[] {gw, gb};
    }

    public static double accuracy(Tensor x, Tensor y, Tensor w, Tensor b) {
        Tensor predicted = logits(x, w, b).gt(0f);
        return predicted.eq(y).mean().item();
    }

    public static Result train(Config c, PrintStream out) {
        Rng rng = new Rng(c.seed());
        Tensor direction = randomDirection(rng, c.dims());
        Data train = synthetic(rng, direction, c.separation(), c.trainSize());
        Data test = synthetic(rng, direction, c.separation(), c.testSize());

        Tensor w = Tensor.zeros(c.dims());
        Tensor b = Tensor.zeros(1);
        float[] losses = new float[c.epochs()];
        try (var ignored = Tensor.noGrad()) {
            for (int epoch = 1; epoch <= c.epochs(); epoch++) {
                Tensor[] g = gradient(train.x(), train.y(), w, b);
                w = w.sub(g[0].mul(c.learningRate()));
                b = b.sub(g[1].mul(c.learningRate()));
                losses[epoch - 1] = loss(logits(train.x(), w, b), train.y()).item();
                if (out != null && (epoch % c.printEvery() == 0 || epoch == 1)) {
                    out.printf(Locale.ROOT, "epoch %4d/%d  loss %.6f%n", epoch, c.epochs(), losses[epoch - 1]);
                }
            }
        }
        double trainAcc = accuracy(train.x(), train.y(), w, b);
        double testAcc = accuracy(test.x(), test.y(), w, b);
        if (out != null) {
            out.printf(Locale.ROOT, "train_accuracy: %.4f%n", trainAcc);
            out.printf(Locale.ROOT, "test_accuracy: %.4f%n", testAcc);
            printPredictions(out, rng, direction, c, w, b);
        }
        return new Result(losses, trainAcc, testAcc, w, b.item());
    }

    /** Predictions for a few fresh points drawn from each class. */
    private static void printPredictions(PrintStream out, Rng rng, Tensor direction, Config c, Tensor w, Tensor b) {
        Data fresh = synthetic(rng, direction, c.separation(), 4);
        Tensor p = logits(fresh.x(), w, b).sigmoid();
        out.println("predictions for new points:");
        for (int i = 0; i < 4; i++) {
            float[] xi = fresh.x().select(0, i).toFloatArray();
            List<String> head = new ArrayList<>();
            for (int j = 0; j < Math.min(3, xi.length); j++) head.add(String.format(Locale.ROOT, "%+.2f", xi[j]));
            float pi = p.get(i);
            out.printf(Locale.ROOT, "  x=[%s, ...]  p(class 1)=%.4f  predicted=%d  true=%d%n",
                    String.join(", ", head), pi, pi > 0.5f ? 1 : 0, (int) fresh.y().get(i));
        }
    }

    public static void main(String[] args) {
        train(Config.defaults(), System.out);
    }
}
