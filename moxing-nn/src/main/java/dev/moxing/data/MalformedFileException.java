package dev.moxing.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A data file whose content does not match its format. The message always names the file, the
 * field that is wrong and the value found, so a user can fix the file without a debugger:
 * {@code "train.idx: dimension 0 = 4294967295: exceeds ..."}.
 */
public final class MalformedFileException extends IOException {
    private final Path file;
    private final String field;

    public MalformedFileException(Path file, String field, Object value, String problem) {
        super(file + ": " + field + (value == null ? "" : " = " + value) + ": " + problem);
        this.file = file;
        this.field = field;
    }

    public MalformedFileException(Path file, String field, Object value, String problem, Throwable cause) {
        this(file, field, value, problem);
        initCause(cause);
    }

    public Path file() {
        return file;
    }

    /** The part of the file at fault ("magic", "dimension 1", "line 17, column 'x'", …). */
    public String field() {
        return field;
    }
}
