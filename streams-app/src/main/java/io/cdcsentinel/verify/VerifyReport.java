package io.cdcsentinel.verify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What a verify run found: counts per check, customer and day, the first {@code limit} differing rows, and the
 * position the comparison was pinned to. Counts are complete whatever the limit; only the listed rows are capped, so
 * a run over a broken million-row window stays small.
 */
public final class VerifyReport {
    /** Exit code when nothing differs (in-flight items do not count). */
    public static final int EXIT_OK = 0;
    /** Exit code when something differs. */
    public static final int EXIT_DIFFERENCES = 1;

    /** A customer's day. */
    public record Day(String customer, LocalDate day) implements Comparable<Day> {
        @Override
        public int compareTo(Day o) {
            int c = KeyOrder.compare(customer, o.customer);
            return c != 0 ? c : day.compareTo(o.day);
        }
    }

    /** Label counts of one customer's day. */
    public static final class LabelCounts {
        long expected;
        long found;
        long missing;
        long extra;
        long stale;
        long inFlight;

        public long expected() {
            return expected;
        }

        public long found() {
            return found;
        }

        public long missing() {
            return missing;
        }

        public long extra() {
            return extra;
        }

        public long stale() {
            return stale;
        }

        public long inFlight() {
            return inFlight;
        }

        void add(LabelCounts o) {
            expected += o.expected;
            found += o.found;
            missing += o.missing;
            extra += o.extra;
            stale += o.stale;
            inFlight += o.inFlight;
        }
    }

    /** Gap counts of one customer's day. */
    public static final class GapCounts {
        long expectedOpen;
        long open;
        long missingAlert;
        long extraAlert;
        long inFlight;

        public long expectedOpen() {
            return expectedOpen;
        }

        public long open() {
            return open;
        }

        public long missingAlert() {
            return missingAlert;
        }

        public long extraAlert() {
            return extraAlert;
        }

        public long inFlight() {
            return inFlight;
        }

        void add(GapCounts o) {
            expectedOpen += o.expectedOpen;
            open += o.open;
            missingAlert += o.missingAlert;
            extraAlert += o.extraAlert;
            inFlight += o.inFlight;
        }
    }

    private final VerifyWindow window;
    private final int limit;
    private final Map<Day, LabelCounts> labels = new TreeMap<>();
    private final Map<Day, GapCounts> gaps = new TreeMap<>();
    private final List<Difference> listed = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private PipelinePosition position;
    private Duration elapsed = Duration.ZERO;

    public VerifyReport(VerifyWindow window, int limit) {
        this.window = window;
        this.limit = limit;
    }

    static LocalDate day(long epochSeconds) {
        return LocalDate.ofInstant(Instant.ofEpochSecond(epochSeconds), ZoneOffset.UTC);
    }

    LabelCounts labels(String customer, long createdAt) {
        return labels.computeIfAbsent(new Day(customer, day(createdAt)), d -> new LabelCounts());
    }

    GapCounts gaps(String customer, long createdAt) {
        return gaps.computeIfAbsent(new Day(customer, day(createdAt)), d -> new GapCounts());
    }

    void difference(Difference difference) {
        if (listed.size() < limit) {
            listed.add(difference);
        }
    }

    public void note(String note) {
        notes.add(note);
    }

    public void position(PipelinePosition position) {
        this.position = position;
    }

    public void elapsed(Duration elapsed) {
        this.elapsed = elapsed;
    }

    public Map<Day, LabelCounts> labelDays() {
        return labels;
    }

    public Map<Day, GapCounts> gapDays() {
        return gaps;
    }

    public List<Difference> listed() {
        return List.copyOf(listed);
    }

    public LabelCounts labelTotals() {
        LabelCounts total = new LabelCounts();
        labels.values().forEach(total::add);
        return total;
    }

    public GapCounts gapTotals() {
        GapCounts total = new GapCounts();
        gaps.values().forEach(total::add);
        return total;
    }

    /** Differences of both checks; in-flight items are not differences. */
    public long differences() {
        LabelCounts l = labelTotals();
        GapCounts g = gapTotals();
        return l.missing + l.extra + l.stale + g.missingAlert + g.extraAlert;
    }

    public long inFlight() {
        return labelTotals().inFlight + gapTotals().inFlight;
    }

    public int exitCode() {
        return differences() == 0 ? EXIT_OK : EXIT_DIFFERENCES;
    }

