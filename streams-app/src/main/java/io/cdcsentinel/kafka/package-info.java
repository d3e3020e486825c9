/**
 * What the readers of the output topics share: {@link io.cdcsentinel.kafka.TopicScan}, the bounded read to the last
 * stable offsets ({@code read_committed}, assigned partitions, nothing committed), used by {@code alerts.AlertsView}
 * and the backfill. Depends on {@code config} only, so that both can use it without depending on each other.
 */
package io.cdcsentinel.kafka;
