package io.cdcsentinel.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcsentinel.cdc.ChatEventRow;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The story model applies domain.md's rules exactly: it is what the truth file is made of. */
class StoryModelTest {
    private static final Instant T0 = Instant.parse("2025-01-21T02:00:00Z");

    private static Story story() {
        WorkloadSpec spec = WorkloadSpec.builder().build();
        return new Story(0, Scenario.STEADY, new Tenant("customer-01", "profile-1"), T0, Workload.random(1, 0, 0), spec,
                new Catalog(1, 2));
    }

    private static Story.Scorecard scorecard(Story story, Integer type, String calibratedFrom, String conversation) {
        return story.createScorecard(T0, "template-1", conversation, T0, type, calibratedFrom,
                Count.SCORECARDS_CONVERSATION);
    }

    @Test
    void shouldCountNullAndZeroTypesAsEligibleAndAppealsAndOtherTypesNot() {
        Story story = story();
        assertThat(scorecard(story, null, null, "c").eligible()).isTrue();
        assertThat(scorecard(story, 0, null, "c").eligible()).isTrue();
        for (int type = 1; type <= 5; type++) {
            assertThat(scorecard(story, type, null, "c").eligible()).as("type %d", type).isFalse();
        }
    }

    @Test
    void shouldNeverCountCalibrationCopiesOrDeletedScorecards() {
        Story story = story();
        assertThat(scorecard(story, null, "original", "c").eligible()).isFalse();
        Story.Scorecard soft = scorecard(story, null, null, "c");
        story.softDelete(soft, T0.plusSeconds(1));
        assertThat(soft.eligible()).isFalse();
        Story.Scorecard hard = scorecard(story, null, null, "c");
        story.hardDelete(hard, T0.plusSeconds(1));
        assertThat(hard.eligible()).isFalse();
    }

    @Test
    void shouldTreatNullAndEmptyConversationAsProcessScorecards() {
        Story story = story();
        assertThat(scorecard(story, null, null, null).isProcess()).isTrue();
        assertThat(scorecard(story, null, null, "").isProcess()).isTrue();
        assertThat(scorecard(story, null, null, "conversation").isProcess()).isFalse();
    }

    @Test
    void shouldStayMissingWhenHistoricRowsGoToAnotherProfile() {
        Story story = story();
        Story.Scorecard s = scorecard(story, null, null, "c");
        story.historicUnderProfile(s, "profile-2", T0.plusMillis(100));
        assertThat(s.openGap()).isTrue();
        story.historic(s, T0.plusSeconds(400), Count.HISTORIC_LATE);
        assertThat(s.openGap()).isFalse();
    }

    @Test
    void shouldLetHandoffWinOverBotResolved() {
        Story story = story();
        Story.Conversation c = story.startConversation(T0);
        story.event(c, ChatEventRow.BOT_HANDOFF, T0.plusSeconds(1));
        story.event(c, ChatEventRow.BOT_RESOLVED, T0.plusSeconds(2));
        assertThat(c.botOutcome()).isEqualTo("HANDOFF");
        Story.Conversation resolvedOnly = story.startConversation(T0);
        story.event(resolvedOnly, ChatEventRow.BOT_RESOLVED, T0.plusSeconds(1));
        assertThat(resolvedOnly.botOutcome()).isEqualTo("RESOLVED");
    }

    @Test
    void shouldKeepTheFinalValuesOfAReassignedReopenedConversation() {
        Story story = story();
        Story.Conversation c = story.startConversation(T0);
        story.end(c, T0.plusSeconds(30));
        String before = c.agentUserId;
        story.reassign(c, T0.plusSeconds(3_660));
        story.reopen(c, T0.plusSeconds(3_700));
        assertThat(c.endedAt).isNull();
        story.end(c, T0.plusSeconds(3_800));
        assertThat(c.agentUserId).isNotEqualTo(before);
        assertThat(c.endedAt).isEqualTo(T0.plusSeconds(3_800));
    }

    @Test
    void shouldCountTheLabelChangesAfterTheFirstEndButNotATouch() {
        Story story = story();
        Story.Conversation c = story.startConversation(T0);
        story.event(c, ChatEventRow.ASSIST_SHOWN, T0.plusSeconds(5));
        story.reassign(c, T0.plusSeconds(10));
        story.end(c, T0.plusSeconds(30));
        story.touch(c, T0.plusSeconds(40));
        assertThat(c.changesAfterEnd).isZero();
        story.event(c, ChatEventRow.ASSIST_USED, T0.plusSeconds(50));
        story.reclassify(c, T0.plusSeconds(60));
        story.reopen(c, T0.plusSeconds(70));
        story.end(c, T0.plusSeconds(80));
        assertThat(c.changesAfterEnd).isEqualTo(4);
    }

    @Test
    void shouldRefuseToPlanAConversationChangeBeforeAnEarlierOne() {
        Story story = story();
        Story.Conversation c = story.startConversation(T0);
        story.end(c, T0.plusSeconds(30));
        assertThatThrownBy(() -> story.reassign(c, T0.plusSeconds(10))).isInstanceOf(IllegalStateException.class);
    }
}
