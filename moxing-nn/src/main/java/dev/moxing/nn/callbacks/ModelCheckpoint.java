package dev.moxing.nn.callbacks;

import dev.moxing.nn.keras.Model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Saves the model at the end of epochs: every epoch, or with saveBestOnly only when the monitored
 * quantity improves on the best so far. The path may be a template with {@code {epoch}} and log
 * keys ({@code "ckpt/epoch-{epoch:02d}-{val_loss:.3f}"}); otherwise each save replaces the last.
 * A save is a directory written by {@link Model#save} (weights and architecture, atomically), or
 * with saveWeightsOnly a single safetensors file by {@link Model#saveWeights}.
 */
public final class ModelCheckpoint implements Callback {
    private final String path;
    private final Monitor monitor;
    private final boolean saveBestOnly;
    private final boolean[] warned = new boolean[1];
    private boolean saveWeightsOnly;
    private boolean verbose;
    private Model model;
    private double best;
    private Path lastSaved;

    /** Saves every epoch to path. */
    public ModelCheckpoint(Path path) {
        this(path.toString(), "val_loss", false);
    }

    public ModelCheckpoint(Path path, String monitor, boolean saveBestOnly) {
        this(path.toString(), monitor, saveBestOnly);
    }

    public ModelCheckpoint(String pathTemplate, String monitor, boolean saveBestOnly) {
        this(pathTemplate, monitor, saveBestOnly, "auto");
    }

    /** mode: "auto", "min" or "max". */
    public ModelCheckpoint(String pathTemplate, String monitor, boolean saveBestOnly, String mode) {
        this.path = pathTemplate;
        this.monitor = Monitor.of(monitor, mode, 0);
        this.saveBestOnly = saveBestOnly;
        // Kept across fits (as in Keras): a second fit with the same callback only saves a model
        // better than the best of the first, instead of overwriting it with a worse one.
        this.best = this.monitor.worst();
    }

    /** Write only the weights, as one safetensors file at the path. Returns this. */
    public ModelCheckpoint saveWeightsOnly(boolean on) {
        saveWeightsOnly = on;
        return this;
    }

    /** Print a line per save (Keras's verbose=1). Returns this. */
    public ModelCheckpoint verbose(boolean on) {
        verbose = on;
        return this;
    }

    @Override
    public void setModel(Model model) {
        this.model = model;
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        if (saveBestOnly) {
            Double current = monitor.read(logs, "ModelCheckpoint", warned);
            if (current == null) return;
            if (!monitor.improves(current, best)) {
                if (verbose) {
                    System.out.printf("Epoch %d: %s did not improve from %s%n", epoch + 1, monitor.key(), fmt(best));
                }
                return;
            }
            if (verbose) {
                System.out.printf("Epoch %d: %s improved from %s to %s, saving model to %s%n", epoch + 1,
                        monitor.key(), fmt(best), fmt(current), PathTemplate.format(path, epoch, logs));
            }
            best = current;
        } else if (verbose) {
            System.out.printf("Epoch %d: saving model to %s%n", epoch + 1, PathTemplate.format(path, epoch, logs));
        }
        Path target = Path.of(PathTemplate.format(path, epoch, logs));
        try {
            if (saveWeightsOnly) model.saveWeights(target);
            else model.save(target);
        } catch (IOException e) {
            throw new UncheckedIOException("ModelCheckpoint: could not save to " + target + ": " + e.getMessage(), e);
        }
        lastSaved = target;
    }

    /** Where the last save went, or null. */
    public Path lastSaved() {
        return lastSaved;
    }

    /** The best monitored value so far (±infinity before the first). */
    public double best() {
        return best;
    }

    private static String fmt(double v) {
        return Double.isInfinite(v) ? (v > 0 ? "inf" : "-inf") : String.format(java.util.Locale.ROOT, "%.5f", v);
    }
}
