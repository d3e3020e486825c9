package io.cdcsentinel.sink;

/**
 * A record of the labels topic that cannot become a row: undecodable bytes, or a label whose values the
 * table cannot hold. It goes to the dead-letter topic on its own; the rest of its batch is written.
 */
public final class BadLabelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BadLabelException(String message) {
        super(message);
    }

    public BadLabelException(String message, Throwable cause) {
        super(message, cause);
    }
}
