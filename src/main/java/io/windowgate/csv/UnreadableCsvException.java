package io.windowgate.csv;

/** A dropped file that cannot be read as CSV at all; it moves to .error/ with this message as the reason. */
public final class UnreadableCsvException extends Exception {

    public UnreadableCsvException(String message) {
        super(message);
    }

    public UnreadableCsvException(String message, Throwable cause) {
        super(message, cause);
    }
}
