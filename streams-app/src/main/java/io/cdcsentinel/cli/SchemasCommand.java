package io.cdcsentinel.cli;

import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.registry.SchemaRegistration;
import io.cdcsentinel.registry.SchemaRegistration.Outcome;
import io.cdcsentinel.registry.SchemaRegistration.Result;
import io.cdcsentinel.registry.SchemaRegistryException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code bin/sentinel schemas register}: the explicit registration step of a deployment (with
 * {@code registry.auto.register=false}, the default, {@code run} only looks the schemas up). Registers the key and
 * value schema of every output topic, sets each subject's compatibility rule to BACKWARD, and prints subject -> id /
 * version. Running it again changes nothing. Exit code 0 when every subject holds this build's schema, 1 when the
 * registry refused one (the registry's explanation is printed) or could not be reached, 2 on a configuration error.
 */
@Command(name = "schemas", mixinStandardHelpOptions = true,
        description = "Schema governance of the Avro topics in the schema registry.",
        subcommands = {SchemasCommand.Register.class})
public final class SchemasCommand implements Runnable {

    @Override
    public void run() {
        Console.println(new CommandLine(this).getUsageMessage());
    }

    @Command(name = "register", mixinStandardHelpOptions = true,
            header = "Register the schemas of every output topic and set their BACKWARD rule.",
            description = {"Registers the key and value schema of the gap, gap-rate and label topics (subjects",
                    "<topic>-key and <topic>-value), sets each subject's compatibility rule to BACKWARD and prints",
                    "subject -> id / version. Idempotent: a subject that already holds the schema gets no new version.",
                    "Exits 1 when the registry refuses a schema that is not compatible with the subject's latest version."})
    static final class Register implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Override
        public Integer call() {
            ConfigSource source = config.load();
            RegistrySettings registry = RegistrySettings.from(source);
            TopicNames topics = TopicNames.from(source);
            if (!registry.isApicurioSerde()) {
                Console.error("schemas: serde.avro.class is " + registry.serdeClass() + ": `schemas register` speaks Apicurio"
                        + " Registry's API only; register the subjects with your registry's own tools");
                return 1;
            }
            Console.println("schemas: registering in " + registry.apicurioApiUrl() + " ...");
            List<Result> results;
            try {
                results = SchemaRegistration.registerAll(registry, topics);
            } catch (SchemaRegistryException e) {
                Console.error("schemas: " + e.getMessage());
                return 1;
            }
            for (Result result : results) {
                if (result.outcome() == Outcome.REFUSED) {
                    Console.error("schemas: " + result.describe());
                } else {
                    Console.println("  " + result.describe());
                }
            }
            long refused = results.stream().filter(r -> r.outcome() == Outcome.REFUSED).count();
            if (refused > 0) {
                Console.error("schemas: " + refused + " of " + results.size() + " subjects refused: this build's schema is"
                        + " not BACKWARD compatible with what the registry holds (see schemas/released and README 'Schemas')");
                return 1;
            }
            long registered = results.stream().filter(r -> r.outcome() == Outcome.REGISTERED).count();
            Console.println("schemas: " + results.size() + " subjects, " + registered + " new versions, compatibility BACKWARD");
            return 0;
        }
    }
}
