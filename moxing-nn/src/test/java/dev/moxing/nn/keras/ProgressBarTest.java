package dev.moxing.nn.keras;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressBarTest {
    static final Map<String, Double> LOGS = new LinkedHashMap<>();

    static {
        LOGS.put("loss", 0.0958);
        LOGS.put("accuracy", 0.9712);
        LOGS.put("val_loss", 0.1003);
        LOGS.put("val_accuracy", 0.9701);
    }

    @Test
    void finishedLineLooksLikeKeras() {
        // 469 steps in 1.876 s: 4 ms per step; values in name order
        assertThat(ProgressBar.render(469, 469, 1.876, LOGS, true, false)).isEqualTo(
                "469/469 ━━━━━━━━━━━━━━━━━━━━ 2s 4ms/step - accuracy: 0.9712 - loss: 0.0958 - val_accuracy: 0.9701 - val_loss: 0.1003");
    }

    @Test
    void runningLineShowsTheEtaAndAPartialBar() {
        // 100 of 400 steps in 5 s: 50 ms/step, 300 steps left → 15 s; 100/400 of 20 cells = 5 done
        assertThat(ProgressBar.render(100, 400, 5, Map.of("loss", 1.5), false, false))
                .isEqualTo("100/400 ━━━━━─────────────── 15s 50ms/step - loss: 1.5000");
        // the counter is padded to the width of the target
        assertThat(ProgressBar.render(7, 469, 0.7, Map.of(), false, false)).startsWith("  7/469 ");
    }

    @Test
    void ansiColoursTheBarAndBoldsCounterAndTime() {
        String s = ProgressBar.render(1, 2, 1, Map.of("loss", 2.0), false, true);
        assertThat(s).isEqualTo("\u001b[1m1/2\u001b[0m \u001b[32m" + "━".repeat(10) + "\u001b[0m\u001b[37m" + "━".repeat(10)
                + "\u001b[0m \u001b[1m1s\u001b[0m 1s/step - loss: 2.0000");
        assertThat(ProgressBar.visibleLength(s)).isEqualTo("1/2 ".length() + 20 + " 1s 1s/step - loss: 2.0000".length());
    }

    @Test
    void compactLineForVerboseTwo() {
        assertThat(ProgressBar.renderCompact(469, 2.2, Map.of("loss", 0.0958, "accuracy", 0.9712)))
                .isEqualTo("469/469 - 2s - 5ms/step - accuracy: 0.9712 - loss: 0.0958");
    }

    @Test
    void numberAndTimeFormats() {
        assertThat(ProgressBar.formatValue(0.12345)).isEqualTo("0.1235");
        assertThat(ProgressBar.formatValue(0.000123)).isEqualTo("1.2300e-04");
        assertThat(ProgressBar.formatValue(Double.NaN)).isEqualTo("NaN");
        assertThat(ProgressBar.eta(42.9)).isEqualTo("42s");
        assertThat(ProgressBar.eta(185)).isEqualTo("3:05");
        assertThat(ProgressBar.eta(3723)).isEqualTo("1:02:03");
        assertThat(ProgressBar.perStep(2.4)).isEqualTo("2s/step");
        assertThat(ProgressBar.perStep(0.0042)).isEqualTo("4ms/step");
        assertThat(ProgressBar.perStep(0.00035)).isEqualTo("350us/step");
    }

    @Test
    void onATerminalTheLineIsRedrawnInPlace() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(buf, true, StandardCharsets.UTF_8), 2, 1, true);
        bar.update(1, Map.of("loss", 1.23456));
        bar.update(2, Map.of("loss", 1.0));
        bar.finish(Map.of("loss", 1.0, "val_loss", 2.0));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(out.chars().filter(c -> c == '\r').count()).isEqualTo(3);
        assertThat(out).endsWith("val_loss: 2.0000\n").doesNotContain("\n\r");
    }

    @Test
    void offATerminalOnlyTheFinalLineIsPrinted() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(buf, true, StandardCharsets.UTF_8), 2, 1, false);
        bar.update(1, Map.of("loss", 1.0));
        bar.update(2, Map.of("loss", 1.0));
        bar.finish(Map.of("loss", 1.0));
        assertThat(buf.toString(StandardCharsets.UTF_8)).matches("2/2 ━{20} \\d+s \\d+[mu]?s/step - loss: 1\\.0000\n");
        ByteArrayOutputStream quiet = new ByteArrayOutputStream();
        new ProgressBar(new PrintStream(quiet), 2, 0, true).finish(Map.of("loss", 1.0));
        assertThat(quiet.size()).isZero();
    }
}
