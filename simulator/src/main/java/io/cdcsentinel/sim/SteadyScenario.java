package io.cdcsentinel.sim;

import io.cdcsentinel.cdc.ChatEventRow;
import java.time.Duration;
import java.time.Instant;

/**
 * Healthy traffic. A conversation starts, may be shown and use AI assistance, may be a bot conversation that
 * ends in a handoff or a bot resolution, and ends (5% stay open: no label yet). Ended conversations get one to
 * three QA scorecards a review delay later; each gets its historic rows from the async write 20-500 ms after
 * creation, before any submission; 60% are submitted. Nothing here may ever raise a gap alert.
 */
final class SteadyScenario implements ScenarioScript {
    static final double STAYS_OPEN = 0.05;
    static final double SUBMITTED = 0.6;

    @Override
    public void write(Story story) {
        Story.Conversation c = conversation(story, true);
        if (c.endedAt == null) {
            return;
        }
        int n = 1 + story.rng().nextInt(3);
        for (int i = 0; i < n; i++) {
            Instant created = c.endedAt.plus(story.around(story.spec().reviewDelay()));
            Story.Scorecard s = story.createScorecard(created, story.catalog().template(story.rng()), c.id, c.createdAt,
                    story.chance(0.7) ? null : 0, null, Count.SCORECARDS_CONVERSATION);
            story.historic(s, created.plus(story.millisBetween(20, 500)), Count.HISTORIC_ON_TIME);
            if (story.chance(SUBMITTED)) {
                story.submit(s, created.plus(Duration.ofMillis(600)).plus(story.around(story.spec().submitDelay())));
            }
        }
    }

    /**
     * A conversation with its assist and bot events, ended at {@code start + length} unless it is one of the
     * few that stay open (only when {@code mayStayOpen}).
     */
    static Story.Conversation conversation(Story story, boolean mayStayOpen) {
        Instant t0 = story.start();
        Duration length = story.around(story.spec().conversationLength());
        Story.Conversation c = story.startConversation(t0);
        if (story.chance(0.6)) {
            story.event(c, ChatEventRow.ASSIST_SHOWN, t0.plus(Story.part(length, 0.2)));
            if (story.chance(0.6)) {
                story.event(c, ChatEventRow.ASSIST_USED, t0.plus(Story.part(length, 0.4)));
            }
        }
        if (story.chance(0.2)) {
            String outcome = story.chance(0.5) ? ChatEventRow.BOT_HANDOFF : ChatEventRow.BOT_RESOLVED;
            story.event(c, outcome, t0.plus(Story.part(length, 0.6)));
        }
        if (!mayStayOpen || !story.chance(STAYS_OPEN)) {
            story.end(c, t0.plus(length));
        }
        return c;
    }
}
