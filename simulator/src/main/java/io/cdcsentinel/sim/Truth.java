package io.cdcsentinel.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What must be true downstream once a simulated workload has been written and every timer has fired: the
 * scorecards that must be open gaps and the label rows that must exist, with their final values.
 *
 * <p>The truth file ({@code simulate --truth FILE}) is JSON Lines, one object per line, told apart by
 * {@code type}:
 * <ul>
 *   <li>{@code run}: seed, start, scenarios, and the rule applied;</li>
 *   <li>{@code gap}: one scorecard that must have an open gap: eligible ({@code calibrated_scorecard_id IS NULL},
 *       {@code scorecard_type} NULL or 0, not soft- or hard-deleted) and no {@code historic.scorecard_scores} row
 *       with its id under the same customer/profile; with {@code submitted}, {@code process_scorecard} and the
 *       {@code cause} (which write was lost and how);</li>
 *   <li>{@code label}: one ended conversation (ended_at NOT NULL at the end) and its final label:
 *       agent, use case, start, end, assist counts, {@code agent_assisted = assist_used_count > 0},
 *       {@code bot_outcome} (HANDOFF wins over RESOLVED); and {@code changes_after_end}, how many changes to what
 *       the label is made of (event, reassignment, reclassification, reopen, new end; not an {@code updated_at}-only
 *       touch) the conversation got after it first ended: with 0 its first label must be its only one;</li>
 *   <li>{@code bucket}: per customer/profile and hour or day of {@code created_at} (UTC): eligible scorecards and
 *       open gaps, submitted and unsubmitted, and the process ones among them;</li>
 *   <li>{@code summary}: last line, only when the run completed: the counts of what was written and the expected
 *       totals. A file without it is from a run that failed or was killed.</li>
 * </ul>
 * Timestamps are ISO-8601 UTC with microseconds, as PostgreSQL stores them. Lines of one type appear in planning
 * order, which is deterministic for a seed.
 */
public record Truth(long seed, List<Gap> gaps, List<Label> labels, Map<ConversationKey, Integer> changesAfterEnd,
        List<Bucket> buckets, Map<String, Long> counts, Expectations expected) {

    public record ConversationKey(String customerId, String profileId, String conversationId) {
    }

    public record Gap(String customer, String profile, String scorecardId, String templateId, String conversationId,
            boolean processScorecard, boolean submitted, Instant createdAt, Instant submittedAt, int directorScoreCount,
            String cause) {
    }

    public record Label(String customerId, String profileId, String conversationId, String agentUserId, String usecaseId,
            Instant startedAt, Instant endedAt, int assistShownCount, int assistUsedCount, boolean agentAssisted,
            String botOutcome) {

        public ConversationKey key() {
            return new ConversationKey(customerId, profileId, conversationId);
        }
    }

    public record Bucket(String customer, String profile, String bucketSize, Instant bucketStart, long submittedTotal,
            long submittedMissing, long unsubmittedTotal, long unsubmittedMissing, long processTotal,
            long processMissing) {
    }

    /**
     * Expected totals at quiescence.
     *
     * @param eligible          eligible scorecards that exist at the end
     * @param openGaps          eligible scorecards without historic rows (= gap lines)
     * @param labels            conversations ended at the end (= label lines)
     * @param openConversations conversations not ended at the end (no label yet)
     */
    public record Expectations(long eligible, long eligibleSubmitted, long eligibleProcess, long openGaps,
            long openGapsSubmitted, long openGapsUnsubmitted, long openGapsProcess, long labels, long openConversations) {

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("eligible", eligible);
            m.put("eligible_submitted", eligibleSubmitted);
            m.put("eligible_process", eligibleProcess);
            m.put("open_gaps", openGaps);
            m.put("open_gaps_submitted", openGapsSubmitted);
            m.put("open_gaps_unsubmitted", openGapsUnsubmitted);
            m.put("open_gaps_process", openGapsProcess);
            m.put("labels", labels);
            m.put("open_conversations", openConversations);
            return m;
        }

        static Expectations from(JsonNode n) {
            return new Expectations(n.path("eligible").asLong(), n.path("eligible_submitted").asLong(),
                    n.path("eligible_process").asLong(), n.path("open_gaps").asLong(),
                    n.path("open_gaps_submitted").asLong(), n.path("open_gaps_unsubmitted").asLong(),
                    n.path("open_gaps_process").asLong(), n.path("labels").asLong(),
                    n.path("open_conversations").asLong());
        }
    }

    /** Reads a truth file; fails when it has no summary line (the run did not complete). */
    public static Truth read(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Gap> gaps = new ArrayList<>();
        List<Label> labels = new ArrayList<>();
        Map<ConversationKey, Integer> changesAfterEnd = new LinkedHashMap<>();
        List<Bucket> buckets = new ArrayList<>();
        Map<String, Long> counts = new LinkedHashMap<>();
        Expectations expected = null;
        long seed = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = json.readTree(line);
                switch (n.path("type").asText()) {
                    case "run" -> seed = n.path("seed").asLong();
                    case "gap" -> gaps.add(new Gap(text(n, "customer"), text(n, "profile"), text(n, "scorecard_id"),
                            text(n, "template_id"), text(n, "conversation_id"), n.path("process_scorecard").asBoolean(),
                            n.path("submitted").asBoolean(), time(n, "created_at"), time(n, "submitted_at"),
                            n.path("director_score_count").asInt(), text(n, "cause")));
                    case "label" -> {
                        Label label = new Label(text(n, "customer_id"), text(n, "profile_id"),
                                text(n, "conversation_id"), text(n, "agent_user_id"), text(n, "usecase_id"),
                                time(n, "started_at"), time(n, "ended_at"), n.path("assist_shown_count").asInt(),
                                n.path("assist_used_count").asInt(), n.path("agent_assisted").asBoolean(),
                                text(n, "bot_outcome"));
                        labels.add(label);
                        changesAfterEnd.put(label.key(), n.path("changes_after_end").asInt());
                    }
                    case "bucket" -> buckets.add(new Bucket(text(n, "customer"), text(n, "profile"),
                            text(n, "bucket_size"), time(n, "bucket_start"), n.path("submitted_total").asLong(),
                            n.path("submitted_missing").asLong(), n.path("unsubmitted_total").asLong(),
                            n.path("unsubmitted_missing").asLong(), n.path("process_total").asLong(),
                            n.path("process_missing").asLong()));
                    case "summary" -> {
                        for (Iterator<Map.Entry<String, JsonNode>> it = n.path("counts").properties().iterator();
                                it.hasNext();) {
                            Map.Entry<String, JsonNode> e = it.next();
                            counts.put(e.getKey(), e.getValue().asLong());
                        }
                        expected = Expectations.from(n.path("expected"));
                    }
                    default -> throw new IOException(file + ": unknown line type in " + line);
                }
            }
        }
        if (expected == null) {
            throw new IOException(file + " has no summary line: the simulation that wrote it did not complete");
        }
        return new Truth(seed, List.copyOf(gaps), List.copyOf(labels), Map.copyOf(changesAfterEnd), List.copyOf(buckets),
                Map.copyOf(counts),
                expected);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Instant time(JsonNode n, String field) {
        String v = text(n, field);
        return v == null ? null : Instant.parse(v);
    }
}
