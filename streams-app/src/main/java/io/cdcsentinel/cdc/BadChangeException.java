package io.cdcsentinel.cdc;

/**
 * A change record that cannot be used: unparsable envelope, unknown op, missing key columns, unreadable
 * source position. Thrown by deserializers and the first processor after a source, so that Kafka
 * Streams' exception handlers send the <em>original</em> record to the dead-letter topic.
 */
public class BadChangeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BadChangeException(String message) {
        super(message);
    }

    public BadChangeException(String message, Throwable cause) {
        super(message, cause);
    }
}
