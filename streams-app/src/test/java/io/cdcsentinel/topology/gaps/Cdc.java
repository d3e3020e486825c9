package io.cdcsentinel.topology.gaps;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Debezium envelopes as the PostgreSQL connector writes them with the JSON converter (schemas disabled,
 * {@code provide.transaction.metadata=true}, timestamptz as ISO-8601), built one fact at a time:
 * {@code Cdc.scorecard("sc-1").submittedAt(t).insert(t)}.
 */
final class Cdc {
    static final String CUSTOMER = "acme";
    static final String PROFILE = "support";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong LSN = new AtomicLong(1_000_000);

    private Cdc() {
    }

    /** A change of one row: key bytes and envelope bytes (null for a tombstone). */
    record Change(byte[] key, byte[] value) {
    }

    enum Table {
        SCORECARDS("director", "scorecards"), SCORES("director", "scores"), HISTORIC("historic", "scorecard_scores"),
        CHATS("app", "chats");

        final String schema;
        final String table;

        Table(String schema, String table) {
            this.schema = schema;
            this.table = table;
        }
    }

    static ScorecardBuilder scorecard(String id) {
        return new ScorecardBuilder(id);
    }

    static Change score(String scoreId, String scorecardId, Instant at) {
        return envelope(Table.SCORES, "c", null, scoreRow(scoreId, scorecardId, at), at, false);
    }

    static ObjectNode scoreRow(String scoreId, String scorecardId, Instant createdAt) {
        ObjectNode row = JSON.createObjectNode();
        row.put("customer", CUSTOMER).put("profile", PROFILE).put("resource_id", scoreId).put("scorecard_id", scorecardId)
                .put("criterion_id", "crit-" + scoreId).put("numeric_value", "4.0").put("created_at", createdAt.toString());
        return row;
    }

    /** A delete of director.scores captured with REPLICA IDENTITY FULL: the before image is the whole row. */
    static Change scoreDeleted(String scoreId, String scorecardId, Instant at) {
        return envelope(Table.SCORES, "d", scoreRow(scoreId, scorecardId, at), null, at, false);
    }

    /** An update of director.scores captured with REPLICA IDENTITY DEFAULT: no before image. */
    static Change scoreUpdatedWithoutBefore(String scoreId, String scorecardId, Instant at) {
        return envelope(Table.SCORES, "u", null, scoreRow(scoreId, scorecardId, at), at, false);
    }

    /** A delete of director.scores captured with REPLICA IDENTITY DEFAULT: the before image holds the key only. */
    static Change scoreDeletedKeyOnly(String scoreId, Instant at) {
        ObjectNode before = JSON.createObjectNode();
        before.put("customer", CUSTOMER).put("profile", PROFILE).put("resource_id", scoreId);
        return envelope(Table.SCORES, "d", before, null, at, false);
    }

    static Change historic(String scorecardId, String criterionId, Instant at) {
        return historic(CUSTOMER, PROFILE, scorecardId, criterionId, at, false);
    }

    static Change historic(String customerId, String profileId, String scorecardId, String criterionId, Instant at,
            boolean snapshot) {
        return envelope(Table.HISTORIC, snapshot ? "r" : "c", null, historicRow(customerId, profileId, scorecardId, criterionId, at),
                at, snapshot);
    }

    static Change historicDeleted(String scorecardId, String criterionId, Instant at) {
        return envelope(Table.HISTORIC, "d", historicRow(CUSTOMER, PROFILE, scorecardId, criterionId, at), null, at, false);
    }

    private static ObjectNode historicRow(String customerId, String profileId, String scorecardId, String criterionId, Instant at) {
        ObjectNode row = JSON.createObjectNode();
        row.put("customer_id", customerId).put("profile_id", profileId).put("scorecard_id", scorecardId)
                .put("criterion_id", criterionId).put("score", "4.0").put("scorecard_time", at.toString())
                .put("created_at", at.toString());
        return row;
    }

    static Change chat(String conversationId, Instant createdAt, Instant endedAt, Instant at) {
        ObjectNode row = JSON.createObjectNode();
        row.put("conversation_id", conversationId).put("customer_id", CUSTOMER).put("profile_id", PROFILE)
                .put("agent_user_id", "agent-1").put("usecase_id", "uc-1").put("created_at", createdAt.toString())
                .put("updated_at", at.toString());
        if (endedAt == null) {
            row.putNull("ended_at");
        } else {
            row.put("ended_at", endedAt.toString());
        }
        return envelope(Table.CHATS, "c", null, row, at, false);
    }

    /** The tombstone Debezium writes after every delete. */
    static Change tombstone(String key) {
        return new Change(key.getBytes(StandardCharsets.UTF_8), null);
    }

