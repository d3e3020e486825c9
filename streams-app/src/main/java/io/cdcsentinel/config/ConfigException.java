package io.cdcsentinel.config;

/**
 * A configuration value is missing or invalid. The message always names the key, the offending value
 * (masked for secrets) and what would be valid, so that start-up can stop with a message an operator
 * can act on.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String key;

    public ConfigException(String key, String message) {
        super(message);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
