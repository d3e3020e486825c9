package io.cdcsentinel.sim;

import io.cdcsentinel.cdc.ChatEventRow;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

/**
 * Conversations whose label changes after the fact (domain.md sections 2 and 3). Each story has at least one of
 * these, each with probability 0.3, on one conversation, in this order of time ({@code L} = conversation length,
 * {@code D} = {@code reassignDelay}, after the end {@code E}):
 * <ul>
 *   <li>{@code HANDOFF_AND_RESOLVED} at 0.3 L and 0.6 L, in either order: the label must say HANDOFF;</li>
 *   <li>{@code REASSIGN_BEFORE_END} (0.4 L), {@code RECLASSIFY_BEFORE_END} (0.5 L): final values before the end;</li>
 *   <li>{@code TOUCH} at E + D/4: an update of {@code updated_at} alone, which must not produce a correction;</li>
 *   <li>{@code LATE_ASSIST} at E + D/2: an ASSIST_USED event after the end;</li>
 *   <li>{@code REASSIGN_AFTER_END} at E + D, {@code RECLASSIFY_AFTER_END} at E + 1.1 D: the production story (17
 *       chats labelled at 02:00, re-assigned at 03:01), so the label written at the end is stale;</li>
 *   <li>{@code REOPEN} at E + 1.25 D, ended again half a length later (with a new {@code ended_at}).</li>
 * </ul>
 * With the default D (60 s) past the default settle window (30 s), a pipeline has emitted its FINAL label before
 * each after-the-end change.
 */
final class ReassignScenario implements ScenarioScript {
    enum Variant {
        HANDOFF_AND_RESOLVED, REASSIGN_BEFORE_END, RECLASSIFY_BEFORE_END, TOUCH, LATE_ASSIST, REASSIGN_AFTER_END,
        RECLASSIFY_AFTER_END, REOPEN
    }

    @Override
    public void write(Story story) {
        Set<Variant> v = EnumSet.noneOf(Variant.class);
        for (Variant each : Variant.values()) {
            if (story.chance(0.3)) {
                v.add(each);
            }
        }
        if (v.isEmpty()) {
            v.add(Variant.values()[story.rng().nextInt(Variant.values().length)]);
        }
        Instant t0 = story.start();
        Duration length = story.around(story.spec().conversationLength());
        Duration d = story.around(story.spec().reassignDelay());
        Story.Conversation c = story.startConversation(t0);
        if (story.chance(0.5)) {
            story.event(c, ChatEventRow.ASSIST_SHOWN, t0.plus(Story.part(length, 0.2)));
        }
        boolean bot = v.contains(Variant.HANDOFF_AND_RESOLVED);
        boolean handoffFirst = story.chance(0.5);
        if (bot) {
            story.event(c, handoffFirst ? ChatEventRow.BOT_HANDOFF : ChatEventRow.BOT_RESOLVED,
                    t0.plus(Story.part(length, 0.3)));
        }
        if (v.contains(Variant.REASSIGN_BEFORE_END)) {
            story.reassign(c, t0.plus(Story.part(length, 0.4)));
        }
        if (v.contains(Variant.RECLASSIFY_BEFORE_END)) {
            story.reclassify(c, t0.plus(Story.part(length, 0.5)));
        }
        if (bot) {
            story.event(c, handoffFirst ? ChatEventRow.BOT_RESOLVED : ChatEventRow.BOT_HANDOFF,
                    t0.plus(Story.part(length, 0.6)));
        }
        Instant end = t0.plus(length);
        story.end(c, end);
        if (v.contains(Variant.TOUCH)) {
            story.touch(c, end.plus(Story.part(d, 0.25)));
        }
        if (v.contains(Variant.LATE_ASSIST)) {
            story.event(c, ChatEventRow.ASSIST_USED, end.plus(Story.part(d, 0.5)));
        }
        if (v.contains(Variant.REASSIGN_AFTER_END)) {
            story.reassign(c, end.plus(d));
        }
        if (v.contains(Variant.RECLASSIFY_AFTER_END)) {
            story.reclassify(c, end.plus(Story.part(d, 1.1)));
        }
        if (v.contains(Variant.REOPEN)) {
            Instant reopened = end.plus(Story.part(d, 1.25));
            story.reopen(c, reopened);
            if (story.chance(0.5)) {
                story.event(c, ChatEventRow.ASSIST_SHOWN, reopened.plus(Story.part(length, 0.2)));
            }
            story.end(c, reopened.plus(Story.part(length, 0.5)));
        }
    }
}
