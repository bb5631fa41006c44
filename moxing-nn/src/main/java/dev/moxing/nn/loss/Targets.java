package dev.moxing.nn.loss;

import dev.moxing.tensor.DType;
import dev.moxing.tensor.Storage;
import dev.moxing.tensor.Tensor;

import java.util.Arrays;

/** Target checks and flat data access shared by the losses; every message names the loss. */
final class Targets {
    private Targets() {
    }

    /** A tensor's values as a flat array from an offset: the backing array when possible, else a copy. */
    record Flat(float[] data, int offset) {
        static Flat of(Tensor t) {
            if (t.isContiguous() && t.storage() instanceof Storage.Floats f) return new Flat(f.data(), t.offset());
            return new Flat(t.toFloatArray(), 0);
        }
    }

    /**
     * Targets shaped like the predictions: the same shape, or the same shape up to size-1 dims
     * (Keras accepts (N, 1) predictions with (N,) labels), which is then reshaped to match.
     */
    static Tensor sameShape(String loss, Tensor predictions, Tensor targets) {
        int[] p = predictions.shape(), t = targets.shape();
        if (Arrays.equals(p, t)) return targets;
        if (Arrays.equals(withoutOnes(p), withoutOnes(t))) return targets.reshape(p);
        throw new IllegalArgumentException(loss + ": targets of shape " + Arrays.toString(t)
                + " do not match predictions of shape " + Arrays.toString(p));
    }

    private static int[] withoutOnes(int[] s) {
        return Arrays.stream(s).filter(d -> d != 1).toArray();
    }

    /** Predictions with classes on the last dim: returns the class count, checking the rank. */
    static int classes(String loss, Tensor predictions) {
        if (predictions.dim() < 1 || predictions.size(-1) < 1) {
            throw new IllegalArgumentException(loss + ": predictions need a class dimension (last), got shape "
                    + Arrays.toString(predictions.shape()));
        }
        return predictions.size(-1);
    }

    /**
     * Integer class targets for predictions of shape (..., C): shape (...) or (..., 1), I32 or
     * integer-valued F32. Returns one class per row, {@code -1} for rows equal to the ignore index.
     */
    static int[] classIndices(String loss, Tensor predictions, Tensor targets, int classes, Integer ignoreIndex) {
        int[] lead = Arrays.copyOf(predictions.shape(), predictions.dim() - 1);
        int[] ts = targets.shape();
        int[] leadOne = Arrays.copyOf(lead, lead.length + 1);
        leadOne[lead.length] = 1;
        if (!Arrays.equals(ts, lead) && !Arrays.equals(ts, leadOne)) {
            throw new IllegalArgumentException(loss + ": integer targets must have shape " + Arrays.toString(lead)
                    + " for predictions of shape " + Arrays.toString(predictions.shape()) + ", got "
                    + Arrays.toString(ts));
        }
        int[] out;
        if (targets.dtype() == DType.I32) {
            out = targets.toIntArray();
        } else {
            float[] f = targets.toFloatArray();
            out = new int[f.length];
            for (int i = 0; i < f.length; i++) {
                if (f[i] != Math.rint(f[i]) || Math.abs(f[i]) > 1 << 30) {
                    throw new IllegalArgumentException(loss + ": target " + f[i] + " at position " + i
                            + " is not an integer class index");
                }
                out[i] = (int) f[i];
            }
        }
        for (int i = 0; i < out.length; i++) {
            int v = out[i];
            if (ignoreIndex != null && v == ignoreIndex) {
                out[i] = -1;
            } else if (v < 0 || v >= classes) {
                throw new IllegalArgumentException(loss + ": target " + v + " at position " + i + " is out of range for "
                        + classes + " classes (valid: 0.." + (classes - 1)
                        + (ignoreIndex != null ? ", or the ignore index " + ignoreIndex : "") + ")");
            }
        }
        return out;
    }

    static void checkSmoothing(String loss, double labelSmoothing) {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException(loss + ": label smoothing must be in [0, 1], got " + labelSmoothing);
        }
    }
}
