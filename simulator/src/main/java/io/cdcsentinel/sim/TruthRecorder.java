package io.cdcsentinel.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Derives the {@link Truth} from each story's final model as it is planned (on the planner thread), and streams
 * it to the truth file when one is wanted. Buckets and the summary are written at the end.
 */
final class TruthRecorder implements AutoCloseable {
    private final ObjectMapper json = new ObjectMapper();
    private final BufferedWriter out;
    private final Map<String, long[]> buckets = new TreeMap<>();
    private long eligible;
    private long eligibleSubmitted;
    private long eligibleProcess;
    private long gaps;
    private long gapsSubmitted;
    private long gapsProcess;
    private long labels;
    private long openConversations;

    TruthRecorder(Path file, WorkloadSpec spec) throws IOException {
        if (file == null) {
            out = null;
            return;
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("type", "run");
        run.put("seed", spec.seed());
        run.put("start", spec.start().toString());
        Map<String, Integer> mix = new LinkedHashMap<>();
        spec.mix().forEach((s, w) -> mix.put(s.cliName(), w));
        run.put("scenarios", mix);
        run.put("count", spec.count());
        run.put("customers", spec.customers());
        run.put("profiles", spec.profiles());
        run.put("rule", "eligible: calibrated_scorecard_id IS NULL AND (scorecard_type IS NULL OR scorecard_type = 0)"
                + " AND deleted_at IS NULL; present: >= 1 historic.scorecard_scores row with its id and the same"
                + " customer_id/profile_id");
        line(run);
    }

    void record(Story story) {
        for (Story.Scorecard s : story.scorecards()) {
            if (!s.eligible()) {
                continue;
            }
            boolean submitted = s.submittedAt != null;
            boolean process = s.isProcess();
            boolean gap = s.openGap();
            eligible++;
            eligibleSubmitted += submitted ? 1 : 0;
            eligibleProcess += process ? 1 : 0;
            if (gap) {
                gaps++;
                gapsSubmitted += submitted ? 1 : 0;
                gapsProcess += process ? 1 : 0;
            }
            bucket(s, "HOUR", s.createdAt.truncatedTo(ChronoUnit.HOURS), submitted, process, gap);
            bucket(s, "DAY", s.createdAt.truncatedTo(ChronoUnit.DAYS), submitted, process, gap);
            if (gap && out != null) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("type", "gap");
                m.put("customer", s.tenant.customer());
                m.put("profile", s.tenant.profile());
                m.put("scorecard_id", s.id);
                m.put("template_id", s.templateId);
                m.put("conversation_id", s.conversationId);
                m.put("process_scorecard", process);
                m.put("submitted", submitted);
                m.put("created_at", s.createdAt.toString());
                m.put("submitted_at", s.submittedAt == null ? null : s.submittedAt.toString());
                m.put("director_score_count", s.criteria.size());
                m.put("cause", s.outcome == null ? null : s.outcome.key());
                line(m);
            }
        }
        for (Story.Conversation c : story.conversations()) {
            if (c.endedAt == null) {
                openConversations++;
                continue;
            }
            labels++;
            if (out != null) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("type", "label");
                m.put("customer_id", c.tenant.customer());
                m.put("profile_id", c.tenant.profile());
                m.put("conversation_id", c.id);
                m.put("agent_user_id", c.agentUserId);
                m.put("usecase_id", c.usecaseId);
                m.put("started_at", c.createdAt.toString());
                m.put("ended_at", c.endedAt.toString());
                m.put("assist_shown_count", c.assistShown);
                m.put("assist_used_count", c.assistUsed);
                m.put("agent_assisted", c.assistUsed > 0);
                m.put("bot_outcome", c.botOutcome());
                m.put("changes_after_end", c.changesAfterEnd);
                line(m);
            }
        }
    }

    Truth.Expectations expectations() {
        return new Truth.Expectations(eligible, eligibleSubmitted, eligibleProcess, gaps, gapsSubmitted,
                gaps - gapsSubmitted, gapsProcess, labels, openConversations);
    }

    /** Writes the buckets and the summary line: the file is complete. */
    void complete(long stories, Map<Count, Long> counts) {
        if (out == null) {
            return;
        }
        buckets.forEach((key, v) -> {
            String[] k = key.split("\\|", -1);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", "bucket");
            m.put("customer", k[0]);
            m.put("profile", k[1]);
            m.put("bucket_size", k[2]);
            m.put("bucket_start", Instant.ofEpochSecond(Long.parseLong(k[3])).toString());
            m.put("submitted_total", v[0]);
            m.put("submitted_missing", v[1]);
            m.put("unsubmitted_total", v[2]);
            m.put("unsubmitted_missing", v[3]);
            m.put("process_total", v[4]);
            m.put("process_missing", v[5]);
            line(m);
        });
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "summary");
        m.put("complete", true);
        m.put("stories", stories);
        Map<String, Long> c = new LinkedHashMap<>();
        counts.forEach((k, v) -> c.put(k.key(), v));
        m.put("counts", c);
        m.put("expected", expectations().toMap());
        line(m);
    }

    private void bucket(Story.Scorecard s, String size, Instant start, boolean submitted, boolean process, boolean gap) {
        String key = s.tenant.customer() + "|" + s.tenant.profile() + "|" + size + "|"
                + String.format("%012d", start.getEpochSecond());
        long[] v = buckets.computeIfAbsent(key, k -> new long[6]);
        v[submitted ? 0 : 2]++;
        if (gap) {
            v[submitted ? 1 : 3]++;
        }
        if (process) {
            v[4]++;
            if (gap) {
                v[5]++;
            }
        }
    }

    private void line(Map<String, Object> m) {
        if (out == null) {
            return;
        }
        try {
            out.write(json.writeValueAsString(m));
            out.newLine();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        if (out != null) {
            out.close();
        }
    }
}
