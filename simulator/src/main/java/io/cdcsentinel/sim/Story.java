package io.cdcsentinel.sim;

import io.cdcsentinel.cdc.ChatEventRow;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * One story of a scenario (a conversation and its scorecards, or one scorecard of a batch), planned in full
 * before any of it is written: the {@link ScenarioScript} calls the API-like methods below, each of which
 * becomes one transaction at a simulated time, and updates a model of the final state from which the expected
 * truth (open gaps, final labels) is derived. The model is the oracle's twin: it applies domain.md's rule to
 * what the story wrote, and the integration tests check both against PostgreSQL.
 *
 * <p>Per conversation and per scorecard, changes must be planned in chronological order (checked), so the
 * model's final state is the state after the last write. Different entities may interleave freely.
 */
final class Story {
    private final long number;
    private final Scenario scenario;
    private final Tenant tenant;
    private final Instant start;
    private final SplittableRandom rng;
    private final WorkloadSpec spec;
    private final Catalog catalog;
    private final List<PlannedTx> planned = new ArrayList<>();
    private final List<Conversation> conversations = new ArrayList<>();
    private final List<Scorecard> scorecards = new ArrayList<>();

    Story(long number, Scenario scenario, Tenant tenant, Instant start, SplittableRandom rng, WorkloadSpec spec,
            Catalog catalog) {
        this.number = number;
        this.scenario = scenario;
        this.tenant = tenant;
        this.start = start;
        this.rng = rng;
        this.spec = spec;
        this.catalog = catalog;
    }

    long number() {
        return number;
    }

    Scenario scenario() {
        return scenario;
    }

    Tenant tenant() {
        return tenant;
    }

    Instant start() {
        return start;
    }

    SplittableRandom rng() {
        return rng;
    }

    WorkloadSpec spec() {
        return spec;
    }

    Catalog catalog() {
        return catalog;
    }

    List<Conversation> conversations() {
        return conversations;
    }

    List<Scorecard> scorecards() {
        return scorecards;
    }

    // ---- randomness helpers (all from the story's own generator) ----

    boolean chance(double p) {
        return rng.nextDouble() < p;
    }

    /** Uniform in [0.5, 1.5] x {@code base}, at microsecond precision (what timestamptz keeps). */
    Duration around(Duration base) {
        long micros = WorkloadSpec.micros(base);
        return Duration.of(Math.max(1L, micros / 2 + rng.nextLong(micros + 1)), ChronoUnit.MICROS);
    }

    Duration millisBetween(long min, long max) {
        return Duration.of(min * 1000 + rng.nextLong((max - min) * 1000 + 1), ChronoUnit.MICROS);
    }

    /** {@code fraction} of {@code d}, truncated to microseconds. */
    static Duration part(Duration d, double fraction) {
        return Duration.of(Math.max(1L, (long) (WorkloadSpec.micros(d) * fraction)), ChronoUnit.MICROS);
    }

