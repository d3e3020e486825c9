/**
 * The historic-gap topology (issue 3, domain.md section 1): scorecards that never reach
 * {@code historic.scorecard_scores}. Built by {@link io.cdcsentinel.topology.gaps.HistoricGapTopology#build}.
 *
 * <h2>Which clock drives what</h2>
 * <table>
 *   <caption>Clocks</caption>
 *   <tr><th>what</th><th>clock</th><th>why</th></tr>
 *   <tr><td>event time of every input</td><td>source commit time ({@code source.ts_ms})</td>
 *       <td>a replay sees the same times as the live run</td></tr>
 *   <tr><td>grace deadline (OPENED)</td><td>stream time: the low watermark of the upstream tasks, checked after
 *       every record; a later change of the same scorecard decides an expired deadline first</td><td>the decision
 *       depends on commit timestamps, not on processing speed: replaying the topics under a new application id
 *       gives the same open alerts, with the same {@code detected_at}</td></tr>
 *   <tr><td>grace deadline when the sources are quiet</td><td>wall clock, via
 *       {@link io.cdcsentinel.topology.EventTimeClock}, only when the last record was live (at most
 *       {@code gaps.clock.max.lag} old) and nothing came for {@code gaps.clock.idle.after}</td>
 *       <td>a live monitor must alert on time even when nothing else is written; a backlog or replay never
 *       lets the wall clock overtake it. Such events carry {@code clock = WALL_CLOCK}.</td></tr>
 *   <tr><td>RESOLVED, WITHDRAWN</td><td>the change that causes them</td><td>they are facts of the source</td></tr>
 *   <tr><td>dropping settled state</td><td>stream time (and the same wall-clock fallback)</td>
 *       <td>deterministic</td></tr>
 *   <tr><td>roll-up emission (throttle) and its threshold alert</td><td>stream time of the roll-up task, with
 *       the wall-clock fallback</td><td>same emissions on replay; the last changes of a quiet bucket still
 *       leave</td></tr>
 * </table>
 *
 * <h2>Bounded state and very late changes</h2>
 * A scorecard with historic rows, or not eligible, or withdrawn, is dropped from state at
 * {@code max(settled, created_at + gaps.settled.retention)} (a scorecard that had gap events: a full
 * retention after it settled, and its key is then deleted from the compacted {@code scorecard-historic-gaps}
 * with a tombstone). Open gaps stay until they are resolved or withdrawn. A change of a scorecard that is no
 * longer in state, or that the topology never saw, and whose {@code created_at} is
 * {@code gaps.settled.retention} or more before the change's commit, is <b>ignored</b>: no alert, no count in
 * the roll-ups, a count in the metric {@code late-scorecard-ignored-total}. The topology cannot know whether
 * such a scorecard's historic rows were written before it was watching, so it refuses to guess. To cover
 * older scorecards, capture the tables with a snapshot ({@code cdc.snapshot.mode}): snapshot rows are exempt,
 * because a snapshot is the whole table, historic rows first. No command checks history outside the topology. Keep the CDC topics' retention at least {@code gaps.settled.retention}.
 * Roll-up buckets are dropped {@code gaps.rates.retention} after their end; later changes to them are
 * ignored ({@code expired-bucket-change-total}).
 */
package io.cdcsentinel.topology.gaps;
