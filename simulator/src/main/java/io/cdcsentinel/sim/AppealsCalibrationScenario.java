package io.cdcsentinel.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Every branch of the eligibility rule (domain.md sections 1 and 4). An ended conversation gets an original
 * scorecard (historic on time, submitted), then at least one of these, each with probability 1/2:
 * <ul>
 *   <li>an appeal: type 1 (APPEAL_ORIGINAL_REPLICA) and 2 (APPEAL_REQUEST) after the submission, type 3
 *       (APPEAL_RESOLVE) later; each gets historic rows only half the time: never a gap either way;</li>
 *   <li>a calibration copy ({@code calibrated_scorecard_id} = the original), historic skipped by design;</li>
 *   <li>a process scorecard (manual template, {@code conversation_id} NULL or '' in equal parts), historic lost
 *       with {@code dropFraction}: an eligible gap of its own class;</li>
 *   <li>a soft delete: an eligible scorecard whose historic write is lost (70%), soft-deleted either soon or
 *       after {@code lateDelay} (so a pipeline has opened its gap first and must withdraw it);</li>
 *   <li>a hard delete of such a scorecard (scores and row, after {@code lateDelay});</li>
 *   <li>another non-original type (4 to 6), historic skipped.</li>
 * </ul>
 */
final class AppealsCalibrationScenario implements ScenarioScript {
    enum Variant { APPEAL, CALIBRATION, PROCESS, SOFT_DELETE, HARD_DELETE, OTHER_TYPE }

    @Override
    public void write(Story story) {
        WorkloadSpec spec = story.spec();
        Story.Conversation c = SteadyScenario.conversation(story, false);
        Instant created = c.endedAt.plus(story.around(spec.reviewDelay()));
        String template = story.catalog().template(story.rng());
        Story.Scorecard original = story.createScorecard(created, template, c.id, c.createdAt, null, null,
                Count.SCORECARDS_CONVERSATION);
        story.historic(original, created.plus(story.millisBetween(20, 500)), Count.HISTORIC_ON_TIME);
        Instant submitted = created.plus(Duration.ofMillis(600)).plus(story.around(spec.submitDelay()));
        story.submit(original, submitted);

        List<Variant> variants = new ArrayList<>();
        for (Variant v : Variant.values()) {
            if (story.chance(0.5)) {
                variants.add(v);
            }
        }
        if (variants.isEmpty()) {
            variants.add(Variant.values()[story.rng().nextInt(Variant.values().length)]);
        }
        for (Variant v : variants) {
            switch (v) {
                case APPEAL -> {
                    Instant at = submitted.plus(story.around(spec.submitDelay()));
                    derived(story, at, template, c, 1, Count.SCORECARDS_APPEAL_REPLICA);
                    derived(story, at.plus(Duration.ofMillis(1)), template, c, 2, Count.SCORECARDS_APPEAL_REQUEST);
                    derived(story, at.plus(story.around(spec.submitDelay())), template, c, 3,
                            Count.SCORECARDS_APPEAL_RESOLVE);
                }
                case CALIBRATION -> {
                    Instant at = created.plus(story.around(spec.reviewDelay()));
                    Story.Scorecard copy = story.createScorecard(at, template, c.id, c.createdAt,
                            story.chance(0.5) ? null : 0, original.id, Count.SCORECARDS_CALIBRATION);
                    story.noHistoric(copy, Count.HISTORIC_SKIPPED);
                    if (story.chance(0.5)) {
                        story.submit(copy, at.plus(story.around(spec.submitDelay())));
                    }
                }
                case PROCESS -> {
                    Instant at = story.start().plus(story.around(spec.reviewDelay()));
                    String conversationId = story.chance(0.5) ? null : "";
                    Story.Scorecard p = story.createScorecard(at, story.catalog().processTemplate(story.rng()),
                            conversationId, at, story.chance(0.7) ? null : 0, null, Count.SCORECARDS_PROCESS);
                    if (story.chance(spec.dropFraction())) {
                        story.noHistoric(p, Count.HISTORIC_LOST);
                    } else {
                        story.historic(p, at.plus(story.millisBetween(20, 500)), Count.HISTORIC_ON_TIME);
                    }
                    if (story.chance(SteadyScenario.SUBMITTED)) {
                        story.submit(p, at.plus(Duration.ofMillis(600)).plus(story.around(spec.submitDelay())));
                    }
                }
                case SOFT_DELETE -> {
                    Story.Scorecard s = lossy(story, created.plus(story.around(spec.reviewDelay())), template, c);
                    Duration after = story.chance(0.5) ? story.around(spec.submitDelay())
                            : spec.lateDelay().plus(story.around(spec.submitDelay()));
                    story.softDelete(s, s.createdAt.plus(after));
                }
                case HARD_DELETE -> {
                    Story.Scorecard s = lossy(story, created.plus(story.around(spec.reviewDelay())), template, c);
                    story.hardDelete(s, s.createdAt.plus(spec.lateDelay()).plus(story.around(spec.submitDelay())));
                }
                case OTHER_TYPE -> {
                    Story.Scorecard s = story.createScorecard(created.plus(story.around(spec.reviewDelay())), template,
                            c.id, c.createdAt, 4 + story.rng().nextInt(3), null, Count.SCORECARDS_OTHER_TYPE);
                    story.noHistoric(s, Count.HISTORIC_SKIPPED);
                }
                default -> throw new IllegalStateException(v.name());
            }
        }
    }

    /** An appeal scorecard: historic rows half the time (they used to leak into reporting), submitted. */
    private static void derived(Story story, Instant at, String template, Story.Conversation c, int type, Count kind) {
        Story.Scorecard s = story.createScorecard(at, template, c.id, c.createdAt, type, null, kind);
        if (story.chance(0.5)) {
            story.historic(s, at.plus(story.millisBetween(20, 500)), Count.HISTORIC_ON_TIME);
        } else {
            story.noHistoric(s, Count.HISTORIC_SKIPPED);
        }
        story.submit(s, at.plus(Duration.ofMillis(600)));
    }

    /** An eligible scorecard whose historic write is lost 70% of the time. */
    private static Story.Scorecard lossy(Story story, Instant at, String template, Story.Conversation c) {
        Story.Scorecard s = story.createScorecard(at, template, c.id, c.createdAt, null, null,
                Count.SCORECARDS_CONVERSATION);
        if (story.chance(0.7)) {
            story.noHistoric(s, Count.HISTORIC_LOST);
        } else {
            story.historic(s, at.plus(story.millisBetween(20, 500)), Count.HISTORIC_ON_TIME);
        }
        return s;
    }
}
