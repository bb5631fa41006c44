package dev.moxing.kernels;

/**
 * Plain scalar reference for {@link VectorReductions}: sums accumulate in double in index order
 * (far more accurate than any float order, so tests measure the vector kernel's error against it).
 */
public final class ScalarReductions {

    private ScalarReductions() {}

    public static float sum(float[] a, int ao, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += a[ao + i];
        return (float) s;
    }

    public static float sumSquares(float[] a, int ao, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) a[ao + i] * a[ao + i];
        return (float) s;
    }

    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) a[ao + i] * b[bo + i];
        return (float) s;
    }

    public static float max(float[] a, int ao, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) m = Math.max(m, a[ao + i]);
        return m;
    }

    public static float min(float[] a, int ao, int n) {
        float m = Float.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) m = Math.min(m, a[ao + i]);
        return m;
    }

    /** First index of the largest element, or of the first NaN; -1 when empty. */
    public static int argmax(float[] a, int ao, int n) {
        int best = -1;
        for (int i = 0; i < n; i++) {
            float x = a[ao + i];
            if (Float.isNaN(x)) return i;
            if (best < 0 || x > a[ao + best]) best = i;
        }
        return best;
    }

    /** First index of the smallest element, or of the first NaN; -1 when empty. */
    public static int argmin(float[] a, int ao, int n) {
        int best = -1;
        for (int i = 0; i < n; i++) {
            float x = a[ao + i];
            if (Float.isNaN(x)) return i;
            if (best < 0 || x < a[ao + best]) best = i;
        }
        return best;
    }
}
