/**
 * The real local servers the demo and the integration tests run: PostgreSQL with logical decoding
 * (zonky's binaries), a Kafka broker in KRaft mode, Apicurio Registry and, when installed, ClickHouse.
 *
 * <p>No container runtime and no mocks: each server is a detached OS process on free loopback ports, with
 * its files in one stack directory. {@link io.cdcsentinel.local.LocalStack} starts and stops them,
 * {@link io.cdcsentinel.local.Endpoints} says where they listen in the application's own configuration
 * keys, and {@code bin/sentinel stack up|status|down} ({@link io.cdcsentinel.local.StackCommand}) is the same
 * from a shell. Servers are found again from the directory alone (pid files, {@code postmaster.pid},
 * command lines), so a stack outlives the JVM that started it and {@code down} cleans up after a crash.
 */
package io.cdcsentinel.local;
