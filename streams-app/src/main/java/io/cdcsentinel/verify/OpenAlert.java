package io.cdcsentinel.verify;

/**
 * A scorecard whose latest event on the compacted gap topic is OPENED.
 *
 * @param createdAt epoch seconds of the scorecard's created_at as the event carries it
 */
public record OpenAlert(String customer, String profile, String scorecardId, long createdAt, String stage) {
    String key() {
        return customer + "/" + profile + "/" + scorecardId;
    }
}
