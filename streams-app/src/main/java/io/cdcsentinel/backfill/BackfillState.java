package io.cdcsentinel.backfill;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a backfill has done so far, in {@code state.json} of its work directory, written atomically (a temporary file
 * renamed over the old one) after each step, so that a backfill killed at any moment resumes where it was: the input
 * end offsets are those captured by the first run (the window's end does not move on rerun), a signalled re-snapshot
 * is not signalled again while Debezium still resumes it, and a finished replay is not run again.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class BackfillState {
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);

    /** Where the rows come from: the retained CDC topics, or a re-snapshot of PostgreSQL through Debezium. */
    public enum Source { TOPICS, SNAPSHOT }

    public String windowId;
    public Instant from;
    public Instant to;
    public List<String> customers;
    public Source source;
    public String applicationId;
    public Instant startedAt;
    public int runs;
    public boolean snapshotSignalled;
    public boolean snapshotCompleted;
    public Map<String, Long> snapshotRowsScanned = new TreeMap<>();
    /** {@code topic-partition -> offset}: the replay's start (log start) and end, captured once. */
    public Map<String, Long> startOffsets;
    public Map<String, Long> endOffsets;
    public boolean replayCompleted;
    public Instant replayCompletedAt;
    public long replayMillis;
    public Instant appliedAt;

    static BackfillState load(Path file) {
        try {
            return JSON.readValue(file.toFile(), BackfillState.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the backfill state " + file + ": " + e.getMessage()
                    + " (delete it to start the backfill over)", e);
        }
    }

    void save(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), this);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the backfill state " + file, e);
        }
    }
}
