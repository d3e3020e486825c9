package io.cdcsentinel.sim;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The named workloads of {@code bin/sentinel simulate}. Each reproduces one incident of
 * {@code shared/docs/domain.md}; they combine freely (a run interleaves their stories by time).
 */
public enum Scenario {
    /** Healthy traffic: conversations start, get assist/bot events and end; scorecards get their historic rows. */
    STEADY("steady", new SteadyScenario()),
    /**
     * Domain section 1: the fire-and-forget historic write fails (never happens) or runs late, including the
     * race where the first submission (which skips the historic write) commits before the create-time write.
     */
    ASYNC_RACE("async-race", new AsyncRaceScenario()),
    /**
     * Domain section 1, the bursts: a batch job creates tens of thousands of unsubmitted scorecards within one
     * hour and ~99% of their historic writes are lost (27,344 of 27,580 in production).
     */
    BATCH_HOUR("batch-hour", new BatchHourScenario()),
    /**
     * Domain sections 1 and 4: appeal scorecards (types 1-3), calibration copies, other non-original types,
     * process scorecards without a conversation, soft and hard deletes: the eligibility rule's every branch.
     */
    APPEALS_CALIBRATION("appeals-calibration", new AppealsCalibrationScenario()),
    /**
     * Domain sections 2 and 3: conversations re-assigned or re-classified before and after {@code ended_at},
     * re-opened and ended again, late assist events, bot handoff and bot-resolved on the same conversation.
     */
    REASSIGN("reassign", new ReassignScenario());

    private final String cliName;
    private final ScenarioScript script;

    Scenario(String cliName, ScenarioScript script) {
        this.cliName = cliName;
        this.script = script;
    }

    public String cliName() {
        return cliName;
    }

    ScenarioScript script() {
        return script;
    }

    public static Scenario parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Scenario s : values()) {
            if (s.cliName.equals(n)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + name + "': expected one of " + names());
    }

    public static String names() {
        return Arrays.stream(values()).map(Scenario::cliName).collect(Collectors.joining(", "));
    }
}
