package io.cdcsentinel.backfill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.debezium.pipeline.notification.Notification;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResnapshotTest {

    private static Notification notification(String type, Map<String, String> data) {
        return Notification.Builder.builder().withId("n").withAggregateType(Resnapshot.AGGREGATE).withType(type)
                .withAdditionalData(data).withTimestamp(0L).build();
    }

    private static Notification scanCompleted(String table, String status) {
        return notification("TABLE_SCAN_COMPLETED", Map.of("scanned_collection", table, "total_rows_scanned", "0",
                "status", status));
    }

    @Test
    void shouldEndTheWaitAndFailWhenDebeziumCouldNotReadATable() {
        // Debezium reports a chunk query that failed (here a cursor closed under it) as a completed scan of 0 rows and
        // goes on; the backfill used to replay the rest and report a window with nothing in it
        Notification failed = scanCompleted("historic.scorecard_scores", "SQL_EXCEPTION");

        assertThat(Resnapshot.ends(failed)).isTrue();
        assertThatThrownBy(() -> Resnapshot.checkOutcome(failed, "bf_slot"))
                .isInstanceOf(Resnapshot.Incomplete.class)
                .hasMessageContaining("could not read historic.scorecard_scores")
                .hasMessageContaining("SQL_EXCEPTION")
                .hasMessageContaining("rerun the same command")
                .hasMessageContaining("bf_slot");
    }

    @Test
    void shouldFailForEveryStatusThatLeavesATableUnread() {
        for (String status : new String[] {"NO_PRIMARY_KEY", "UNKNOWN_SCHEMA", "SKIPPED"}) {
            Notification n = scanCompleted("director.scores", status);
            assertThat(Resnapshot.failedScan(n)).isEqualTo(status);
            assertThatThrownBy(() -> Resnapshot.checkOutcome(n, "s")).isInstanceOf(Resnapshot.Incomplete.class)
                    .hasMessageContaining(status);
        }
    }

    @Test
    void shouldGoOnAfterATableThatWasReadOrHadNoRowInTheWindow() {
        assertThat(Resnapshot.ends(scanCompleted("app.chats", "SUCCEEDED"))).isFalse();
        assertThat(Resnapshot.ends(scanCompleted("app.chat_events", "EMPTY"))).isFalse();
        assertThat(Resnapshot.ends(notification("IN_PROGRESS", Map.of("current_collection_in_progress", "app.chats"))))
                .isFalse();
        Notification completed = notification("COMPLETED", Map.of());
        assertThat(Resnapshot.ends(completed)).isTrue();
        assertThatCode(() -> Resnapshot.checkOutcome(completed, "s")).doesNotThrowAnyException();
    }

    @Test
    void shouldFailWhenDebeziumAbortedTheSnapshot() {
        Notification aborted = notification("ABORTED", Map.of());
        assertThat(Resnapshot.ends(aborted)).isTrue();
        assertThatThrownBy(() -> Resnapshot.checkOutcome(aborted, "s")).isInstanceOf(Resnapshot.Incomplete.class)
                .hasMessageContaining("aborted");
    }
}
