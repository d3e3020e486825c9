package io.cdcsentinel.sim;

import java.time.Duration;
import java.time.Instant;

/**
 * One scorecard of a batch hour (domain.md section 1: "27,344 of 27,580 scorecards created in a single hour by a
 * batch job"). The workload spreads {@code batchSize} of these evenly over {@code batchWindow} for one tenant;
 * each is created unsubmitted for a conversation of the previous day that is not among the captured
 * {@code app.chats} rows (the batch scores history, so its alerts say the conversation does not exist), and its
 * historic write is lost with probability {@code batchLoss}.
 */
final class BatchHourScenario implements ScenarioScript {

    @Override
    public void write(Story story) {
        Instant created = story.start();
        Instant conversationStart = created.minus(Duration.ofDays(1)).plus(story.millisBetween(0, 3_600_000));
        Story.Scorecard s = story.createScorecard(created, story.catalog().batchTemplate(), story.uuid(),
                conversationStart, null, null, Count.SCORECARDS_BATCH);
        if (story.chance(story.spec().batchLoss())) {
            story.noHistoric(s, Count.HISTORIC_BATCH_LOST);
        } else {
            story.historic(s, created.plus(story.millisBetween(20, 500)), Count.HISTORIC_ON_TIME);
        }
    }
}
