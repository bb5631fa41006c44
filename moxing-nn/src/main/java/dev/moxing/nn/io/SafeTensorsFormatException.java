package dev.moxing.nn.io;

import java.io.IOException;

/** A safetensors file that is malformed: the message names the file, the tensor and the offending field. */
public final class SafeTensorsFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public SafeTensorsFormatException(String message) {
        super(message);
    }

    public SafeTensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
