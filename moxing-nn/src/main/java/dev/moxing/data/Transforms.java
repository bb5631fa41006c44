package dev.moxing.data;

import dev.moxing.random.Rng;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

import java.util.Arrays;

/**
 * The built-in batch transforms (torchvision's names). Each returns new tensors and leaves its
 * input untouched. Feature transforms need F32 features; image transforms need (N, C, H, W).
 */
public final class Transforms {
    private Transforms() {
    }

    /** x → (x − mean) / std, one mean and std for every feature. */
    public static Transform normalize(float mean, float std) {
        return normalize(new float[] {mean}, new float[] {std});
    }

    /**
     * x → (x − mean[c]) / std[c] per index c along dim 1: channels of (N, C, H, W) images, or
     * columns of (N, F) features. Arrays of length 1 apply to every element.
     */
    public static Transform normalize(float[] mean, float[] std) {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("normalize: mean and std need the same nonzero length, got "
                    + mean.length + " and " + std.length);
        }
        for (int i = 0; i < std.length; i++) {
            if (!(std[i] > 0) || !Float.isFinite(std[i]) || !Float.isFinite(mean[i])) {
                throw new IllegalArgumentException("normalize: need finite mean and std > 0, got mean[" + i + "] = "
                        + mean[i] + ", std[" + i + "] = " + std[i]);
            }
        }
        return new Normalize(mean.clone(), std.clone());
    }

    /** x → x · factor (1/255 turns bytes into [0, 1]). */
    public static Transform scale(float factor) {
        if (!Float.isFinite(factor)) throw new IllegalArgumentException("scale: factor must be finite, got " + factor);
        return new Scale(factor);
    }

    /** y: class indices (N) → one-hot F32 (N, numClasses), for losses that take distributions. */
    public static Transform oneHot(int numClasses) {
        if (numClasses <= 0) throw new IllegalArgumentException("oneHot: numClasses must be positive, got " + numClasses);
        return b -> {
            if (b.y().dim() != 1) {
                throw new IllegalArgumentException("oneHot: labels must be class indices (N), got " + Shape.str(b.y().shape()));
            }
            return new Batch(b.x(), Tensor.oneHot(b.y(), numClasses));
        };
    }

    /** x (N, …) → (N, product of the rest), e.g. (N, 1, 28, 28) → (N, 784) for a dense network. */
    public static Transform flatten() {
        return b -> new Batch(b.x().reshape(b.size(), -1), b.y());
    }

    /**
     * Pads each (C, H, W) image with {@code padding} zeros on every side and cuts an H × W window
     * at a random offset, one offset per sample (the CIFAR augmentation).
     */
    public static Transform randomCrop(int padding, Rng rng) {
        if (padding < 0) throw new IllegalArgumentException("randomCrop: padding must be >= 0, got " + padding);
        if (rng == null) throw new IllegalArgumentException("randomCrop: needs an Rng");
        return new RandomCrop(padding, rng);
    }

    /** Mirrors each (C, H, W) image left–right with probability 1/2. */
    public static Transform randomHorizontalFlip(Rng rng) {
        return randomHorizontalFlip(0.5f, rng);
    }

    /** Mirrors each image left–right with probability p. */
    public static Transform randomHorizontalFlip(float p, Rng rng) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("randomHorizontalFlip: p must be in [0, 1], got " + p);
        if (rng == null) throw new IllegalArgumentException("randomHorizontalFlip: needs an Rng");
        return new RandomHorizontalFlip(p, rng);
    }

    // ------------------------------------------------------------------ implementations

    private static Tensor features(String op, Batch b) {
        if (b.x().dtype() != DType.F32) {
            throw new IllegalArgumentException(op + ": needs F32 features, got " + b.x().dtype());
        }
        return b.x();
    }

    /** Contiguous F32 features of rank 4, for the image transforms. */
    private static Tensor images(String op, Batch b) {
        Tensor x = features(op, b).contiguous();
        if (x.dim() != 4) {
            throw new IllegalArgumentException(op + ": expects images (N, C, H, W), got " + Shape.str(x.shape())
                    + " (load images unflattened, or reshape first)");
        }
        return x;
    }

    private record Normalize(float[] mean, float[] std) implements Transform {
        public Batch apply(Batch b) {
            Tensor x = features("normalize", b).contiguous();
            int[] s = x.shape();
            int channels = mean.length;
            if (channels > 1 && (s.length < 2 || s[1] != channels)) {
                throw new IllegalArgumentException("normalize: " + channels + " means/stds but features "
                        + Shape.str(s) + " have " + (s.length < 2 ? "no dim 1" : s[1] + " entries along dim 1"));
            }
            int inner = s.length < 2 ? 1 : x.numel() / Math.max(1, s[0] * s[1]);
            float[] in = x.buffer();
            int off = x.offset();
            float[] out = new float[x.numel()];
            for (int i = 0; i < out.length; i++) {
                int c = channels == 1 ? 0 : (i / inner) % channels;
                out[i] = (in[off + i] - mean[c]) / std[c];
            }
            return new Batch(Tensor.fromArray(out, s), b.y());
        }

        @Override
        public String toString() {
            return "normalize(mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + ")";
        }
    }

    private record Scale(float factor) implements Transform {
        public Batch apply(Batch b) {
            // A plain loop, not Tensor.mul: this runs on the prefetch thread, and the shared worker
            // pool belongs to the training step running meanwhile.
            Tensor x = features("scale", b).contiguous();
            float[] in = x.buffer();
            int off = x.offset();
            float[] out = new float[x.numel()];
            for (int i = 0; i < out.length; i++) out[i] = in[off + i] * factor;
            return new Batch(Tensor.fromArray(out, x.shape()), b.y());
        }

        @Override
        public String toString() {
            return "scale(" + factor + ")";
        }
    }

    private record RandomCrop(int padding, Rng rng) implements Transform {
        public Batch apply(Batch b) {
            Tensor x = images("randomCrop", b);
            int[] s = x.shape();
            int n = s[0], c = s[1], h = s[2], w = s[3];
            float[] in = x.buffer();
            int off = x.offset();
            float[] out = new float[x.numel()];       // zeros: the padding
            for (int k = 0; k < n; k++) {
                int dy = rng.nextInt(2 * padding + 1) - padding;   // window origin in unpadded coordinates
                int dx = rng.nextInt(2 * padding + 1) - padding;
                int y0 = Math.max(0, -dy), y1 = Math.min(h, h - dy);   // output rows whose source row is inside
                int x0 = Math.max(0, -dx), x1 = Math.min(w, w - dx);
                if (x1 <= x0) continue;
                for (int ch = 0; ch < c; ch++) {
                    int plane = (k * c + ch) * h * w;
                    for (int y = y0; y < y1; y++) {
                        System.arraycopy(in, off + plane + (y + dy) * w + x0 + dx, out, plane + y * w + x0, x1 - x0);
                    }
                }
            }
            return new Batch(Tensor.fromArray(out, s), b.y());
        }

        @Override
        public void reseed(long seed) {
            rng.setState(new Rng(seed).state());
        }

        @Override
        public String toString() {
            return "randomCrop(padding=" + padding + ")";
        }
    }

    private record RandomHorizontalFlip(float p, Rng rng) implements Transform {
        public Batch apply(Batch b) {
            Tensor x = images("randomHorizontalFlip", b);
            int[] s = x.shape();
            int n = s[0], planes = s[1] * s[2], w = s[3];
            float[] in = x.buffer();
            int off = x.offset();
            float[] out = new float[x.numel()];
            for (int k = 0; k < n; k++) {
                boolean flip = rng.nextFloat() < p;
                int start = k * planes * w;
                if (!flip) {
                    System.arraycopy(in, off + start, out, start, planes * w);
                    continue;
                }
                for (int r = 0; r < planes; r++) {
                    int row = start + r * w;
                    for (int j = 0; j < w; j++) out[row + j] = in[off + row + w - 1 - j];
                }
            }
            return new Batch(Tensor.fromArray(out, s), b.y());
        }

        @Override
        public void reseed(long seed) {
            rng.setState(new Rng(seed).state());
        }

        @Override
        public String toString() {
            return "randomHorizontalFlip(p=" + p + ")";
        }
    }
}
