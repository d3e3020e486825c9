package io.cdcsentinel.sink;

import java.util.Map;

/**
 * A snapshot of what the sink has done since it started: the figures an operator (or {@code bench})
 * watches. Counters only grow.
 *
 * @param state               where the sink is in its life
 * @param recordsConsumed     records read from the labels topic
 * @param rowsWritten         rows ClickHouse acknowledged
 * @param batchesWritten      INSERTs ClickHouse acknowledged
 * @param tombstonesSkipped   null-value records (compaction tombstones; a {@code DELETE} label is the deletion signal)
 * @param supersededInBatch   legacy layout: labels replaced by a newer label of the same conversation in the same batch
 * @param deadLettered        records sent to the dead-letter topic (undecodable, or a batch given up in {@code dlq} mode)
 * @param retries             failed ClickHouse requests that were retried
 * @param mutations           legacy layout: delete mutations run
 * @param lastWrittenOffsets  per partition, the offset of the last record handled (written, skipped or dead-lettered)
 * @param failure             why the sink stopped, when {@code state} is {@link ClickHouseSink.State#FAILED}
 */
public record SinkProgress(ClickHouseSink.State state, long recordsConsumed, long rowsWritten, long batchesWritten,
        long tombstonesSkipped, long supersededInBatch, long deadLettered, long retries, long mutations,
        Map<Integer, Long> lastWrittenOffsets, String failure) {

    /** One line for a terminal or a log. */
    public String summary() {
        return String.format("state=%s consumed=%d rows=%d batches=%d tombstones=%d superseded=%d dead-lettered=%d retries=%d"
                + " mutations=%d offsets=%s%s", state, recordsConsumed, rowsWritten, batchesWritten, tombstonesSkipped,
                supersededInBatch, deadLettered, retries, mutations, new java.util.TreeMap<>(lastWrittenOffsets),
                failure == null ? "" : " failure=" + failure);
    }
}
