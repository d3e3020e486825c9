package io.cdcsentinel.sink;

import java.util.Collection;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The ClickHouse requests the sink's writer and its resume make, each one request and no retries (the callers
 * retry). {@link LabelStore} is the real one; unit tests give a fake.
 */
interface SinkStore {

    /** One INSERT of {@code rows} under {@code queryId}; returns once the server has committed it. */
    void insert(String queryId, LabelRowEncoder.RowBuffer rows);

    /** The highest offset ClickHouse holds for each partition of {@code topic} that has rows. */
    Map<Integer, Long> maxOffsets(String topic);

    /** The highest offset ClickHouse holds for one partition, empty when it holds none. */
    OptionalLong maxOffset(String topic, int partition);

    /** Which of {@code queryIds} are running on the server now. */
    Set<String> runningQueries(Collection<String> queryIds);

    /** Legacy layout: starts the mutation that deletes every row of {@code keys}. */
    void deleteConversations(Collection<ConversationKey> keys);

    /** Unfinished mutations of the table. */
    long pendingMutations();
}
