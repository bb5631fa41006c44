package dev.moxing.nn.keras;

import dev.moxing.nn.Module;
import dev.moxing.tensor.DType;
import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Keras 3's model summary table:
 * <pre>
 * Model: "sequential"
 * ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
 * ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
 * ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
 * │ dense (Dense)                   │ (None, 512)            │       401,920 │
 * └─────────────────────────────────┴────────────────────────┴───────────────┘
 *  Total params: 401,920 (1.53 MB)
 * </pre>
 * Output shapes come from one forward pass on a one-row zero input under no-grad in eval mode
 * (so BatchNorm statistics and dropout are untouched). A layer's count includes its saved,
 * untrained state (BatchNorm's running mean and variance), which Keras counts as non-trainable
 * parameters; integer bookkeeping buffers are not weights and are left out.
 */
final class Summary {
    private static final int[] MIN_WIDTHS = {31, 22, 13};

    private Summary() {
    }

    private record Row(String layer, String shape, String params) {
    }

    static String render(Model model) {
        Map<String, Module> layers = model.layers();
        List<String> names = displayNames(layers.values());
        List<int[]> shapes = new ArrayList<>();
        Tensor output = null;
        if (model.isBuilt()) {
            boolean training = model.isTraining();
            model.eval();
            try (var ignored = Tensor.noGrad()) {
                output = model.traceLayers(sample(model), shapes);
            } finally {
                model.train(training);
            }
        }
        List<Row> rows = new ArrayList<>();
        int i = 0;
        for (Module m : layers.values()) {
            String shape;
            if (!model.isBuilt()) shape = "?";
            else if (shapes.size() == layers.size()) shape = Model.kerasShape(shapes.get(i));
            else if (layers.size() == 1) shape = Model.kerasShape(output.shape());
            else shape = "?";
            long count = weightCount(m);
            String params = model.isBuilt() || count > 0 ? group(count) : "0 (unbuilt)";
            rows.add(new Row(names.get(i) + " (" + m.getClass().getSimpleName() + ")", shape, params));
            i++;
        }

        long trainable = 0, frozen = 0;
        for (Tensor p : model.parameters()) {
            if (p.requiresGrad()) trainable += p.numel();
            else frozen += p.numel();
        }
        long buffers = bufferCount(model);
        long total = trainable + frozen + buffers;

        StringBuilder sb = new StringBuilder();
        sb.append("Model: \"").append(snake(model.getClass().getSimpleName())).append("\"\n");
        table(sb, rows);
        sb.append(" Total params: ").append(group(total)).append(" (").append(bytes(total * 4)).append(")\n");
        sb.append(" Trainable params: ").append(group(trainable)).append(" (").append(bytes(trainable * 4)).append(")\n");
        sb.append(" Non-trainable params: ").append(group(frozen + buffers)).append(" (").append(bytes((frozen + buffers) * 4)).append(")");
        if (!model.isBuilt()) sb.append("\n (not built: call build(inputShape) or fit to see output shapes and lazy layers' parameters)");
        return sb.toString();
    }

    private static Tensor sample(Model model) {
        int[] in = model.inputShape();
        int[] shape = new int[in.length + 1];
        shape[0] = 1;
        System.arraycopy(in, 0, shape, 1, in.length);
        if (model.inputDtype() == DType.I32) return Tensor.ofInts(new int[Shape.numel(shape)], shape);
        return Tensor.zeros(shape);
    }

    private static void table(StringBuilder sb, List<Row> rows) {
        int[] w = MIN_WIDTHS.clone();
        for (Row r : rows) {
            w[0] = Math.max(w[0], r.layer.length());
            w[1] = Math.max(w[1], r.shape.length());
            w[2] = Math.max(w[2], r.params.length());
        }
        line(sb, '┏', '┳', '┓', '━', w);
        sb.append("┃ ").append(pad("Layer (type)", w[0])).append(" ┃ ").append(pad("Output Shape", w[1]))
                .append(" ┃ ").append(padLeft("Param #", w[2])).append(" ┃\n");
        line(sb, '┡', '╇', '┩', '━', w);
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            sb.append("│ ").append(pad(r.layer, w[0])).append(" │ ").append(pad(r.shape, w[1]))
                    .append(" │ ").append(padLeft(r.params, w[2])).append(" │\n");
            if (i < rows.size() - 1) line(sb, '├', '┼', '┤', '─', w);
        }
        line(sb, '└', '┴', '┘', '─', w);
    }

    private static void line(StringBuilder sb, char left, char mid, char right, char fill, int[] w) {
        sb.append(left);
        for (int i = 0; i < w.length; i++) {
            sb.append(String.valueOf(fill).repeat(w[i] + 2)).append(i < w.length - 1 ? mid : right);
        }
        sb.append('\n');
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(w - s.length());
    }

    private static String padLeft(String s, int w) {
        return " ".repeat(w - s.length()) + s;
    }

    /** Parameters plus floating-point buffers of one module and everything below it. */
    static long weightCount(Module m) {
        return m.parameterCount() + bufferCount(m);
    }

    private static long bufferCount(Module m) {
        var params = m.namedParameters();
        long n = 0;
        for (var e : m.stateDict().entrySet()) {
            if (!params.containsKey(e.getKey()) && e.getValue().dtype() != DType.I32) n += e.getValue().numel();
        }
        return n;
    }

    /** Keras's layer names: the type in snake case, numbered from the second of a type (dense, dense_1). */
    static List<String> displayNames(Collection<Module> layers) {
        Map<String, Integer> seen = new HashMap<>();
        List<String> out = new ArrayList<>();
        for (Module m : layers) {
            String base = snake(m.getClass().getSimpleName());
            int k = seen.merge(base, 1, Integer::sum) - 1;
            out.add(k == 0 ? base : base + "_" + k);
        }
        return out;
    }

    /** "BatchNorm1d" → "batch_norm1d", "ReLU" → "re_lu" (as Keras's to_snake_case). */
    static String snake(String name) {
        String s = name.replaceAll("(.)([A-Z][a-z]+)", "$1_$2").replaceAll("([a-z0-9])([A-Z])", "$1_$2");
        return s.toLowerCase(Locale.ROOT);
    }

    /** 407050 → "407,050". */
    static String group(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** Keras's readable size: 1024-based, two decimals. */
    static String bytes(long b) {
        String[] units = {"B", "KB", "MB", "GB", "TB"};
        double v = b;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.2f %s", v, units[u]);
    }
}
