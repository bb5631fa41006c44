package dev.moxing.data;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits CSV text into records of fields (RFC 4180): a field that starts with a quote runs to the
 * matching quote and may hold delimiters, line breaks and doubled quotes ({@code ""} → {@code "}).
 * Line endings may be LF, CRLF or CR. Tracks the line on which each record starts, for messages.
 */
final class CsvRecords {
    private final Reader in;
    private final char delimiter;
    private final Path path;
    private int line = 1;          // line of the next character
    private int recordLine;
    private int pending = -2;      // a character read ahead, or -2 for none

    CsvRecords(Reader in, char delimiter, Path path) {
        this.in = in;
        this.delimiter = delimiter;
        this.path = path;
    }

    /** The line on which the record last returned by {@link #next()} starts (1-based). */
    int recordLine() {
        return recordLine;
    }

    private int read() throws IOException {
        if (pending != -2) {
            int c = pending;
            pending = -2;
            return c;
        }
        return in.read();
    }

    /** The next record, or null at the end; blank lines are skipped. */
    List<String> next() throws IOException {
        while (true) {
            int c = read();
            if (c == -1) return null;
            if (line == 1 && recordLine == 0 && c == '\uFEFF') c = read();   // a UTF-8 byte-order mark
            recordLine = line;
            if (c == '\n' || c == '\r') {              // blank line
                endOfLine(c);
                continue;
            }
            pending = c;
            return fields();
        }
    }

    private void endOfLine(int c) throws IOException {
        if (c == '\r') {
            int n = read();
            if (n != '\n') pending = n;
        }
        line++;
    }

    private List<String> fields() throws IOException {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;       // this field started with a quote
        boolean inQuotes = false;
        int quoteLine = 0;
        while (true) {
            int c = read();
            if (inQuotes) {
                if (c == -1) {
                    throw new MalformedFileException(path, "line " + quoteLine + ", field " + (fields.size() + 1), null,
                            "the quoted field is never closed (unbalanced '\"')");
                }
                if (c == '"') {
                    int n = read();
                    if (n == '"') {
                        field.append('"');
                    } else {
                        inQuotes = false;
                        pending = n;
                    }
                } else if (c == '\n' || c == '\r') {      // a line break inside quotes, kept as '\n'
                    if (c == '\r') {
                        int n = read();
                        if (n != '\n') pending = n;
                    }
                    field.append('\n');
                    line++;
                } else {
                    field.append((char) c);
                }
                continue;
            }
            if (c == -1 || c == '\n' || c == '\r' || c == delimiter) {
                fields.add(field.toString());
                field.setLength(0);
                quoted = false;
                if (c == delimiter) continue;
                if (c != -1) endOfLine(c);
                return fields;
            }
            if (c == '"' && !quoted && field.toString().isBlank()) {
                field.setLength(0);
                quoted = true;
                inQuotes = true;
                quoteLine = line;
            } else if (quoted && !Character.isWhitespace(c)) {
                throw new MalformedFileException(path, "line " + line + ", field " + (fields.size() + 1), "'" + (char) c + "'",
                        "text after the closing quote of a quoted field");
            } else if (!quoted) {
                field.append((char) c);
            }
        }
    }
}
