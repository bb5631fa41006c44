package dev.moxing.nn.callbacks;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keras's checkpoint file-name templates: {@code "ckpt-{epoch:02d}-{val_loss:.4f}"} → ckpt-03-0.2517.
 * Fields are {@code epoch} (from 1) and any log key; the part after the colon is a Python/Java
 * format spec without the percent sign (d, 02d, .2f, .3e…).
 */
final class PathTemplate {
    private static final Pattern FIELD = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?}");

    private PathTemplate() {
    }

    static String format(String template, int epoch, Map<String, Double> logs) {
        Matcher m = FIELD.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String key = m.group(1), spec = m.group(2);
            String value;
            if (key.equals("epoch")) {
                value = String.format(Locale.ROOT, "%" + (spec == null ? "d" : spec), epoch + 1);
            } else {
                Double v = logs.get(key);
                if (v == null) {
                    throw new IllegalArgumentException("checkpoint path '" + template + "' uses '" + key
                            + "', which is not in the logs " + logs.keySet());
                }
                String s = spec == null ? "s" : spec;
                value = s.endsWith("d") ? String.format(Locale.ROOT, "%" + s, Math.round(v))
                        : s.equals("s") ? Double.toString(v) : String.format(Locale.ROOT, "%" + s, v);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
