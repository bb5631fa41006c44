package dev.moxing.nn.callbacks;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Writes one CSV row per epoch, as Keras's CSVLogger: a header {@code epoch,<keys in name order>}
 * fixed at the first epoch, epochs from 0, a key missing later written as NA. Each row is flushed,
 * so the file is readable while training runs.
 */
public final class CSVLogger implements Callback {
    private final Path path;
    private final String separator;
    private final boolean append;
    private BufferedWriter out;
    private List<String> keys;

    public CSVLogger(Path path) {
        this(path, ",", false);
    }

    /** append: continue an existing file (no second header) instead of replacing it. */
    public CSVLogger(Path path, String separator, boolean append) {
        this.path = path;
        this.separator = separator;
        this.append = append;
    }

    @Override
    public void onTrainBegin(Map<String, Double> logs) {
        try {
            if (path.getParent() != null) Files.createDirectories(path.getParent());
            boolean continuing = append && Files.exists(path) && Files.size(path) > 0;
            out = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    continuing ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            keys = continuing ? existingKeys() : null;
        } catch (IOException e) {
            throw new UncheckedIOException("CSVLogger: cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    private List<String> existingKeys() throws IOException {
        try (var lines = Files.lines(path, StandardCharsets.UTF_8)) {
            String header = lines.findFirst().orElse("");
            List<String> k = new ArrayList<>(List.of(header.split(java.util.regex.Pattern.quote(separator))));
            if (k.isEmpty() || !k.getFirst().equals("epoch")) return null;
            k.removeFirst();
            return k;
        }
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        try {
            if (keys == null) {
                keys = new ArrayList<>(new TreeSet<>(logs.keySet()));
                out.write("epoch" + separator + String.join(separator, keys));
                out.newLine();
            }
            StringBuilder row = new StringBuilder().append(epoch);
            for (String k : keys) {
                Double v = logs.get(k);
                row.append(separator).append(v == null ? "NA" : v.toString());
            }
            out.write(row.toString());
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("CSVLogger: cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void onTrainEnd(Map<String, Double> logs) {
        if (out == null) return;
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("CSVLogger: cannot close " + path + ": " + e.getMessage(), e);
        } finally {
            out = null;
        }
    }
}
