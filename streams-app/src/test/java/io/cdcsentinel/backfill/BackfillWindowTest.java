package io.cdcsentinel.backfill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcsentinel.config.ConfigException;
import io.cdcsentinel.config.ConfigSource;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BackfillWindowTest {
    private static final Instant FROM = Instant.parse("2026-02-01T00:00:00Z");
    private static final Instant TO = Instant.parse("2026-02-02T00:00:00Z");

    @Test
    void shouldRefuseAWindowWhoseEndIsNotAfterItsStartNamingTheOption() {
        assertThatThrownBy(() -> new BackfillWindow(TO, FROM, List.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--to").hasMessageContaining("after --from");
        assertThatThrownBy(() -> new BackfillWindow(FROM, FROM, List.of())).isInstanceOf(ConfigException.class);
    }

    @Test
    void shouldParseDatesAsMidnightUtcAndInstants() {
        assertThat(BackfillWindow.parseTime("--from", "2026-02-01")).isEqualTo(FROM);
        assertThat(BackfillWindow.parseTime("--to", "2026-02-01T08:30:00Z")).isEqualTo(Instant.parse("2026-02-01T08:30:00Z"));
        assertThatThrownBy(() -> BackfillWindow.parseTime("--from", "yesterday")).hasMessageContaining("--from 'yesterday'");
    }

    @Test
    void shouldNameTheWindowStablyWithTheCustomersInAnyOrder() {
        BackfillWindow all = new BackfillWindow(FROM, TO, List.of());
        assertThat(all.id()).isEqualTo("bf-20260201t0000-20260202t0000");
        BackfillWindow two = new BackfillWindow(FROM, TO, List.of("b", "a"));
        assertThat(two.id()).isEqualTo(new BackfillWindow(FROM, TO, List.of("a", "b")).id()).startsWith(all.id() + "-")
                .isNotEqualTo(new BackfillWindow(FROM, TO, List.of("a")).id());
    }

    @Test
    void shouldContainItsStartButNotItsEnd() {
        BackfillWindow w = new BackfillWindow(FROM, TO, List.of("a"));
        assertThat(w.contains(FROM)).isTrue();
        assertThat(w.contains(TO)).isFalse();
        assertThat(w.contains(null)).isFalse();
        assertThat(w.coversCustomer("a")).isTrue();
        assertThat(w.coversCustomer("b")).isFalse();
    }

    @Test
    void shouldNameEverythingAfterTheWindowAndWidenTheHorizonsToItsAge() {
        ConfigSource base = ConfigSource.of(Map.of("kafka.bootstrap", "localhost:9092", "registry.url", "http://localhost:8080",
                "clickhouse.url", "http://localhost:8123", "postgres.url", "jdbc:postgresql://localhost/db"));
        BackfillWindow w = new BackfillWindow(FROM, TO, List.of());
        BackfillPlan plan = BackfillPlan.of(base, w, Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(plan.applicationId()).endsWith("-" + w.id());
        assertThat(plan.shadowTopics().gaps()).isEqualTo("scorecard-historic-gaps.backfill." + w.id());
        assertThat(plan.shadowTable()).matches("conversation_labels_bf_[0-9a-f]{12}");
        assertThat(plan.workDir()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir"), "cdc-sentinel-state", "backfill",
                plan.applicationId()));
        assertThat(plan.snapshotSlot()).matches("[a-z0-9_]{1,63}");
        // 303 days old: a 7-day settled retention becomes 310 days
        assertThat(plan.horizons().get("gaps.settled.retention")).isEqualTo((310L * 86_400_000) + "ms");
        ConfigSource pipeline = plan.pipelineConfig(true);
        assertThat(pipeline.raw("topic.prefix")).contains(plan.snapshotPrefix());
        assertThat(pipeline.raw("sink.table")).contains(plan.shadowTable());
        assertThat(pipeline.raw("http.port")).contains("off");
    }

    @Test
    void shouldNameTheBackfillsOfTwoDeploymentsApartOnOneStateDirAndOneDatabase() {
        // what a killed BackfillResumeIT found: two application ids, one state dir, and the second run took the first's
        // state file (replay done) and reported on a shadow table it never created
        ConfigSource one = ConfigSource.of(Map.of("kafka.bootstrap", "localhost:9092", "registry.url", "http://localhost:8080",
                "clickhouse.url", "http://localhost:8123", "streams.state.dir", "/var/lib/sentinel"));
        ConfigSource two = one.with(Map.of("streams.application.id", "other-deployment"));
        BackfillWindow w = new BackfillWindow(FROM, TO, List.of());
        Instant now = Instant.parse("2026-12-01T00:00:00Z");
        BackfillPlan a = BackfillPlan.of(one, w, now);
        BackfillPlan b = BackfillPlan.of(two, w, now);
        assertThat(a.workDir()).isNotEqualTo(b.workDir());
        assertThat(a.snapshotSlot()).isNotEqualTo(b.snapshotSlot());
        assertThat(a.shadowTable()).isNotEqualTo(b.shadowTable());
        assertThat(BackfillPlan.of(one, w, now.plusSeconds(3600)).shadowTable()).as("stable across reruns").isEqualTo(a.shadowTable());
    }

    @Test
    void shouldFilterEveryTableOfTheResnapshotByTheWindowAndCustomers() {
        Map<String, String> filters = Resnapshot.filters(new BackfillWindow(FROM, TO, List.of("o'brien")));
        assertThat(filters).containsOnlyKeys("app.chat_events", "app.chats", "historic.scorecard_scores", "director.scores",
                "director.scorecards");
        assertThat(filters.get("director.scorecards")).isEqualTo("(created_at >= '2026-02-01T00:00:00Z'::timestamptz AND created_at"
                + " < '2026-02-02T00:00:00Z'::timestamptz AND customer IN ('o''brien'))");
        assertThat(filters.values()).allSatisfy(f -> assertThat(f).startsWith("(").endsWith(")").contains("'o''brien'"));
        assertThat(Resnapshot.signalData(new BackfillWindow(FROM, TO, List.of()))).startsWith(
                "{\"data-collections\":[\"app.chat_events\",\"app.chats\",\"historic.scorecard_scores\",\"director.scores\","
                        + "\"director.scorecards\"],\"type\":\"incremental\",\"additional-conditions\":[");
    }
}