    static Change raw(String key, String value) {
        return new Change(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    static Change envelope(Table table, String op, ObjectNode before, ObjectNode after, Instant committedAt, boolean snapshot) {
        long lsn = LSN.addAndGet(64);
        ObjectNode source = JSON.createObjectNode();
        source.put("version", "3.6.3.Final").put("connector", "postgresql").put("name", "cdc")
                .put("ts_ms", committedAt.toEpochMilli()).put("snapshot", snapshot ? "true" : "false").put("db", "sentinel")
                .put("schema", table.schema).put("table", table.table).put("txId", lsn / 64).put("lsn", lsn);
        if (!snapshot) {
            source.put("sequence", "[\"" + (lsn - 32) + "\",\"" + lsn + "\"]");
        }
        ObjectNode envelope = JSON.createObjectNode();
        envelope.set("before", before);
        envelope.set("after", after);
        envelope.set("source", source);
        envelope.put("op", op).put("ts_ms", committedAt.toEpochMilli() + 5);
        if (!snapshot) {
            ObjectNode tx = JSON.createObjectNode();
            tx.put("id", (lsn / 64) + ":" + lsn).put("total_order", 1).put("data_collection_order", 1);
            envelope.set("transaction", tx);
        }
        ObjectNode image = after != null ? after : before;
        ObjectNode key = JSON.createObjectNode();
        image.fieldNames().forEachRemaining(f -> {
            if (f.equals("customer") || f.equals("profile") || f.equals("resource_id") || f.endsWith("_id") && !f.equals("template_id")) {
                key.set(f, image.get(f));
            }
        });
        try {
            return new Change(JSON.writeValueAsBytes(key), JSON.writeValueAsBytes(envelope));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A director.scorecards row; defaults: eligible (type NULL), unsubmitted, with a conversation. */
    static final class ScorecardBuilder {
        private final String id;
        private String customer = CUSTOMER;
        private String profile = PROFILE;
        private String templateId = "tpl-1";
        private String conversationId;
        private Integer type;
        private boolean typeSet;
        private String calibratedFrom;
        private Instant createdAt;
        private Instant submittedAt;
        private Instant deletedAt;

        ScorecardBuilder(String id) {
            this.id = id;
            this.conversationId = "conv-" + id;
        }

        ScorecardBuilder tenant(String customer, String profile) {
            this.customer = customer;
            this.profile = profile;
            return this;
        }

        ScorecardBuilder conversation(String conversationId) {
            this.conversationId = conversationId;
            return this;
        }

        /** A process scorecard: manual template, no conversation. */
        ScorecardBuilder process() {
            this.conversationId = null;
            return this;
        }

        ScorecardBuilder type(Integer type) {
            this.type = type;
            this.typeSet = true;
            return this;
        }

        ScorecardBuilder calibrationOf(String original) {
            this.calibratedFrom = original;
            return this;
        }

        ScorecardBuilder createdAt(Instant at) {
            this.createdAt = at;
            return this;
        }

        ScorecardBuilder submittedAt(Instant at) {
            this.submittedAt = at;
            return this;
        }

        ScorecardBuilder softDeletedAt(Instant at) {
            this.deletedAt = at;
            return this;
        }

        String id() {
            return id;
        }

        ObjectNode row(Instant at) {
            ObjectNode row = JSON.createObjectNode();
            Instant created = createdAt != null ? createdAt : at;
            row.put("customer", customer).put("profile", profile).put("resource_id", id).put("template_id", templateId);
            if (conversationId == null) {
                row.putNull("conversation_id");
            } else {
                row.put("conversation_id", conversationId);
            }
            if (typeSet && type != null) {
                row.put("scorecard_type", type);
            } else {
                row.putNull("scorecard_type");
            }
            if (calibratedFrom == null) {
                row.putNull("calibrated_scorecard_id");
            } else {
                row.put("calibrated_scorecard_id", calibratedFrom);
            }
            row.putNull("submission_source");
            row.put("created_at", created.toString()).put("updated_at", at.toString());
            putTime(row, "submitted_at", submittedAt);
            putTime(row, "deleted_at", deletedAt);
            return row;
        }

        private static void putTime(ObjectNode row, String column, Instant value) {
            if (value == null) {
                row.putNull(column);
            } else {
                row.put(column, value.toString());
            }
        }

        Change insert(Instant at) {
            if (createdAt == null) {
                createdAt = at;
            }
            return envelope(Table.SCORECARDS, "c", null, row(at), at, false);
        }

        Change update(Instant at) {
            return envelope(Table.SCORECARDS, "u", null, row(at), at, false);
        }

        Change snapshot(Instant readAt) {
            return envelope(Table.SCORECARDS, "r", null, row(readAt), readAt, true);
        }

        /** A delete with REPLICA IDENTITY FULL (this project's DDL): the before image is the whole row. */
        Change delete(Instant at) {
            return envelope(Table.SCORECARDS, "d", row(at), null, at, false);
        }

        /** A delete with REPLICA IDENTITY DEFAULT: the before image holds the key columns only. */
        Change deleteKeyOnly(Instant at) {
            ObjectNode before = JSON.createObjectNode();
            before.put("customer", customer).put("profile", profile).put("resource_id", id);
            return envelope(Table.SCORECARDS, "d", before, null, at, false);
        }
    }
}
