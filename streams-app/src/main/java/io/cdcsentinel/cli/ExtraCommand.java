package io.cdcsentinel.cli;

/**
 * A {@code sentinel} subcommand that lives outside the production module: the local stack, the simulator,
 * the benchmarks, the demo. {@link Main} registers its own commands, then every implementation that
 * {@link java.util.ServiceLoader} finds on the classpath; a module lists its command classes in
 * {@code META-INF/services/io.cdcsentinel.cli.ExtraCommand}. So the production jar, which has none, lists
 * only the production commands, and the developer distribution ({@code bin/sentinel}) lists them all.
 *
 * <p>An implementation is a picocli {@code @Command} class (its {@code name} is the subcommand's name) with a
 * public no-argument constructor. This interface is only the marker ServiceLoader needs: it has no methods.
 */
public interface ExtraCommand {
}
