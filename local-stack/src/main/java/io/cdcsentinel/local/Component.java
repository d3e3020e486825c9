package io.cdcsentinel.local;

import java.util.Locale;

/** The servers of the local stack, in the order they are reported. */
public enum Component {
    POSTGRES,
    KAFKA,
    REGISTRY,
    CLICKHOUSE;

    /** The name used in output, directory names and the state file. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
