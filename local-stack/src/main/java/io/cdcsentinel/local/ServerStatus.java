package io.cdcsentinel.local;

import java.util.Map;
import java.util.OptionalLong;

/**
 * What {@code status} and {@code down} report about one server of a stack directory.
 *
 * @param ports the ports the directory assigned to it (by role; {@code "port"} is the client port), empty if none yet
 * @param note  why it is absent when that is not just "stopped" (e.g. ClickHouse not installed), else empty
 */
public record ServerStatus(Component component, boolean running, OptionalLong pid, Map<String, Integer> ports, String note) {
}
