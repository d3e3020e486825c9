package io.cdcsentinel.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKind;
import io.cdcsentinel.avro.ScorecardGapEvent;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * What {@code bin/sentinel alerts} prints, pure. Tables are for people (times in UTC to the second, one column per
 * eligibility input so a reader can apply reporting's filters by eye); JSON Lines are for machines: one object per
 * record with every field of the Avro value under its Avro name (times as ISO-8601 UTC, enums as their symbol) and
 * {@code "record": "gap"} or {@code "rate"}, so a follower's output can be split with {@code jq} without guessing.
 */
public final class AlertFormat {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final List<Column<ScorecardGapEvent>> GAP_COLUMNS = List.of(
            new Column<>("customer", ScorecardGapEvent::getCustomer),
            new Column<>("profile", ScorecardGapEvent::getProfile),
            new Column<>("scorecard", ScorecardGapEvent::getScorecardId),
            new Column<>("template", g -> orDash(g.getTemplateId())),
            new Column<>("conversation", g -> orDash(g.getConversationId())),
            new Column<>("conv", AlertFormat::conversationState),
            new Column<>("created", g -> time(g.getCreatedAt())),
            new Column<>("submitted", g -> time(g.getSubmittedAt())),
            new Column<>("scores", g -> Integer.toString(g.getDirectorScoreCount())),
            new Column<>("stage", g -> g.getStage().name()),
            new Column<>("detected", g -> time(g.getDetectedAt())),
            new Column<>("process", g -> yesNo(g.getProcessScorecard())),
            new Column<>("type", g -> g.getScorecardType() == null ? "-" : g.getScorecardType().toString()),
            new Column<>("calibrated", g -> orDash(g.getCalibratedScorecardId())),
            new Column<>("deleted", g -> yesNo(g.getDeleted())));

    private static final List<Column<GapRate>> RATE_COLUMNS = List.of(
            new Column<>("customer", GapRate::getCustomer),
            new Column<>("profile", GapRate::getProfile),
            new Column<>("bucket", r -> time(r.getBucketStart())),
            new Column<>("size", r -> r.getBucketSize().name()),
            new Column<>("kind", r -> r.getKind().name()),
            new Column<>("alerting", r -> yesNo(r.getAlerting())),
            new Column<>("submitted", r -> r.getSubmittedMissing() + "/" + r.getSubmittedTotal()),
            new Column<>("sub %", r -> pct(r.getSubmittedMissingPct())),
            new Column<>("unsubmitted", r -> r.getUnsubmittedMissing() + "/" + r.getUnsubmittedTotal()),
            new Column<>("unsub %", r -> pct(r.getUnsubmittedMissingPct())),
            new Column<>("process", r -> r.getProcessMissing() + "/" + r.getProcessTotal()),
            new Column<>("threshold", r -> pct(r.getThresholdPct()) + " of >= " + r.getMinVolume()),
            new Column<>("updated", r -> time(r.getUpdatedAt())));

    private AlertFormat() {
    }

    /** The open gaps as a table, then the count per customer/profile and the total. */
    public static List<String> gapTable(List<ScorecardGapEvent> gaps) {
        if (gaps.isEmpty()) {
            return List.of("no open gaps");
        }
        List<String> lines = new ArrayList<>(table(GAP_COLUMNS, gaps));
        lines.add("");
        Map<List<String>, Long> counts = new TreeMap<>((a, b) -> a.get(0).equals(b.get(0)) ? a.get(1).compareTo(b.get(1))
                : a.get(0).compareTo(b.get(0)));
        gaps.forEach(g -> counts.merge(List.of(g.getCustomer(), g.getProfile()), 1L, Long::sum));
        List<List<String>> rows = new ArrayList<>();
        counts.forEach((tenant, n) -> rows.add(List.of(tenant.get(0), tenant.get(1), Long.toString(n))));
        List<Column<List<String>>> countColumns = List.of(new Column<>("customer", r -> r.get(0)),
                new Column<>("profile", r -> r.get(1)), new Column<>("open", r -> r.get(2)));
        lines.addAll(table(countColumns, rows));
        lines.add(gaps.size() + " open gap" + (gaps.size() == 1 ? "" : "s") + " in " + counts.size() + " customer/profile"
                + (counts.size() == 1 ? "" : "s"));
        return lines;
    }

    /** Roll-up buckets as a table; {@code what} says which ones ("alerting buckets", "buckets"). */
    public static List<String> rateTable(List<GapRate> rates, String what) {
        if (rates.isEmpty()) {
            return List.of("no " + what);
        }
        List<String> lines = new ArrayList<>(table(RATE_COLUMNS, rates));
        lines.add(rates.size() + " " + (rates.size() == 1 ? what.replaceFirst("s$", "") : what));
        return lines;
    }

    /** One line for the follower: a gap event, any type. */
    public static String gapLine(ScorecardGapEvent g) {
        String line = String.format(Locale.ROOT, "%s %-9s %s/%s scorecard %s template %s conversation %s (%s) created %s"
                        + " submitted %s scores %d stage %s detected %s", time(g.getDecidedAt()), g.getEventType(),
                g.getCustomer(), g.getProfile(), g.getScorecardId(), orDash(g.getTemplateId()), orDash(g.getConversationId()),
                conversationState(g), time(g.getCreatedAt()), time(g.getSubmittedAt()), g.getDirectorScoreCount(),
                g.getStage(), time(g.getDetectedAt()));
        if (g.getWithdrawReason() != null) {
            line += " reason " + g.getWithdrawReason();
        }
        if (g.getOpenMillis() != null) {
            line += " open " + g.getOpenMillis() / 1000 + " s";
        }
        return line;
    }

    /** One line for the follower: a roll-up where a bucket starts or stops alerting. */
    public static String rateLine(GapRate r) {
        return String.format(Locale.ROOT, "%s %-9s %s/%s %s bucket %s: submitted %d/%d missing (%s), unsubmitted %d/%d"
                        + " (%s), process %d/%d, threshold %s of >= %d", time(r.getUpdatedAt()),
                r.getKind() == GapRateKind.ALERT_RAISED ? "RAISED" : r.getKind() == GapRateKind.ALERT_RESOLVED ? "RESOLVED"
                        : r.getKind().name(), r.getCustomer(), r.getProfile(), r.getBucketSize(), time(r.getBucketStart()),
                r.getSubmittedMissing(), r.getSubmittedTotal(), pct(r.getSubmittedMissingPct()), r.getUnsubmittedMissing(),
                r.getUnsubmittedTotal(), pct(r.getUnsubmittedMissingPct()), r.getProcessMissing(), r.getProcessTotal(),
                pct(r.getThresholdPct()), r.getMinVolume());
    }

    public static String json(ScorecardGapEvent gap) {
        return json("gap", gap);
    }

    public static String json(GapRate rate) {
        return json("rate", rate);
    }

    private static String json(String kind, SpecificRecord record) {
        ObjectNode node = JSON.createObjectNode();
        node.put("record", kind);
        for (Schema.Field field : record.getSchema().getFields()) {
            Object value = record.get(field.pos());
            if (value == null) {
                node.putNull(field.name());
            } else if (value instanceof Instant instant) {
                node.put(field.name(), instant.toString());
            } else if (value instanceof Boolean b) {
                node.put(field.name(), b);
            } else if (value instanceof Integer i) {
                node.put(field.name(), i);
            } else if (value instanceof Long l) {
                node.put(field.name(), l);
            } else if (value instanceof Double d) {
                node.put(field.name(), d);
            } else {
                node.put(field.name(), value.toString()); // strings and enum symbols
            }
        }
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree of plain values always serializes
        }
    }

    /** exists and ended / exists / missing, or "-" for a process scorecard (it has no conversation). */
    static String conversationState(ScorecardGapEvent g) {
        if (g.getProcessScorecard() && g.getConversationId() == null) {
            return "-";
        }
        if (!g.getConversationExists()) {
            return "missing";
        }
        return g.getConversationEnded() ? "ended" : "exists";
    }

    static String time(Instant instant) {
        return instant == null ? "-" : instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String pct(double value) {
        return String.format(Locale.ROOT, "%.1f%%", value);
    }

    private static String orDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }

    private static String yesNo(boolean b) {
        return b ? "yes" : "no";
    }

    private static <T> List<String> table(List<Column<T>> columns, List<T> rows) {
        int[] widths = new int[columns.size()];
        List<List<String>> cells = new ArrayList<>();
        for (int c = 0; c < columns.size(); c++) {
            widths[c] = columns.get(c).header().length();
        }
        for (T row : rows) {
            List<String> values = new ArrayList<>();
            for (int c = 0; c < columns.size(); c++) {
                String value = columns.get(c).value().apply(row);
                widths[c] = Math.max(widths[c], value.length());
                values.add(value);
            }
            cells.add(values);
        }
        List<String> lines = new ArrayList<>();
        lines.add(line(columns.stream().map(Column::header).toList(), widths));
        for (List<String> values : cells) {
            lines.add(line(values, widths));
        }
        return lines;
    }

    private static String line(List<String> values, int[] widths) {
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < values.size(); c++) {
            if (c > 0) {
                b.append("  ");
            }
            b.append(values.get(c));
            if (c < values.size() - 1) {
                b.append(" ".repeat(widths[c] - values.get(c).length()));
            }
        }
        return b.toString();
    }

    private record Column<T>(String header, Function<T, String> value) {
    }
}
