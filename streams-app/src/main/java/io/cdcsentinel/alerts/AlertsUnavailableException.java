package io.cdcsentinel.alerts;

/**
 * The alert topics cannot be read: Kafka or the schema registry does not answer, or a topic does not exist. The
 * message names the configuration key to check; the command prints it and exits non-zero instead of waiting.
 */
public final class AlertsUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AlertsUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
