package io.cdcsentinel.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.avro.ConversationLabelKey;
import io.cdcsentinel.cli.Console;
import io.cdcsentinel.cli.Main;
import io.cdcsentinel.cli.Pipeline;
import io.cdcsentinel.config.ConfigException;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.RunSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import io.cdcsentinel.testing.TestStack;
import io.cdcsentinel.topology.AvroSerdes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Schema governance against the real Apicurio Registry of the local stack: {@code bin/sentinel schemas register}
 * registers every subject with the BACKWARD rule and is idempotent, the registry refuses an incompatible schema, and
 * with {@code registry.auto.register=false} the serdes use the registered ids while {@code run} refuses to start
 * when a subject is missing. Each test uses topics (so subjects) of its own.
 */
@ExtendWith(StackExtension.class)
class SchemaGovernanceIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @AfterEach
    void restoreConsole() {
        Console.redirect(System.out, System.err);
    }

    @Test
    void shouldRegisterEverySubjectWithBackwardAndCreateNoVersionWhenRunAgain(StackFixture stack) throws Exception {
        ConfigSource config = stack.configWithoutSchemas(Map.of());
        Path file = propertiesFile(config, "register");
        List<Subject> subjects = Subject.all(TopicNames.from(config));

        assertThat(run("schemas", "register", "--config", file.toString())).as("exit code; stderr: %s", err()).isZero();
        String first = out();
        for (Subject subject : subjects) {
            assertThat(first).contains(subject.name() + " -> id ").contains(subject.name());
            assertThat(compatibility(config, subject.name())).as("v3 rule of %s", subject.name()).isEqualTo("BACKWARD");
            assertThat(ccompatLevel(config, subject.name())).as("ccompat level of %s", subject.name()).isEqualTo("BACKWARD");
            assertThat(versions(config, subject.name())).as("versions of %s", subject.name()).hasSize(1);
        }
        assertThat(first).contains("6 subjects, 6 new versions");

        out.reset();
        assertThat(run("schemas", "register", "--config", file.toString())).as("exit code; stderr: %s", err()).isZero();
        String second = out();
        assertThat(second).contains("6 subjects, 0 new versions").doesNotContain("(registered)");
        assertThat(idLines(second)).isEqualTo(idLines(first).stream().map(l -> l.replace("(registered)", "(unchanged)")).toList());
        for (Subject subject : subjects) {
            assertThat(versions(config, subject.name())).as("versions of %s after the rerun", subject.name()).hasSize(1);
        }

        // the serdes, auto-registration off, write the id the registration printed
        Serde serde = new Serde(config);
        int id = serde.keyId(TopicNames.from(config).labels());
        assertThat(first).contains(TopicNames.from(config).labels() + "-key -> id " + id + " / version 1");
    }

    @Test
    void shouldExitNonZeroWithTheRegistrysMessageWhenASchemaIsNotBackwardCompatible(StackFixture stack) throws Exception {
        ConfigSource config = stack.configWithoutSchemas(Map.of());
        String labels = TopicNames.from(config).labels() + "-value";
        // the registry already holds a label schema without source_ts_ms (which this build has, with no default):
        // this build cannot read its records
        ApicurioRegistry registry = new ApicurioRegistry(RegistrySettings.from(config));
        registry.register(new Subject(labels, TopicNames.from(config).labels(), false,
                withoutField(ConversationLabel.getClassSchema(), "source_ts_ms")));

        assertThat(run("schemas", "register", "--config", propertiesFile(config, "incompatible").toString())).isEqualTo(1);

        assertThat(err()).contains("schemas: " + labels + ": refused by the registry: Incompatible artifact: " + labels)
                .contains("1 of 6 subjects refused");
        assertThat(versions(config, labels)).as("no new version of the refused subject").hasSize(1);
        assertThat(compatibility(config, labels)).isEqualTo("BACKWARD");
        assertThat(out()).contains(TopicNames.from(config).labels() + "-key -> id ");
    }

    @Test
    void shouldRefuseAnIncompatibleVersionOfARegisteredSubject(StackFixture stack) {
        ConfigSource config = stack.config(Map.of()); // registered, BACKWARD
        String labels = TopicNames.from(config).labels() + "-value";
        ApicurioRegistry registry = new ApicurioRegistry(RegistrySettings.from(config));
        Subject breaking = new Subject(labels, TopicNames.from(config).labels(), false,
                withField(ConversationLabel.getClassSchema(), "channel"));

        List<SchemaRegistration.Result> results = SchemaRegistration.register(registry, List.of(breaking));

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(SchemaRegistration.Outcome.REFUSED);
            assertThat(r.refusal()).contains("Incompatible artifact").contains("channel");
        });
        assertThatThrownBy(() -> registry.register(breaking)).isInstanceOf(IncompatibleSchemaException.class);
        assertThat(registry.latest(labels)).get().extracting(ApicurioRegistry.Version::version).isEqualTo("1");
    }

    @Test
    void shouldFailRunAtStartUpNamingTheMissingSubjectsTheKeyAndTheFix(StackFixture stack) throws Exception {
        ConfigSource config = stack.configWithoutSchemas(Map.of(RunSettings.SINK_ENABLED.name(), "false"));
        TopicNames topics = TopicNames.from(config);

        assertThat(run("run", "--config", propertiesFile(config, "run").toString())).isEqualTo(2);

        assertThat(err()).startsWith("configuration error: schema subject '" + topics.gaps() + "-key' is not registered")
                .contains("'" + topics.labels() + "-value' is not registered")
                .contains("registry.auto.register=false (environment variable SENTINEL_REGISTRY_AUTO_REGISTER)")
                .contains("`bin/sentinel schemas register`");
        // the check only looks: nothing was registered, no output topic created
        assertThat(new ApicurioRegistry(RegistrySettings.from(config)).latest(topics.gaps() + "-key")).isEmpty();

        // with only the label topic moved to a new name, only its two subjects are named
        SchemaRegistration.registerAllOrFail(RegistrySettings.from(config), topics);
        ConfigSource moved = config.with(Map.of(TopicNames.LABELS.name(), topics.labels() + "-v2"));
        try (Pipeline pipeline = Pipeline.fromConfig(moved)) {
            assertThatThrownBy(pipeline::start).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("'" + topics.labels() + "-v2-key' is not registered")
                    .hasMessageContaining("'" + topics.labels() + "-v2-value' is not registered")
                    .hasMessageNotContaining(topics.gaps() + "-key");
        }
        // auto-registration on: no check
        assertThatCode(() -> SchemaRegistration.requireRegistered(RegistrySettings.from(moved).withAutoRegister(true),
                TopicNames.from(moved))).doesNotThrowAnyException();
    }

    @Test
    void shouldNameASubjectThatLacksTheSchemaOfThisBuild(StackFixture stack) {
        ConfigSource config = stack.configWithoutSchemas(Map.of());
        TopicNames topics = TopicNames.from(config);
        SchemaRegistration.registerAllOrFail(RegistrySettings.from(config), topics);
        String labels = topics.labels() + "-value";
        // a later build registered a compatible new version; this build's schema is still there: fine
        new ApicurioRegistry(RegistrySettings.from(config)).register(new Subject(labels, topics.labels(), false,
                withOptionalField(ConversationLabel.getClassSchema(), "channel")));
        assertThatCode(() -> SchemaRegistration.requireRegistered(RegistrySettings.from(config), topics)).doesNotThrowAnyException();

        // a subject that holds only other schemas
        String other = topics.labels() + "-other";
        ConfigSource otherConfig = config.with(Map.of(TopicNames.LABELS.name(), other));
        new ApicurioRegistry(RegistrySettings.from(config)).register(new Subject(other + "-value", other, false,
                withOptionalField(ConversationLabel.getClassSchema(), "channel")));
        SchemaRegistration.register(new ApicurioRegistry(RegistrySettings.from(config)),
                List.of(Subject.key(other, ConversationLabelKey.getClassSchema())));

        assertThatThrownBy(() -> SchemaRegistration.requireRegistered(RegistrySettings.from(otherConfig), TopicNames.from(otherConfig)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'" + other + "-value' has no version with the schema of this build (its latest is version 1")
                .hasMessageNotContaining(other + "-key");
    }

    /** The Apicurio serde as the topologies configure it (auto-registration off). */
    private static final class Serde {
        private final AvroSerdes serdes;

        Serde(ConfigSource config) {
            RegistrySettings settings = RegistrySettings.from(config);
            assertThat(settings.autoRegister()).isFalse();
            this.serdes = new AvroSerdes(settings);
        }

        int keyId(String topic) {
            byte[] bytes = serdes.forKeys(ConversationLabelKey.class).serializer()
                    .serialize(topic, new ConversationLabelKey("customer", "profile", "conversation"));
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            assertThat(buffer.get()).isZero();
            return buffer.getInt();
        }
    }

    private int run(String... args) {
        Console.redirect(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return Main.execute(args);
        } finally {
            Console.redirect(System.out, System.err);
        }
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static List<String> idLines(String output) {
        return output.lines().filter(l -> l.contains(" -> id ")).map(String::strip).toList();
    }

    private static Path propertiesFile(ConfigSource config, String name) throws IOException {
        Properties properties = new Properties();
        properties.putAll(config.withPrefix(""));
        Path file = Files.createTempFile(TestStack.targetDir(), "schemas-" + name + "-", ".properties");
        try (var writer = Files.newBufferedWriter(file)) {
            properties.store(writer, "SchemaGovernanceIT");
        }
        return file;
    }

    private String compatibility(ConfigSource config, String subject) throws Exception {
        return get(RegistrySettings.from(config).apicurioApiUrl() + "/groups/default/artifacts/" + subject + "/rules/COMPATIBILITY")
                .path("config").asText();
    }

    private String ccompatLevel(ConfigSource config, String subject) throws Exception {
        return get(RegistrySettings.from(config).confluentCompatUrl() + "/config/" + subject).path("compatibilityLevel").asText();
    }

    private List<String> versions(ConfigSource config, String subject) throws Exception {
        List<String> versions = new ArrayList<>();
        get(RegistrySettings.from(config).apicurioApiUrl() + "/groups/default/artifacts/" + subject + "/versions")
                .path("versions").forEach(v -> versions.add(v.path("version").asText()));
        return versions;
    }

    private JsonNode get(String url) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", url, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static Schema withoutField(Schema schema, String field) throws IOException {
        ObjectNode tree = (ObjectNode) JSON.readTree(schema.toString());
        ArrayNode fields = (ArrayNode) tree.get("fields");
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).path("name").asText().equals(field)) {
                fields.remove(i);
                return new Schema.Parser().parse(tree.toString());
            }
        }
        throw new AssertionError("no field " + field);
    }

    /** A required string field: BACKWARD-incompatible (old records lack it and there is no default). */
    private static Schema withField(Schema schema, String field) {
        return addField(schema, JSON.createObjectNode().put("name", field).put("type", "string"));
    }

    private static Schema withOptionalField(Schema schema, String field) {
        ObjectNode node = JSON.createObjectNode().put("name", field);
        node.putArray("type").add("null").add("string");
        node.putNull("default");
        return addField(schema, node);
    }

    private static Schema addField(Schema schema, ObjectNode field) {
        try {
            ObjectNode tree = (ObjectNode) JSON.readTree(schema.toString());
            ((ArrayNode) tree.get("fields")).add(field);
            return new Schema.Parser().parse(tree.toString());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
