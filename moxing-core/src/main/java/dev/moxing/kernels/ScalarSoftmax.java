package dev.moxing.kernels;

/** Plain scalar reference for {@link VectorSoftmax}, computed in double per row. */
public final class ScalarSoftmax {

    private ScalarSoftmax() {}

    private static double rowMax(float[] x, int b, int cols) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < cols; i++) m = Math.max(m, x[b + i]);
        return m;
    }

    public static void softmaxRows(float[] x, int xo, float[] y, int yo, int rows, int cols) {
        double[] e = new double[cols];
        for (int r = 0; r < rows; r++) {
            int xb = xo + r * cols, yb = yo + r * cols;
            double m = rowMax(x, xb, cols), sum = 0;
            for (int i = 0; i < cols; i++) sum += e[i] = Math.exp(x[xb + i] - m);
            for (int i = 0; i < cols; i++) y[yb + i] = (float) (e[i] / sum);
        }
    }

    public static void logSoftmaxRows(float[] x, int xo, float[] y, int yo, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int xb = xo + r * cols, yb = yo + r * cols;
            double m = rowMax(x, xb, cols), sum = 0;
            for (int i = 0; i < cols; i++) sum += Math.exp(x[xb + i] - m);
            double lse = Math.log(sum);
            for (int i = 0; i < cols; i++) y[yb + i] = (float) ((x[xb + i] - m) - lse);
        }
    }

    public static void softmaxBackwardRows(float[] g, int go, float[] y, int yo, float[] dx, int dxo,
                                           int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int gb = go + r * cols, yb = yo + r * cols, db = dxo + r * cols;
            double dot = 0;
            for (int i = 0; i < cols; i++) dot += (double) g[gb + i] * y[yb + i];
            for (int i = 0; i < cols; i++) dx[db + i] = (float) (y[yb + i] * (g[gb + i] - dot));
        }
    }

    public static void logSoftmaxBackwardRows(float[] g, int go, float[] y, int yo, float[] dx, int dxo,
                                              int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int gb = go + r * cols, yb = yo + r * cols, db = dxo + r * cols;
            double sum = 0;
            for (int i = 0; i < cols; i++) sum += g[gb + i];
            for (int i = 0; i < cols; i++) dx[db + i] = (float) (g[gb + i] - Math.exp(y[yb + i]) * sum);
        }
    }
}
