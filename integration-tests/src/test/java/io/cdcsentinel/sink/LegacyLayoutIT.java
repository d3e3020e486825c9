package io.cdcsentinel.sink;

import static io.cdcsentinel.sink.SinkTestKit.label;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.avro.LabelKind;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The old reporting layout, whose sorting key holds the agent and the hour the conversation ended:
 * re-assigned and re-ended conversations get a new sorting key, and without a delete the old row would
 * stay visible next to the new one (domain.md, section 2). With {@code sink.layout=legacy} the sink deletes
 * the old row first, so {@code FINAL} shows one row per conversation and agent leaderboards count the final
 * agent.
 */
@ExtendWith(StackExtension.class)
class LegacyLayoutIT {
    private static final int CONVERSATIONS = 120;

    @Test
    void shouldKeepOneVisibleRowPerConversationWhenCorrectionsChangeTheSortingKey(StackFixture stack) throws Exception {
        // Small batches: some corrections share a batch with their FINAL, most come batches later.
        try (SinkTestKit kit = SinkTestKit.create(stack, Map.of(
                "sink.layout", "legacy", "sink.batch.size", "25", "sink.batch.linger", "200ms"))) {
            kit.createTopics(2);
            List<ConversationLabel> labels = new ArrayList<>();
            Instant day1 = Instant.parse("2024-06-03T02:00:00Z");
            for (int i = 0; i < CONVERSATIONS; i++) {
                labels.add(label("conv-" + i, LabelKind.FINAL, 1_000 + i).setAgentUserId("agent-a")
                        .setEndedAt(day1.plusSeconds(i)).build());
            }
            for (int i = 0; i < CONVERSATIONS; i += 3) { // re-assigned after the label was written (the 03:01 story)
                labels.add(label("conv-" + i, LabelKind.CORRECTION, 2_000 + i).setAgentUserId("agent-b")
                        .setEndedAt(day1.plusSeconds(i)).build());
            }
            for (int i = 0; i < CONVERSATIONS; i += 4) { // re-opened, ended again the next day
                labels.add(label("conv-" + i, LabelKind.CORRECTION, 3_000 + i).setAgentUserId(i % 3 == 0 ? "agent-b" : "agent-a")
                        .setEndedAt(day1.plus(Duration.ofDays(1)).plusSeconds(i)).build());
            }
            for (int i = 5; i < CONVERSATIONS; i += 10) {
                labels.add(label("conv-" + i, LabelKind.DELETE, 4_000 + i).setAgentUserId("agent-a")
                        .setEndedAt(day1.plusSeconds(i)).build());
            }
            kit.produce(labels.subList(0, labels.size() / 2));

            try (ClickHouseSink sink = kit.newSink()) {
                sink.start();
                LabelTable table = sink.table();
                kit.produce(labels.subList(labels.size() / 2, labels.size()));
                await().atMost(Duration.ofSeconds(90)).until(() -> sink.progress().lastWrittenOffsets().values().stream()
                        .mapToLong(Long::longValue).sum() + 2 == labels.size());

                assertThat(kit.rows("SELECT sorting_key FROM system.tables WHERE database = '" + table.database()
                        + "' AND name = '" + table.table() + "'").get(0)[0]).isEqualTo(LabelTable.LEGACY_SORTING_KEY);
                assertThat(sink.progress().mutations()).isPositive();

                Map<String, ConversationLabel> latest = new TreeMap<>();
                labels.forEach(l -> latest.merge(l.getConversationId(), l, (a, b) -> b.getVersion() > a.getVersion() ? b : a));

                // one physical row per conversation: every superseded row was deleted, none left with an old key
                assertThat(kit.count("SELECT count() FROM " + table.qualifiedName())).isEqualTo(CONVERSATIONS);
                Map<String, String> visible = new TreeMap<>();
                for (String[] r : kit.rows("SELECT conversation_id, version, agent_user_id, toString(conversation_end_time),"
                        + " is_deleted FROM " + table.qualifiedName() + " FINAL")) {
                    visible.put(r[0], r[1] + "|" + r[2] + "|" + r[3] + "|" + r[4]);
                }
                Map<String, String> expected = new TreeMap<>();
                latest.forEach((id, l) -> expected.put(id, l.getVersion() + "|" + l.getAgentUserId() + "|"
                        + l.getEndedAt().toString().replace('T', ' ').replace("Z", "") + "|" + (l.getKind() == LabelKind.DELETE ? 1 : 0)));
                assertThat(visible).isEqualTo(expected);

                // the leaderboard query of domain.md: active days per agent, on the final agent only
                Map<String, String> activeDays = new TreeMap<>();
                for (String[] r : kit.rows("SELECT agent_user_id, uniqExact(toDate(conversation_end_time)) FROM "
                        + table.qualifiedName() + " FINAL WHERE is_deleted = 0 GROUP BY agent_user_id")) {
                    activeDays.put(r[0], r[1]);
                }
                Map<String, Set<LocalDate>> days = new TreeMap<>();
                latest.values().stream().filter(l -> l.getKind() != LabelKind.DELETE).forEach(l -> days
                        .computeIfAbsent(l.getAgentUserId(), a -> new HashSet<>()).add(LocalDate.ofInstant(l.getEndedAt(), ZoneOffset.UTC)));
                Map<String, String> expectedDays = new TreeMap<>();
                days.forEach((agent, d) -> expectedDays.put(agent, Integer.toString(d.size())));
                assertThat(activeDays).isEqualTo(expectedDays).containsEntry("agent-b", "2");
            }
        }
    }
}
