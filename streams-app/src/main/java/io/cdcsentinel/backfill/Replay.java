package io.cdcsentinel.backfill;

import io.cdcsentinel.config.ConfigSource;
import java.util.Map;
import java.util.Optional;

/**
 * The pipeline a backfill replays its input through: the topologies and the sink of {@code run} (the CLI hands in
 * {@code Pipeline}), under the backfill's configuration and with extra Kafka Streams properties (the bounded timestamp
 * extractor).
 */
public interface Replay extends AutoCloseable {

    void start();

    /** Why the replay cannot go on (a topology in ERROR, a sink that gave up), if it cannot. */
    Optional<String> failure();

    /** Records of the shadow label topic the sink has not written yet. */
    long sinkLagRecords();

    /** Rows the sink has written so far. */
    long sinkRowsWritten();

    @Override
    void close();

    interface Factory {
        Replay create(ConfigSource config, Map<String, Object> streamsOverrides);
    }
}
