package io.cdcsentinel.verify;

/**
 * A conversation as PostgreSQL holds it: its label if it has ended, and when it last visibly changed (the latest
 * of its chats row's created/updated/ended times and its events' times), which decides whether a difference
 * may still be in flight.
 */
public record ExpectedLabel(LabelRow row, long lastChangeMs) {
    public boolean ended() {
        return row.endedAt() != null;
    }
}
