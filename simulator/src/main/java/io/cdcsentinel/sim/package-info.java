/**
 * {@code bin/sentinel simulate}: a deterministic workload writer that reproduces the incidents of
 * {@code shared/docs/domain.md} in the source PostgreSQL, the way the real API writes (one transaction per API
 * call), so that everything downstream sees it through Debezium.
 *
 * <table>
 *   <caption>Classes</caption>
 *   <tr><td>{@link io.cdcsentinel.sim.WorkloadSpec}</td><td>what is written (seed, scenarios, sizes, delays) and how
 *       fast; only the pacing fields change how fast, never what</td></tr>
 *   <tr><td>{@code Workload}, {@code Story}, {@code *Scenario}</td><td>the plan: stories in start order, each one
 *       planned in full by its scenario, with a model of its final state (the truth)</td></tr>
 *   <tr><td>{@code TxWriter}, {@code Write}</td><td>execution: transactions on a few JDBC connections, a story
 *       always on the same one, optional pipelining that keeps every BEGIN/COMMIT</td></tr>
 *   <tr><td>{@link io.cdcsentinel.sim.Simulator}</td><td>plans, paces and writes; reports
 *       {@link io.cdcsentinel.sim.Milestone}s for latency benchmarks</td></tr>
 *   <tr><td>{@link io.cdcsentinel.sim.Truth}</td><td>the expected open gaps, labels and rate buckets (JSON Lines),
 *       for tests and {@code verify}</td></tr>
 * </table>
 */
package io.cdcsentinel.sim;
