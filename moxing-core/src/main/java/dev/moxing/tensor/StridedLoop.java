package dev.moxing.tensor;

/**
 * An iteration space over several operands that share one shape but have their own strides,
 * with adjacent dims merged wherever every operand allows it. Kernels then run over "rows" of
 * the innermost (merged) dim, which is usually long and often unit-stride.
 */
final class StridedLoop {
    private final int[] shape;      // coalesced, outer..inner
    private final int[][] strides;  // [operand][dim]
    private final int rows;

    private StridedLoop(int[] shape, int[][] strides) {
        this.shape = shape;
        this.strides = strides;
        int r = 1;
        for (int i = 0; i < shape.length - 1; i++) r *= shape[i];
        this.rows = shape.length == 0 ? 1 : r;
    }

    static StridedLoop of(int[] shape, int[]... operandStrides) {
        int ops = operandStrides.length;
        int[] s = new int[Math.max(1, shape.length)];
        int[][] st = new int[ops][s.length];
        int n = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) continue; // size-1 dims never move any pointer
            if (n > 0) {
                boolean merge = true;
                for (int k = 0; k < ops; k++) {
                    if (st[k][n - 1] != operandStrides[k][d] * shape[d]) {
                        merge = false;
                        break;
                    }
                }
                if (merge) {
                    s[n - 1] *= shape[d];
                    for (int k = 0; k < ops; k++) st[k][n - 1] = operandStrides[k][d];
                    continue;
                }
            }
            s[n] = shape[d];
            for (int k = 0; k < ops; k++) st[k][n] = operandStrides[k][d];
            n++;
        }
        if (n == 0) { // scalar or all-ones shape
            s[0] = 1;
            for (int k = 0; k < ops; k++) st[k][0] = 1;
            n = 1;
        }
        int[] fs = java.util.Arrays.copyOf(s, n);
        int[][] fst = new int[ops][];
        for (int k = 0; k < ops; k++) fst[k] = java.util.Arrays.copyOf(st[k], n);
        return new StridedLoop(fs, fst);
    }

    int rows() {
        return rows;
    }

    int inner() {
        return shape[shape.length - 1];
    }

    int innerStride(int operand) {
        return strides[operand][shape.length - 1];
    }

    /** Start offsets of row {@code row} for operands 0.. (bases given as varargs-free pair for two operands). */
    void offsets(int row, int base0, int base1, int[] out) {
        out[0] = base0;
        out[1] = base1;
        int r = row;
        for (int d = shape.length - 2; d >= 0; d--) {
            int ix = r % shape[d];
            r /= shape[d];
            out[0] += ix * strides[0][d];
            out[1] += ix * strides[1][d];
        }
    }

    /** Start offsets of a row for any number of operands. */
    void offsets(int row, int[] bases, int[] out) {
        System.arraycopy(bases, 0, out, 0, bases.length);
        int r = row;
        for (int d = shape.length - 2; d >= 0; d--) {
            int ix = r % shape[d];
            r /= shape[d];
            for (int k = 0; k < bases.length; k++) out[k] += ix * strides[k][d];
        }
    }
}
