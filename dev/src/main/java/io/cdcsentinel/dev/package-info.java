/**
 * {@code bin/sentinel demo}: the developer distribution's own command. It starts the local stack
 * ({@code io.cdcsentinel.local}), the CDC engine, both topologies and the sink ({@code io.cdcsentinel.cli.Pipeline})
 * and a sample workload ({@code io.cdcsentinel.sim}), and prints what flows ({@code io.cdcsentinel.alerts.AlertsView} reads the
 * alert topics). Never in the production jar.
 */
package io.cdcsentinel.dev;
