package dev.moxing.gguf;

import java.io.IOException;
import java.nio.file.Path;

/** A GGUF file that is malformed or lies about its content; the message names file, field and value. */
public final class GgufFormatException extends IOException {
    public GgufFormatException(Path file, String message) {
        super(file + ": " + message);
    }
}