    /** The readable report: the two tables, the first differences, one summary line. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append("verify: window [").append(window.from()).append(", ").append(window.to()).append(") by created_at, customers: ")
                .append(window.customers().isEmpty() ? "all" : String.join(", ", window.customers())).append('\n');
        if (position != null) {
            sb.append("position: ").append(position.describe()).append('\n');
        }
        notes.forEach(n -> sb.append("note: ").append(n).append('\n'));
        sb.append('\n').append("labels: ClickHouse conversation_labels FINAL (is_deleted = 0) vs app.chats + app.chat_events\n");
        table(sb, labels, List.of("expected", "found", "missing", "extra", "stale", "in flight"),
                c -> new long[] {c.expected, c.found, c.missing, c.extra, c.stale, c.inFlight}, labelTotals());
        sb.append('\n').append("gaps: open alerts of the gap topic vs the eligibility rule on director.scorecards + historic.scorecard_scores\n");
        table(sb, gaps, List.of("expected open", "open", "missing alert", "extra alert", "in flight"),
                c -> new long[] {c.expectedOpen, c.open, c.missingAlert, c.extraAlert, c.inFlight}, gapTotals());
        long differences = differences();
        if (!listed.isEmpty()) {
            sb.append('\n').append(listed.size() < differences ? "first " + listed.size() + " of " + differences
                    + " differences:" : "differences:").append('\n');
            for (Difference d : listed) {
                sb.append("  ").append(d.check()).append(' ').append(d.kind()).append(' ').append(d.customer()).append('/')
                        .append(d.profile()).append('/').append(d.id()).append(" (day ").append(d.day()).append("): ")
                        .append(d.detail());
                for (LabelRow.FieldDiff f : d.fields()) {
                    sb.append("; ").append(f.field()).append(" postgres=").append(f.postgres()).append(" clickhouse=")
                            .append(f.clickhouse());
                }
                sb.append('\n');
            }
        }
        LabelCounts l = labelTotals();
        GapCounts g = gapTotals();
        sb.append('\n').append(String.format(Locale.ROOT,
                "verify: %d difference(s) (labels: %d missing, %d extra, %d stale; gaps: %d missing alert, %d extra alert),"
                        + " %d in flight, %.1f s -> exit %d",
                differences, l.missing, l.extra, l.stale, g.missingAlert, g.extraAlert, inFlight(),
                elapsed.toMillis() / 1000.0, exitCode()));
        return sb.toString();
    }

    private static <C> void table(StringBuilder sb, Map<Day, C> rows, List<String> headers, Function<C, long[]> values, C total) {
        if (rows.isEmpty()) {
            sb.append("  (nothing in the window)\n");
            return;
        }
        int customerWidth = Math.max("customer".length(), rows.keySet().stream().mapToInt(d -> d.customer().length()).max().orElse(0));
        customerWidth = Math.max(customerWidth, "total".length());
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "  %-" + customerWidth + "s  %-10s", "customer", "day"));
        headers.forEach(h -> header.append(String.format(Locale.ROOT, "  %" + Math.max(h.length(), 9) + "s", h)));
        sb.append(header).append('\n');
        List<Map.Entry<Day, C>> entries = new ArrayList<>(rows.entrySet());
        entries.sort(Map.Entry.comparingByKey(Comparator.naturalOrder()));
        for (Map.Entry<Day, C> e : entries) {
            row(sb, customerWidth, e.getKey().customer(), e.getKey().day().toString(), headers, values.apply(e.getValue()));
        }
        row(sb, customerWidth, "total", "", headers, values.apply(total));
    }

    private static void row(StringBuilder sb, int customerWidth, String customer, String day, List<String> headers, long[] values) {
        sb.append(String.format(Locale.ROOT, "  %-" + customerWidth + "s  %-10s", customer, day));
        for (int i = 0; i < values.length; i++) {
            sb.append(String.format(Locale.ROOT, "  %" + Math.max(headers.get(i).length(), 9) + "s", String.format(Locale.ROOT, "%,d", values[i])));
        }
        sb.append('\n');
    }

    /** One JSON document with the same content, for machines. */
    public String json() {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        ObjectNode w = root.putObject("window");
        w.put("from", window.from().toString());
        w.put("to", window.to().toString());
        ArrayNode customers = w.putArray("customers");
        window.customers().forEach(customers::add);
        if (position != null) {
            root.set("position", position.json(mapper));
        }
        ArrayNode n = root.putArray("notes");
        notes.forEach(n::add);
        ObjectNode l = root.putObject("labels");
        labelJson(l.putObject("total"), labelTotals());
        ArrayNode ld = l.putArray("days");
        labels.forEach((day, c) -> labelJson(dayJson(ld.addObject(), day), c));
        ObjectNode g = root.putObject("gaps");
        gapJson(g.putObject("total"), gapTotals());
        ArrayNode gd = g.putArray("days");
        gaps.forEach((day, c) -> gapJson(dayJson(gd.addObject(), day), c));
        ArrayNode diffs = root.putArray("differences");
        for (Difference d : listed) {
            ObjectNode o = diffs.addObject();
            o.put("check", d.check());
            o.put("kind", d.kind());
            o.put("customer", d.customer());
            o.put("profile", d.profile());
            o.put("id", d.id());
            o.put("day", d.day().toString());
            o.put("detail", d.detail());
            ArrayNode fields = o.putArray("fields");
            for (LabelRow.FieldDiff f : d.fields()) {
                fields.addObject().put("field", f.field()).put("postgres", f.postgres()).put("clickhouse", f.clickhouse());
            }
        }
        root.put("difference_count", differences());
        root.put("in_flight", inFlight());
        root.put("elapsed_ms", elapsed.toMillis());
        root.put("exit_code", exitCode());
        try {
            return mapper.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode dayJson(ObjectNode o, Day day) {
        return o.put("customer", day.customer()).put("day", day.day().toString());
    }

    private static void labelJson(ObjectNode o, LabelCounts c) {
        o.put("expected", c.expected).put("found", c.found).put("missing", c.missing).put("extra", c.extra)
                .put("stale", c.stale).put("in_flight", c.inFlight);
    }

    private static void gapJson(ObjectNode o, GapCounts c) {
        o.put("expected_open", c.expectedOpen).put("open", c.open).put("missing_alert", c.missingAlert)
                .put("extra_alert", c.extraAlert).put("in_flight", c.inFlight);
    }
}
