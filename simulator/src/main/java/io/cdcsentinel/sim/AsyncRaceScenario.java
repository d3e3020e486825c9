package io.cdcsentinel.sim;

import java.time.Instant;

/**
 * The fire-and-forget historic write of domain.md section 1. A conversation ends and gets one or two
 * scorecards; each scorecard's historic write then has one fate, drawn with the spec's fractions:
 * <ul>
 *   <li>lost ({@code dropFraction x (1 - raceShare)}): the async write failed (timeout, cancelled context,
 *       DB error) and only a log line knows; the scorecard may still be submitted, which skips the write;</li>
 *   <li>lost to the race ({@code dropFraction x raceShare}): the first submission commits 2-40 ms after the
 *       create, before the async write (which then fails), and submitting deliberately skips it;</li>
 *   <li>late ({@code lateFraction}): the write lands {@code lateDelay} after creation (a retry); half of these
 *       after a racing submission. Present at quiescence, but late enough to open and then resolve a gap
 *       with the default grace period;</li>
 *   <li>under another profile (1%): rows exist with the scorecard id but another tenant, so the scorecard is
 *       still missing ("same customer/profile" in the rule);</li>
 *   <li>on time: the rest.</li>
 * </ul>
 */
final class AsyncRaceScenario implements ScenarioScript {
    static final double WRONG_TENANT = 0.01;

    @Override
    public void write(Story story) {
        Story.Conversation c = SteadyScenario.conversation(story, false);
        WorkloadSpec spec = story.spec();
        int n = 1 + story.rng().nextInt(2);
        for (int i = 0; i < n; i++) {
            Instant created = c.endedAt.plus(story.around(spec.reviewDelay()));
            Story.Scorecard s = story.createScorecard(created, story.catalog().template(story.rng()), c.id, c.createdAt,
                    story.chance(0.7) ? null : 0, null, Count.SCORECARDS_CONVERSATION);
            Instant asyncWrite = created.plus(story.millisBetween(50, 500));
            Instant racingSubmit = created.plus(story.millisBetween(2, 40));
            Instant laterSubmit = asyncWrite.plus(story.around(spec.submitDelay()));
            double u = story.rng().nextDouble();
            double lost = spec.dropFraction() * (1 - spec.raceShare());
            double race = spec.dropFraction();
            double late = race + spec.lateFraction();
            if (u < lost) {
                story.noHistoric(s, Count.HISTORIC_LOST);
                maybeSubmit(story, s, laterSubmit);
            } else if (u < race) {
                story.submit(s, racingSubmit);
                story.noHistoric(s, Count.HISTORIC_RACE_LOST);
            } else if (u < late) {
                Instant write = created.plus(spec.lateDelay());
                if (story.chance(0.5)) {
                    story.submit(s, racingSubmit);
                    story.historic(s, write, Count.HISTORIC_AFTER_SUBMIT);
                } else {
                    story.historic(s, write, Count.HISTORIC_LATE);
                    maybeSubmit(story, s, laterSubmit);
                }
            } else if (u < late + WRONG_TENANT) {
                story.historicUnderProfile(s, story.catalog().otherProfile(story.tenant(), story.rng()), asyncWrite);
                maybeSubmit(story, s, laterSubmit);
            } else {
                story.historic(s, asyncWrite, Count.HISTORIC_ON_TIME);
                maybeSubmit(story, s, laterSubmit);
            }
        }
    }

    private static void maybeSubmit(Story story, Story.Scorecard s, Instant at) {
        if (story.chance(SteadyScenario.SUBMITTED)) {
            story.submit(s, at);
        }
    }
}
