package io.cdcsentinel.sim;

/** Plans one story of a scenario: calls the {@link Story}'s API-like methods at simulated times. */
interface ScenarioScript {
    void write(Story story);
}
