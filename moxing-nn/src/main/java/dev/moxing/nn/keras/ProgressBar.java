package dev.moxing.nn.keras;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Keras-style progress for one epoch (or one evaluation):
 * {@code 469/469 ━━━━━━━━━━━━━━━━━━━━ 2s 4ms/step - accuracy: 0.9712 - loss: 0.0958}.
 *
 * <p>On a terminal the line is redrawn in place with {@code \r} as steps complete, showing the ETA
 * instead of the elapsed time, at most every 50 ms. Elsewhere (a log file, a pipe, CI) only the
 * final line is printed, so logs get one clean line per epoch instead of hundreds of redraws.
 * Verbosity 2 prints the final line in Keras's compact form {@code 469/469 - 2s - 4ms/step - …}.
 *
 * <p>The text comes from pure static functions ({@link #render}, {@link #renderCompact}) so that
 * tests can check it without a clock or a terminal.
 */
public final class ProgressBar {
    public static final int WIDTH = 20;
    private static final String BAR = "━";
    private static final long REDRAW_NANOS = 50_000_000L;

    private final PrintStream out;
    private final int target;
    private final int verbose;
    private final boolean interactive;
    private final long start = System.nanoTime();
    private long firstStepDone;
    private long lastDraw;
    private int lastLength;

    /**
     * @param verbose 1 for the bar, 2 for one compact line at the end, 0 for nothing
     * @param interactive whether out is a terminal (redraw in place, colors)
     */
    public ProgressBar(PrintStream out, int target, int verbose, boolean interactive) {
        this.out = out;
        this.target = target;
        this.verbose = verbose;
        this.interactive = interactive;
    }

    /** Whether standard output is a terminal (a JDK 22+ console also exists when redirected, so ask it). */
    public static boolean stdoutIsTerminal() {
        var console = System.console();
        return console != null && console.isTerminal();
    }

    /** Steps done so far with the running values; redraws on a terminal, otherwise prints nothing. */
    public void update(int current, Map<String, Double> values) {
        if (verbose != 1 || !interactive) return;
        long now = System.nanoTime();
        if (firstStepDone == 0) firstStepDone = now;
        if (current < target && now - lastDraw < REDRAW_NANOS) return;
        lastDraw = now;
        // The first step pays for JIT compilation and lazy builds: leave it out of the ETA, as Keras
        // does, or the estimate starts far too high.
        double perStep = current > 1 ? (now - firstStepDone) / 1e9 / (current - 1) : seconds(now);
        draw(render(current, target, perStep * current, values, false, true));
    }

    /** The final line for the epoch (values include the validation results), then a newline. */
    public void finish(Map<String, Double> values) {
        double elapsed = seconds(System.nanoTime());
        if (verbose == 1) {
            if (interactive) draw(render(target, target, elapsed, values, true, true));
            else out.print(render(target, target, elapsed, values, true, false));
            out.println();
        } else if (verbose == 2) {
            out.println(renderCompact(target, elapsed, values));
        }
        out.flush();
    }

    private void draw(String line) {
        int visible = visibleLength(line);
        StringBuilder sb = new StringBuilder("\r").append(line);
        // Blank out what is left of a longer previous line.
        for (int i = visible; i < lastLength; i++) sb.append(' ');
        lastLength = visible;
        out.print(sb);
        out.flush();
    }

    private double seconds(long now) {
        return (now - start) / 1e9;
    }

    /**
     * One progress line. {@code elapsedSeconds} is the time the {@code current} steps took; the
     * per-step time is their mean. While running ({@code finished} false) the time shown is the
     * ETA at that pace; when finished it is the elapsed time itself. With {@code ansi} the
     * counter is bold and the done part of the bar green, the rest grey, as in Keras.
     */
    public static String render(int current, int target, double elapsedSeconds, Map<String, Double> values,
                                boolean finished, boolean ansi) {
        StringBuilder sb = new StringBuilder();
        String count = counter(current, target);
        sb.append(ansi ? bold(count) : count).append(' ');
        int done = target <= 0 ? WIDTH : (int) ((long) WIDTH * Math.min(current, target) / target);
        if (ansi) {
            if (done > 0) sb.append("\u001b[32m").append(BAR.repeat(done)).append("\u001b[0m");
            sb.append("\u001b[37m").append(BAR.repeat(WIDTH - done)).append("\u001b[0m");
        } else {
            // Without colours the undone part must look different: a lighter line.
            sb.append(BAR.repeat(done)).append("─".repeat(WIDTH - done));
        }
        double perStep = current > 0 ? elapsedSeconds / current : 0;
        String time = finished ? String.format(Locale.ROOT, "%.0fs", elapsedSeconds) : eta(perStep * (target - current));
        sb.append(' ').append(ansi ? bold(time) : time).append(' ').append(perStep(perStep));
        appendValues(sb, values);
        return sb.toString();
    }

    /** Keras's verbose=2 line: {@code 469/469 - 2s - 4ms/step - accuracy: 0.9712 - loss: 0.0958}. */
    public static String renderCompact(int target, double elapsedSeconds, Map<String, Double> values) {
        StringBuilder sb = new StringBuilder(counter(target, target));
        sb.append(String.format(Locale.ROOT, " - %.0fs - ", elapsedSeconds));
        sb.append(perStep(target > 0 ? elapsedSeconds / target : 0));
        appendValues(sb, values);
        return sb.toString();
    }

    /** Values in name order, as Keras 3 shows them (so val_* follow the training values). */
    private static void appendValues(StringBuilder sb, Map<String, Double> values) {
        for (var e : new TreeMap<>(values).entrySet()) {
            sb.append(" - ").append(e.getKey()).append(": ").append(formatValue(e.getValue()));
        }
    }

    private static String counter(int current, int target) {
        int digits = Integer.toString(Math.max(target, 1)).length();
        return String.format(Locale.ROOT, "%" + digits + "d/%d", current, target);
    }

    /** 4 decimals, or scientific notation for small magnitudes so they do not print as 0.0000. */
    public static String formatValue(double v) {
        return Math.abs(v) > 1e-3 ? String.format(Locale.ROOT, "%.4f", v) : String.format(Locale.ROOT, "%.4e", v);
    }

    /** Remaining time: "42s", "3:05", "1:02:03". */
    public static String eta(double seconds) {
        long s = (long) seconds;
        if (seconds > 3600) return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s % 3600 / 60, s % 60);
        if (seconds > 60) return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
        return s + "s";
    }

    /** Mean step time in the largest unit that keeps it at least 1: "2s/step", "4ms/step", "350us/step". */
    public static String perStep(double seconds) {
        if (seconds >= 1 || seconds == 0) return String.format(Locale.ROOT, "%.0fs/step", seconds);
        if (seconds >= 1e-3) return String.format(Locale.ROOT, "%.0fms/step", seconds * 1e3);
        return String.format(Locale.ROOT, "%.0fus/step", seconds * 1e6);
    }

    private static String bold(String s) {
        return "\u001b[1m" + s + "\u001b[0m";
    }

    /** Length on screen: the line without its ANSI escape sequences. */
    static int visibleLength(String line) {
        return line.replaceAll("\u001b\\[[0-9;]*m", "").length();
    }
}
