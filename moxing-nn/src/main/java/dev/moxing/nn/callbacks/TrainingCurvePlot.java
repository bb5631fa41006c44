package dev.moxing.nn.callbacks;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Draws the training curves as a PNG with XChart: loss and val_loss per epoch on the left, the
 * metrics (each with its val_ twin) on the right, since losses and accuracies live on different
 * scales. The file is rewritten after every epoch (to a temporary file, then renamed), so it shows
 * the run so far and is never half-written. Rendering is headless: no display is needed.
 */
public final class TrainingCurvePlot implements Callback {
    private static final int WIDTH = 640, HEIGHT = 440;
    private static final Color[] PALETTE = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
            new Color(214, 39, 40), new Color(148, 103, 189), new Color(140, 86, 75)};

    private final Path path;
    private final List<Map<String, Double>> epochs = new ArrayList<>();

    public TrainingCurvePlot(Path path) {
        this.path = path;
    }

    @Override
    public void onTrainBegin(Map<String, Double> logs) {
        epochs.clear();
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        epochs.add(new LinkedHashMap<>(logs));
        try {
            write(path, epochs);
        } catch (IOException e) {
            throw new UncheckedIOException("TrainingCurvePlot: cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    /** Writes the curves of the given per-epoch logs (epoch 1 first) as a PNG at path. */
    public static void write(Path path, List<Map<String, Double>> epochs) throws IOException {
        // AWT reads this once, when it first loads: set it before any chart class touches AWT.
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        List<XYChart> charts = new ArrayList<>();
        charts.add(chart("Loss", "loss", epochs, List.of("loss")));
        List<String> metrics = new ArrayList<>();
        for (String k : keys(epochs)) {
            if (!k.startsWith("val_") && !k.equals("loss") && !k.equals("learning_rate") && !k.equals("lr")) metrics.add(k);
        }
        if (!metrics.isEmpty()) charts.add(chart("Metrics", "value", epochs, metrics));

        BufferedImage image = new BufferedImage(WIDTH * charts.size(), HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        for (int i = 0; i < charts.size(); i++) {
            Graphics2D cell = (Graphics2D) g.create(i * WIDTH, 0, WIDTH, HEIGHT);
            charts.get(i).paint(cell, WIDTH, HEIGHT);
            cell.dispose();
        }
        g.dispose();

        Path abs = path.toAbsolutePath();
        if (abs.getParent() != null) Files.createDirectories(abs.getParent());
        Path tmp = Files.createTempFile(abs.getParent(), abs.getFileName().toString(), ".tmp");
        try {
            if (!ImageIO.write(image, "png", tmp.toFile())) throw new IOException("no PNG writer available");
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static XYChart chart(String title, String yTitle, List<Map<String, Double>> epochs, List<String> keys) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("epoch").yAxisTitle(yTitle).build();
        var styler = chart.getStyler();
        // Below the plot, in a row: inside it, the legend would hide the curves' corners.
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        styler.setLegendBorderColor(Color.WHITE);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotGridLinesVisible(true);
        styler.setXAxisDecimalPattern("#");
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            Color colour = PALETTE[i % PALETTE.length];
            for (String k : List.of(key, "val_" + key)) {
                List<Double> x = new ArrayList<>(), y = new ArrayList<>();
                for (int e = 0; e < epochs.size(); e++) {
                    Double v = epochs.get(e).get(k);
                    // A NaN or infinite value (a diverged epoch) would wreck the axis range: leave it out.
                    if (v != null && Double.isFinite(v)) {
                        x.add(e + 1.0);
                        y.add(v);
                    }
                }
                if (x.isEmpty()) continue;
                // A quantity and its val_ twin share a colour; validation is dashed.
                var series = chart.addSeries(k, x, y);
                series.setMarker(SeriesMarkers.CIRCLE);
                series.setLineColor(colour);
                series.setMarkerColor(colour);
                if (k.startsWith("val_")) series.setLineStyle(SeriesLines.DASH_DASH);
            }
        }
        if (chart.getSeriesMap().isEmpty()) chart.addSeries("(no data)", List.of(1.0), List.of(0.0));
        return chart;
    }

    private static TreeSet<String> keys(List<Map<String, Double>> epochs) {
        TreeSet<String> keys = new TreeSet<>();
        for (var e : epochs) keys.addAll(e.keySet());
        return keys;
    }
}
