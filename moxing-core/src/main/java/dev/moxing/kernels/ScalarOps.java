package dev.moxing.kernels;

/**
 * Plain scalar reference for {@link VectorOps}: same names, signatures and semantics, one element
 * at a time, computing in double where that makes the intent obvious. Tests compare the vector
 * kernels against these. (Float +, -, *, / and sqrt are correctly rounded, so they equal the same
 * operation done in double and rounded to float.)
 */
public final class ScalarOps {

    private ScalarOps() {}

    public static void add(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = a[ao + i] + b[bo + i];
    }

    public static void sub(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = a[ao + i] - b[bo + i];
    }

    public static void mul(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = a[ao + i] * b[bo + i];
    }

    public static void div(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = a[ao + i] / b[bo + i];
    }

    public static void max(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = Math.max(a[ao + i], b[bo + i]);
    }

    public static void min(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = Math.min(a[ao + i], b[bo + i]);
    }

    public static void addScalar(float[] a, int ao, float s, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = a[ao + i] + s;
    }

    public static void mulScalar(float[] a, int ao, float s, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = a[ao + i] * s;
    }

    public static void divScalar(float[] a, int ao, float s, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = a[ao + i] / s;
    }

    public static void rsub(float[] a, int ao, float s, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = s - a[ao + i];
    }

    public static void rdiv(float[] a, int ao, float s, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = s / a[ao + i];
    }

    public static void maxScalar(float[] a, int ao, float s, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = Math.max(a[ao + i], s);
    }

    public static void minScalar(float[] a, int ao, float s, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = Math.min(a[ao + i], s);
    }

    public static void clamp(float[] a, int ao, float lo, float hi, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = Math.min(Math.max(a[ao + i], lo), hi);
    }

    /**
     * PyTorch's special exponents first, in float as PyTorch computes them (see
     * {@link VectorOps#powScalar}), then Math.pow in double.
     */
    public static void powScalar(float[] a, int ao, float p, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) {
            float x = a[ao + i];
            float r;
            if (p == 0f) r = 1f;
            else if (p == 1f) r = x;
            else if (p == 2f) r = x * x;
            else if (p == 3f) r = x * x * x;
            else if (p == 0.5f) r = (float) Math.sqrt(x);
            else if (p == -0.5f) r = (float) (1 / Math.sqrt(x));
            else if (p == -1f) r = 1f / x;
            else if (p == -2f) r = 1f / (x * x);
            else r = (float) Math.pow(x, p);
            out[oo + i] = r;
        }
    }

    public static void scaleAdd(float[] x, int xo, float alpha, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] = (float) (y[yo + i] + (double) alpha * x[xo + i]);
    }

    public static void accumulate(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] += x[xo + i];
    }

    public static void neg(float[] a, int ao, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = -a[ao + i];
    }

    public static void abs(float[] a, int ao, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = Math.abs(a[ao + i]);
    }

    public static void square(float[] a, int ao, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = a[ao + i] * a[ao + i];
    }

    public static void sqrt(float[] a, int ao, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = (float) Math.sqrt(a[ao + i]);
    }

    public static void rsqrt(float[] a, int ao, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = (float) (1 / Math.sqrt(a[ao + i]));
    }

    public static void exp(float[] a, int ao, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = (float) Math.exp(a[ao + i]);
    }

    public static void log(float[] a, int ao, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = (float) Math.log(a[ao + i]);
    }
}
