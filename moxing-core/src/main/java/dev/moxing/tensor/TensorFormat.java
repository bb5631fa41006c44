package dev.moxing.tensor;

import java.util.Locale;

/** Prints tensors the way PyTorch does: aligned columns, 4 decimals or scientific, "..." past 1000 elements. */
final class TensorFormat {
    private static final int THRESHOLD = 1000;
    private static final int EDGE = 3;

    private TensorFormat() {
    }

    static String format(Tensor t) {
        int[] shape = t.shapeRef();
        float[] v = t.toFloatArray();
        boolean ints = t.dtype() == DType.I32;
        boolean summarize = v.length > THRESHOLD;
        Style style = Style.of(v, ints);
        StringBuilder sb = new StringBuilder("tensor(");
        if (shape.length == 0) {
            sb.append(style.fmt(v[0]).strip());
        } else {
            int[] strides = Shape.contiguousStrides(shape);
            render(sb, v, shape, strides, 0, 0, style, summarize, 7);
        }
        if (t.dtype() != DType.F32) sb.append(", dtype=").append(t.dtype().name().toLowerCase(Locale.ROOT));
        if (t.gradFn() != null) sb.append(", grad_fn=<").append(t.gradFn()).append('>');
        else if (t.requiresGrad()) sb.append(", requires_grad=True");
        return sb.append(')').toString();
    }

    private static void render(StringBuilder sb, float[] v, int[] shape, int[] strides, int dim, int off,
                               Style style, boolean summarize, int indent) {
        sb.append('[');
        int n = shape[dim];
        boolean cut = summarize && n > 2 * EDGE;
        boolean last = dim == shape.length - 1;
        for (int i = 0; i < n; i++) {
            if (cut && i == EDGE) {
                sb.append(last ? "..., " : "...,\n" + " ".repeat(indent + dim + 1) + (shape.length - dim > 2 ? "\n" + " ".repeat(indent + dim + 1) : ""));
                i = n - EDGE;
            }
            if (last) {
                sb.append(style.fmt(v[off + i * strides[dim]]));
            } else {
                render(sb, v, shape, strides, dim + 1, off + i * strides[dim], style, summarize, indent);
            }
            if (i < n - 1) {
                if (last) sb.append(", ");
                else sb.append(",\n").append("\n".repeat(Math.max(0, shape.length - dim - 2))).append(" ".repeat(indent + dim + 1));
            }
        }
        sb.append(']');
    }

    /** Number style chosen once per tensor so that columns line up. */
    private record Style(int kind, int width) {
        static final int INT = 0, FIXED = 1, SCI = 2, INTEGRAL_FLOAT = 3;

        static Style of(float[] v, boolean ints) {
            if (ints) {
                int w = 1;
                for (float x : v) w = Math.max(w, Integer.toString((int) x).length());
                return new Style(INT, w);
            }
            boolean integral = true;
            double maxAbs = 0, minAbs = Double.MAX_VALUE;
            for (float x : v) {
                if (!Float.isFinite(x)) continue;
                if (x != Math.rint(x)) integral = false;
                double a = Math.abs(x);
                maxAbs = Math.max(maxAbs, a);
                if (a != 0) minAbs = Math.min(minAbs, a);
            }
            int kind;
            if (integral) kind = maxAbs > 1e8 ? SCI : INTEGRAL_FLOAT;
            else kind = (maxAbs / minAbs > 1000 || maxAbs > 1e8 || minAbs < 1e-4) ? SCI : FIXED;
            Style probe = new Style(kind, 0);
            int w = 1;
            for (float x : v) w = Math.max(w, probe.raw(x).length());
            return new Style(kind, w);
        }

        String raw(float x) {
            if (Float.isNaN(x)) return "nan";
            if (Float.isInfinite(x)) return x > 0 ? "inf" : "-inf";
            return switch (kind) {
                case INT -> Integer.toString((int) x);
                case INTEGRAL_FLOAT -> String.format(Locale.ROOT, "%.0f.", x);
                case FIXED -> String.format(Locale.ROOT, "%.4f", x);
                default -> String.format(Locale.ROOT, "%.4e", x).replaceAll("e([+-])(\\d)$", "e$10$2");
            };
        }

        String fmt(float x) {
            String s = raw(x);
            return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
        }
    }
}
