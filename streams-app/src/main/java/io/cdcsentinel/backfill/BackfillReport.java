package io.cdcsentinel.backfill;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The report of one backfill run, written as {@code report.json} (for machines) and {@code report.txt} (the summary
 * printed at the end) in the backfill's work directory.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BackfillReport(String window, Instant from, Instant to, List<String> customers, String source,
        String applicationId, Map<String, String> shadow, Map<String, Long> startOffsets, Map<String, Long> endOffsets,
        long recordsRead, long replayMillis, double recordsPerSecond, Map<String, Long> snapshotRowsScanned,
        Map<String, Map<String, Long>> gapEvents, Map<String, Long> gapsOpenAtEnd, long rateBuckets, long rateBucketsAlerting,
        Map<String, Map<String, Long>> labels, long shadowTableRows, long undecodableRecords, Apply apply, Verify verify) {

    /**
     * {@code bin/sentinel verify} of the shadow outputs against PostgreSQL, pinned to the backfill's end offsets.
     *
     * @param summary the last line of the verify report, or why it did not run
     * @param report the full report ({@code verify.txt}, {@code verify.json} next to this one), null when it did not run
     */
    public record Verify(boolean ran, long differences, long inFlight, String summary, String report) {
    }

    /** What {@code --apply} published. */
    public record Apply(Instant at, Map<String, Long> gapEventsPublished, long gapsAlreadyInState, long gapsNeverOpenSkipped,
            long liveOpenGapsNotFoundByBackfill, long rateRecordsPublished, long labelRowsInserted) {
    }

    public BackfillReport withVerify(Verify v) {
        return new BackfillReport(window, from, to, customers, source, applicationId, shadow, startOffsets, endOffsets, recordsRead,
                replayMillis, recordsPerSecond, snapshotRowsScanned, gapEvents, gapsOpenAtEnd, rateBuckets, rateBucketsAlerting,
                labels, shadowTableRows, undecodableRecords, apply, v);
    }

    public BackfillReport withApply(Apply a) {
        return new BackfillReport(window, from, to, customers, source, applicationId, shadow, startOffsets, endOffsets, recordsRead,
                replayMillis, recordsPerSecond, snapshotRowsScanned, gapEvents, gapsOpenAtEnd, rateBuckets, rateBucketsAlerting,
                labels, shadowTableRows, undecodableRecords, a, verify);
    }

    public long total(Map<String, Map<String, Long>> perCustomer, String kind) {
        return perCustomer.values().stream().mapToLong(m -> m.getOrDefault(kind, 0L)).sum();
    }

    /** The readable summary: the window, what was read, and per customer what was found. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append("backfill ").append(window).append(": [").append(from).append(", ").append(to).append(")")
                .append(customers.isEmpty() ? " all customers" : " customers " + customers).append('\n');
        s.append("  source           ").append(source).append(", application id ").append(applicationId).append('\n');
        s.append("  shadow outputs   ").append(shadow).append('\n');
        if (snapshotRowsScanned != null && !snapshotRowsScanned.isEmpty()) {
            s.append("  re-snapshot      ").append(snapshotRowsScanned).append(" rows scanned\n");
        }
        s.append(String.format(Locale.ROOT, "  records read     %,d in %s (%,.0f records/s)%n", recordsRead,
                Duration.ofMillis(replayMillis).toString().substring(2).toLowerCase(Locale.ROOT), recordsPerSecond));
        s.append(String.format(Locale.ROOT, "  gap events       %,d OPENED, %,d RESOLVED, %,d WITHDRAWN; %,d open at the end%n",
                total(gapEvents, "OPENED"), total(gapEvents, "RESOLVED"), total(gapEvents, "WITHDRAWN"),
                gapsOpenAtEnd.values().stream().mapToLong(Long::longValue).sum()));
        s.append(String.format(Locale.ROOT, "  roll-up buckets  %,d, %,d alerting%n", rateBuckets, rateBucketsAlerting));
        s.append(String.format(Locale.ROOT, "  labels           %,d FINAL, %,d CORRECTION, %,d DELETE; %,d rows in the shadow table%n",
                total(labels, "FINAL"), total(labels, "CORRECTION"), total(labels, "DELETE"), shadowTableRows));
        TreeSet<String> all = new TreeSet<>(gapEvents.keySet());
        all.addAll(labels.keySet());
        if (!all.isEmpty()) {
            s.append(String.format(Locale.ROOT, "  %-20s %8s %8s %9s %6s %8s %10s %7s%n", "customer", "OPENED", "RESOLVED",
                    "WITHDRAWN", "open", "FINAL", "CORRECTION", "DELETE"));
            for (String c : all) {
                Map<String, Long> g = gapEvents.getOrDefault(c, Map.of());
                Map<String, Long> l = labels.getOrDefault(c, Map.of());
                s.append(String.format(Locale.ROOT, "  %-20s %,8d %,8d %,9d %,6d %,8d %,10d %,7d%n", c, g.getOrDefault("OPENED", 0L),
                        g.getOrDefault("RESOLVED", 0L), g.getOrDefault("WITHDRAWN", 0L), gapsOpenAtEnd.getOrDefault(c, 0L),
                        l.getOrDefault("FINAL", 0L), l.getOrDefault("CORRECTION", 0L), l.getOrDefault("DELETE", 0L)));
            }
        }
        if (undecodableRecords > 0) {
            s.append(String.format(Locale.ROOT, "  undecodable      %,d output records skipped (see the log)%n", undecodableRecords));
        }
        if (apply != null) {
            s.append(String.format(Locale.ROOT, "  applied          %s gap events published %s (%,d already in that state, %,d closed"
                    + " gaps never open live skipped, %,d live open gaps the backfill did not find: run verify), %,d roll-ups,"
                    + " %,d label rows inserted%n", apply.at(), new TreeMap<>(apply.gapEventsPublished()), apply.gapsAlreadyInState(),
                    apply.gapsNeverOpenSkipped(), apply.liveOpenGapsNotFoundByBackfill(), apply.rateRecordsPublished(),
                    apply.labelRowsInserted()));
        } else {
            s.append("  not applied      rerun with --apply to publish onto the real topics and table\n");
        }
        if (verify != null) {
            s.append("  verify           ").append(verify.summary()).append(verify.report() == null ? "" : " (" + verify.report() + ")")
                    .append('\n');
        }
        return s.toString();
    }

    /** Writes {@code report.json} and {@code report.txt} into {@code dir}. */
    public void write(Path dir) {
        try {
            Files.createDirectories(dir);
            BackfillState.JSON.writeValue(dir.resolve("report.json").toFile(), this);
            Files.writeString(dir.resolve("report.txt"), summary());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the backfill report into " + dir, e);
        }
    }
}
