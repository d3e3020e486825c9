/**
 * {@code bin/sentinel bench}: every throughput figure is a ratio against a baseline measured in the same run on
 * the same input doing the least possible work; absolute numbers are context. Nothing here is asserted by a test
 * (the smoke test checks that every figure is produced, not its value).
 *
 * <table>
 *   <caption>Measurements</caption>
 *   <tr><td>{@code CdcBench}</td><td>CDC runner vs a bare Debezium engine that only counts, over the same WAL (a
 *       slot per engine and round, created before the workload)</td></tr>
 *   <tr><td>{@code StreamsBench}</td><td>the topologies of {@code run} vs an identity {@code map+to} application,
 *       both EOS v2, replaying the same retained CDC topics; heap and RocksDB state with the topologies loaded</td></tr>
 *   <tr><td>{@code LiveBench}</td><td>the live pipeline under a steady background load: end-to-end latency
 *       ({@code ended_at} commit to row in ClickHouse) and gap alert latency (grace deadline to alert consumed)</td></tr>
 *   <tr><td>{@link io.cdcsentinel.bench.SinkBenchmark}</td><td>the sink vs raw JSONEachRow INSERTs (the sink's
 *       own helper)</td></tr>
 *   <tr><td>{@link io.cdcsentinel.bench.BenchReport}</td><td>the Markdown table and the PNG chart written into
 *       {@code results/}</td></tr>
 * </table>
 */
package io.cdcsentinel.bench;
