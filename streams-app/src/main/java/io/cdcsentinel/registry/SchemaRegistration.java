package io.cdcsentinel.registry;

import io.cdcsentinel.config.ConfigException;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.TopicNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Schema governance: what {@code bin/sentinel schemas register} does, and the check {@code run} makes at start-up
 * when {@code registry.auto.register=false}.
 *
 * <p>Registering is idempotent: a subject that already holds this build's schema keeps its version (no new version,
 * same id). The BACKWARD rule is set on a subject before a new version is added to it (for a new subject right after
 * its first version, since a rule needs the subject), so the registry checks every later version against it and
 * refuses an incompatible one.
 */
public final class SchemaRegistration {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistration.class);

    /** What happened to one subject. */
    public enum Outcome {
        /** a new version was registered (or the subject created) */
        REGISTERED,
        /** the subject already had a version with this schema */
        UNCHANGED,
        /** the registry refused the schema (not compatible with the subject's latest version) */
        REFUSED
    }

    /**
     * One subject's result. {@code version} is empty only when refused; {@code ruleBefore} is the compatibility rule
     * the subject had before (empty: none, or a new subject).
     */
    public record Result(Subject subject, Outcome outcome, Optional<ApicurioRegistry.Version> version,
            Optional<String> ruleBefore, String refusal) {

        /** One line for the terminal: subject -> id / version, what happened, the rule. */
        public String describe() {
            if (outcome == Outcome.REFUSED) {
                return subject.name() + ": refused by the registry: " + refusal;
            }
            ApicurioRegistry.Version v = version.orElseThrow();
            String rule = ruleBefore.filter(r -> !r.equals(ApicurioRegistry.BACKWARD)).map(r -> "BACKWARD (was " + r + ")")
                    .orElse("BACKWARD");
            return subject.name() + " -> id " + v.contentId() + " / version " + v.version() + " ("
                    + (outcome == Outcome.REGISTERED ? "registered" : "unchanged") + "), compatibility " + rule;
        }
    }

    private SchemaRegistration() {
    }

    /** Registers every subject of the project's output topics and sets BACKWARD on each. */
    public static List<Result> registerAll(RegistrySettings settings, TopicNames topics) {
        return register(new ApicurioRegistry(settings), Subject.all(topics));
    }

    /** {@link #registerAll}, failing when the registry refuses a schema: for the demo and the test stack. */
    public static List<Result> registerAllOrFail(RegistrySettings settings, TopicNames topics) {
        List<Result> results = registerAll(settings, topics);
        List<String> refused = results.stream().filter(r -> r.outcome() == Outcome.REFUSED).map(Result::describe).toList();
        if (!refused.isEmpty()) {
            throw new SchemaRegistryException(String.join("; ", refused));
        }
        return results;
    }

    public static List<Result> register(ApicurioRegistry registry, List<Subject> subjects) {
        List<Result> results = new ArrayList<>();
        for (Subject subject : subjects) {
            results.add(register(registry, subject));
        }
        return results;
    }

    static Result register(ApicurioRegistry registry, Subject subject) {
        Optional<String> ruleBefore = Optional.empty();
        boolean exists = registry.latest(subject.name()).isPresent();
        if (exists) {
            // before a new version, so that the registry checks it
            ruleBefore = registry.setCompatibility(subject.name(), ApicurioRegistry.BACKWARD);
        }
        Optional<ApicurioRegistry.Version> found = registry.find(subject);
        if (found.isPresent()) {
            return new Result(subject, Outcome.UNCHANGED, found, ruleBefore, null);
        }
        ApicurioRegistry.Version version;
        try {
            version = registry.register(subject);
        } catch (IncompatibleSchemaException e) {
            LOG.warn("the registry refused the schema of {}: {}", subject.name(), e.getMessage());
            return new Result(subject, Outcome.REFUSED, Optional.empty(), ruleBefore, e.getMessage());
        }
        if (!exists) {
            ruleBefore = registry.setCompatibility(subject.name(), ApicurioRegistry.BACKWARD);
        }
        LOG.info("registered {} as version {} (id {})", subject.name(), version.version(), version.contentId());
        return new Result(subject, Outcome.REGISTERED, Optional.of(version), ruleBefore, null);
    }

    /**
     * With {@code registry.auto.register=false}, fails unless every subject of the output topics holds this build's
     * schema: the serdes would otherwise fail on the first record they write, long after start-up. Does nothing with
     * auto-registration on, or with a serde other than Apicurio's (its registry's API is not known here).
     *
     * @throws ConfigException naming the missing subjects, {@code registry.auto.register} and the fix
     */
    public static void requireRegistered(RegistrySettings settings, TopicNames topics) {
        if (settings.autoRegister()) {
            return;
        }
        if (!settings.isApicurioSerde()) {
            LOG.info("registry.auto.register=false with serde.avro.class {}: not checking the subjects at start-up", settings.serdeClass());
            return;
        }
        ApicurioRegistry registry = new ApicurioRegistry(settings);
        List<String> missing = new ArrayList<>();
        for (Subject subject : Subject.all(topics)) {
            if (registry.find(subject).isEmpty()) {
                missing.add(registry.latest(subject.name())
                        .map(latest -> "'" + subject.name() + "' has no version with the schema of this build (its latest is version "
                                + latest.version() + ", id " + latest.contentId() + ")")
                        .orElse("'" + subject.name() + "' is not registered"));
            }
        }
        if (!missing.isEmpty()) {
            throw new ConfigException(RegistrySettings.AUTO_REGISTER.name(), "schema subject " + String.join(", subject ", missing)
                    + " in the schema registry at " + settings.url() + ". With " + RegistrySettings.AUTO_REGISTER.name()
                    + "=false (environment variable " + RegistrySettings.AUTO_REGISTER.envName() + ") the serdes only look"
                    + " schemas up: register them first with `bin/sentinel schemas register` (same configuration; it also"
                    + " sets the BACKWARD rule), or set " + RegistrySettings.AUTO_REGISTER.name() + "=true");
        }
    }
}
