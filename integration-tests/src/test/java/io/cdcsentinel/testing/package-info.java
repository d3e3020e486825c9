/**
 * The harness every integration test uses: one shared local stack per test JVM
 * ({@link io.cdcsentinel.testing.TestStack}), and per test class a
 * {@link io.cdcsentinel.testing.StackFixture} from {@link io.cdcsentinel.testing.StackExtension} that
 * isolates the class (its own databases, topics, slots, application ids, state directories), starts
 * private servers for tests that kill them, and copies server logs to {@code target/it-logs/<TestClass>/}
 * when a test fails.
 */
package io.cdcsentinel.testing;
