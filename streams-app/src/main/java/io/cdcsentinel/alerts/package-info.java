/**
 * Reading the alert topics as their consumers do, for {@code bin/sentinel alerts} and the demo.
 *
 * <table>
 *   <caption>Classes</caption>
 *   <tr><th>class</th><th>role</th></tr>
 *   <tr><td>{@link io.cdcsentinel.alerts.AlertsView}</td><td>the Kafka side: {@code read_committed}, assigned partitions and no group, a bounded read to the end offsets of the moment it opened, or a follow; decoding with the project's serdes, undecodable records logged and skipped</td></tr>
 *   <tr><td>{@link io.cdcsentinel.alerts.AlertState}</td><td>the fold, pure: latest record per key, open = latest event OPENED, alerting = latest roll-up alerting</td></tr>
 *   <tr><td>{@link io.cdcsentinel.alerts.AlertFormat}</td><td>tables, follow lines and JSON Lines, pure</td></tr>
 *   <tr><td>{@link io.cdcsentinel.alerts.AlertFilter}, {@link io.cdcsentinel.alerts.AlertRecord}</td><td>{@code --customer}/{@code --profile}; one decoded record with its position</td></tr>
 * </table>
 */
package io.cdcsentinel.alerts;