    String uuid() {
        long hi = (rng.nextLong() & ~0xF000L) | 0x4000L;
        long lo = (rng.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(hi, lo).toString();
    }

    // ---- conversations (app.chats, app.chat_events) ----

    Conversation startConversation(Instant at) {
        Conversation c = new Conversation(tenant, uuid(), catalog.agent(tenant, rng), catalog.usecase(rng), at);
        conversations.add(c);
        tx(at, Count.CHATS_CREATED).write(new Write.InsertChat(c.values(at)));
        return c;
    }

    void event(Conversation c, String eventType, Instant at) {
        c.advance(at);
        Count kind = switch (eventType) {
            case ChatEventRow.ASSIST_SHOWN -> { c.assistShown++; yield Count.EVENTS_ASSIST_SHOWN; }
            case ChatEventRow.ASSIST_USED -> { c.assistUsed++; yield Count.EVENTS_ASSIST_USED; }
            case ChatEventRow.BOT_HANDOFF -> { c.handoff = true; yield Count.EVENTS_BOT_HANDOFF; }
            case ChatEventRow.BOT_RESOLVED -> { c.resolved = true; yield Count.EVENTS_BOT_RESOLVED; }
            default -> throw new IllegalArgumentException(eventType);
        };
        c.labelChangeAfterEnd();
        PlannedTx tx = tx(at, kind).write(new Write.InsertChatEvent(tenant, uuid(), c.id, eventType, at));
        if (c.endedAt != null) {
            tx.count(Count.EVENTS_AFTER_END);
        }
    }

    void end(Conversation c, Instant at) {
        c.advance(at);
        c.labelChangeAfterEnd();
        c.endedAt = at;
        c.endedOnce = true;
        tx(at, Count.CHATS_ENDED).write(new Write.UpdateChat(c.values(at)))
                .milestone(new Milestone(Milestone.Kind.CONVERSATION_ENDED, tenant, c.id));
    }

    void reopen(Conversation c, Instant at) {
        c.advance(at);
        c.labelChangeAfterEnd();
        c.endedAt = null;
        tx(at, Count.CHATS_REOPENED).write(new Write.UpdateChat(c.values(at)));
    }

    void reassign(Conversation c, Instant at) {
        c.advance(at);
        c.labelChangeAfterEnd();
        c.agentUserId = catalog.otherAgent(tenant, c.agentUserId, rng);
        tx(at, c.endedAt == null ? Count.CHATS_REASSIGNED_BEFORE_END : Count.CHATS_REASSIGNED_AFTER_END)
                .write(new Write.UpdateChat(c.values(at)));
    }

    void reclassify(Conversation c, Instant at) {
        c.advance(at);
        c.labelChangeAfterEnd();
        c.usecaseId = catalog.otherUsecase(c.usecaseId, rng);
        tx(at, c.endedAt == null ? Count.CHATS_RECLASSIFIED_BEFORE_END : Count.CHATS_RECLASSIFIED_AFTER_END)
                .write(new Write.UpdateChat(c.values(at)));
    }

    /** An update that changes nothing a label is made of ({@code updated_at} only). */
    void touch(Conversation c, Instant at) {
        c.advance(at);
        tx(at, Count.CHATS_TOUCHED).write(new Write.UpdateChat(c.values(at)));
    }

    // ---- scorecards (director.scorecards, director.scores, historic.scorecard_scores) ----

    /**
     * The API's create call: the scorecard and its scores in one transaction. {@code conversationId} may be
     * null or empty (process scorecards); {@code scorecardTime} is what the historic rows are sharded by.
     */
    Scorecard createScorecard(Instant at, String templateId, String conversationId, Instant scorecardTime,
            Integer scorecardType, String calibratedScorecardId, Count kind) {
        List<String> criteria = catalog.criteria(templateId);
        List<String> scoreIds = new ArrayList<>(criteria.size());
        List<String> values = new ArrayList<>(criteria.size());
        String id = uuid();
        for (int i = 0; i < criteria.size(); i++) {
            scoreIds.add(uuid());
            values.add(BigDecimal.valueOf(rng.nextInt(201), 1).multiply(BigDecimal.valueOf(5)).stripTrailingZeros()
                    .toPlainString());
        }
        Scorecard s = new Scorecard(tenant, id, templateId, conversationId, scorecardType, calibratedScorecardId, at,
                scorecardTime, criteria, values, kind);
        scorecards.add(s);
        s.createTx = tx(at, kind)
                .write(new Write.InsertScorecard(tenant, id, templateId, conversationId, scorecardType,
                        calibratedScorecardId, at))
                .write(new Write.InsertScores(tenant, id, scoreIds, criteria, values, at))
                .count(Count.SCORES_INSERTED, criteria.size());
        return s;
    }

    /** The async historic write, as its own transaction (it ran after the API request returned). */
    void historic(Scorecard s, Instant at, Count kind) {
        s.advance(at);
        s.historicPresent = true;
        s.outcome = kind;
        tx(at, kind).write(historicRows(s, tenant.profile(), at)).count(Count.HISTORIC_ROWS, s.criteria.size());
    }

    /** A historic write under another profile of the customer: rows exist, but not for this scorecard's tenant. */
    void historicUnderProfile(Scorecard s, String otherProfile, Instant at) {
        s.advance(at);
        s.outcome = Count.HISTORIC_WRONG_TENANT;
        tx(at, Count.HISTORIC_WRONG_TENANT).write(historicRows(s, otherProfile, at))
                .count(Count.HISTORIC_ROWS, s.criteria.size());
    }

    /** The historic write never happens; counted on the create transaction (it is a fact once that commits). */
    void noHistoric(Scorecard s, Count kind) {
        s.outcome = kind;
        s.createTx.count(kind);
    }

    void submit(Scorecard s, Instant at) {
        s.advance(at);
        s.submittedAt = at;
        s.submitTx = tx(at, Count.SCORECARDS_SUBMITTED)
                .write(new Write.SubmitScorecard(tenant, s.id, at, 1 + rng.nextInt(3)));
    }

    void softDelete(Scorecard s, Instant at) {
        s.advance(at);
        s.deletedAt = at;
        tx(at, Count.SCORECARDS_SOFT_DELETED).write(new Write.SoftDeleteScorecard(tenant, s.id, at));
    }

    /** Hard delete, as a cleanup job would: the scores, then the scorecard, in one transaction. */
    void hardDelete(Scorecard s, Instant at) {
        s.advance(at);
        s.hardDeleted = true;
        tx(at, Count.SCORECARDS_HARD_DELETED).write(new Write.DeleteScores(tenant, s.id, s.criteria.size()))
                .write(new Write.DeleteScorecard(tenant, s.id)).count(Count.SCORES_DELETED, s.criteria.size());
    }

    private Write.InsertHistoric historicRows(Scorecard s, String profileId, Instant at) {
        String conversation = s.isProcess() ? null : s.conversationId;
        return new Write.InsertHistoric(tenant.customer(), profileId, s.id, conversation, s.criteria, s.values,
                s.scorecardTime, at);
    }

    private PlannedTx tx(Instant at, Count kind) {
        PlannedTx tx = new PlannedTx(at, planned.size());
        planned.add(tx);
        return tx.count(kind);
    }

    /**
     * The planned transactions in time order (ties keep planning order), numbered from {@code firstSeq}. Call once,
     * after the script: the gap milestones depend on the scorecards' final state.
     */
    List<Tx> transactions(long firstSeq, int lane) {
        for (Scorecard s : scorecards) {
            if (s.openGap()) {
                s.createTx.milestone(new Milestone(Milestone.Kind.GAP_SCORECARD_CREATED, tenant, s.id));
                if (s.submitTx != null) {
                    s.submitTx.milestone(new Milestone(Milestone.Kind.GAP_SCORECARD_SUBMITTED, tenant, s.id));
                }
            }
        }
        List<PlannedTx> sorted = new ArrayList<>(planned);
        sorted.sort(Comparator.comparing((PlannedTx p) -> p.at).thenComparingInt(p -> p.order));
        List<Tx> txs = new ArrayList<>(sorted.size());
        long seq = firstSeq;
        for (PlannedTx p : sorted) {
            txs.add(new Tx(number, lane, p.at, seq++, List.copyOf(p.writes), Map.copyOf(p.counts),
                    List.copyOf(p.milestones)));
        }
        return txs;
    }

    private static final class PlannedTx {
        final Instant at;
        final int order;
        final List<Write> writes = new ArrayList<>(2);
        final Map<Count, Long> counts = new EnumMap<>(Count.class);
        final List<Milestone> milestones = new ArrayList<>(0);

        PlannedTx(Instant at, int order) {
            this.at = at;
            this.order = order;
        }

        PlannedTx write(Write w) {
            writes.add(w);
            return this;
        }

        PlannedTx count(Count c) {
            return count(c, 1);
        }

        PlannedTx milestone(Milestone m) {
            milestones.add(m);
            return this;
        }

        PlannedTx count(Count c, long n) {
            counts.merge(c, n, Long::sum);
            return this;
        }
    }

    /** The model of one {@code app.chats} row and its events. */
    static final class Conversation {
        final Tenant tenant;
        final String id;
        final Instant createdAt;
        String agentUserId;
        String usecaseId;
        Instant endedAt;
        Instant lastChange;
        int assistShown;
        int assistUsed;
        boolean handoff;
        boolean resolved;
        boolean endedOnce;
        /**
         * Changes to what the label is made of (event, reassignment, reclassification, reopen, new end; not a
         * touch) planned after the conversation first ended: 0 means the first label written after the end is
         * the final one, so a pipeline must never correct it.
         */
        int changesAfterEnd;

        Conversation(Tenant tenant, String id, String agentUserId, String usecaseId, Instant createdAt) {
            this.tenant = tenant;
            this.id = id;
            this.agentUserId = agentUserId;
            this.usecaseId = usecaseId;
            this.createdAt = createdAt;
            this.lastChange = createdAt;
        }

        void advance(Instant at) {
            if (at.isBefore(lastChange)) {
                throw new IllegalStateException("conversation " + id + " changed at " + at + " before " + lastChange);
            }
            lastChange = at;
        }

        void labelChangeAfterEnd() {
            if (endedOnce) {
                changesAfterEnd++;
            }
        }

        Write.ChatRowValues values(Instant updatedAt) {
            return new Write.ChatRowValues(tenant, id, agentUserId, usecaseId, createdAt, endedAt, updatedAt);
        }

        /** Handoff wins (domain.md section 3). */
        String botOutcome() {
            return handoff ? "HANDOFF" : resolved ? "RESOLVED" : "NONE";
        }
    }

    /** The model of one {@code director.scorecards} row and what happened to its historic write. */
    static final class Scorecard {
        final Tenant tenant;
        final String id;
        final String templateId;
        final String conversationId;
        final Integer scorecardType;
        final String calibratedScorecardId;
        final Instant createdAt;
        final Instant scorecardTime;
        final List<String> criteria;
        final List<String> values;
        final Count kind;
        PlannedTx createTx;
        PlannedTx submitTx;
        Instant lastChange;
        Instant submittedAt;
        Instant deletedAt;
        boolean hardDeleted;
        boolean historicPresent;
        Count outcome;

        Scorecard(Tenant tenant, String id, String templateId, String conversationId, Integer scorecardType,
                String calibratedScorecardId, Instant createdAt, Instant scorecardTime, List<String> criteria,
                List<String> values, Count kind) {
            this.tenant = tenant;
            this.id = id;
            this.templateId = templateId;
            this.conversationId = conversationId;
            this.scorecardType = scorecardType;
            this.calibratedScorecardId = calibratedScorecardId;
            this.createdAt = createdAt;
            this.scorecardTime = scorecardTime;
            this.criteria = criteria;
            this.values = values;
            this.kind = kind;
            this.lastChange = createdAt;
        }

        void advance(Instant at) {
            if (hardDeleted) {
                throw new IllegalStateException("scorecard " + id + " changed after its delete");
            }
            if (at.isBefore(createdAt)) {
                throw new IllegalStateException("scorecard " + id + " changed at " + at + " before its creation");
            }
            lastChange = at.isAfter(lastChange) ? at : lastChange;
        }

        boolean isProcess() {
            return conversationId == null || conversationId.isEmpty();
        }

        /**
         * domain.md: {@code calibrated_scorecard_id IS NULL AND (scorecard_type IS NULL OR scorecard_type = 0)
         * AND deleted_at IS NULL} (and the row still exists).
         */
        boolean eligible() {
            return !hardDeleted && deletedAt == null && calibratedScorecardId == null
                    && (scorecardType == null || scorecardType == 0);
        }

        /** Eligible, and no historic row with its id under its own customer/profile: an open gap at quiescence. */
        boolean openGap() {
            return eligible() && !historicPresent;
        }
    }
}
