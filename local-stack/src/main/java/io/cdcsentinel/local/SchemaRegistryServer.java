package io.cdcsentinel.local;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Apicurio Registry as its own JVM: the Quarkus runner jar the Maven build unpacks into
 * {@code streams-app/target/apicurio-registry}.
 *
 * <p>Its storage is the built-in H2 database, but in a file under the stack directory instead of the
 * default in-memory one: records kept in Kafka across {@code down}/{@code up} carry the schema ids they were
 * written with, and an empty registry would hand the same ids out again for other schemas.
 */
public final class SchemaRegistryServer extends SpawnedServer {
    static final String PORT = "registry.port";
    /** System property pointing to the unpacked registry (failsafe sets it). */
    public static final String HOME_PROPERTY = "sentinel.registry.home";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final int port;
    private final List<String> jvmOptions;

    SchemaRegistryServer(Path stackDir, int port, List<String> jvmOptions) {
        super(Component.REGISTRY, stackDir);
        this.port = port;
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    /** The registry's base URL, {@code http://127.0.0.1:PORT} (the v3 API is under {@code /apis/registry/v3}). */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public Map<String, Integer> ports() {
        return Map.of("port", port);
    }

    @Override
    public List<Path> logFiles() {
        return List.of(consoleLog());
    }

    @Override
    void prepare() {
        createDirectories(home.resolve("data"));
    }

    @Override
    List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.addAll(jvmOptions);
        command.addAll(List.of(marker(home), "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port,
                "-Dapicurio.datasource.url=jdbc:h2:file:" + home.resolve("data").resolve("registry"),
                // One line per request would bury everything else in the log.
                "-Dquarkus.http.access-log.enabled=false", "-jar", runnerJar().toString()));
        return command;
    }

    @Override
    boolean isServerProcess(List<String> args) {
        return args.contains(marker(home));
    }

    @Override
    boolean isReady() {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url() + "/apis/registry/v3/system/info"))
                    .timeout(Duration.ofSeconds(3)).GET().build();
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while waiting for the registry", e);
        }
    }

    @Override
    Duration startTimeout() {
        return Duration.ofSeconds(120);
    }

    @Override
    Duration stopGrace() {
        return Duration.ofSeconds(15);
    }

    /**
     * Where the registry is: {@value #HOME_PROPERTY} ({@code bin/sentinel} and the integration tests set it), else
     * {@code apicurio-registry} next to this module's jar (or next to its {@code target/classes}), else
     * {@code local-stack/target/apicurio-registry} or {@code target/apicurio-registry} under the working directory.
     */
    static Path runnerJar() {
        List<Path> candidates = new ArrayList<>();
        Optional.ofNullable(System.getProperty(HOME_PROPERTY)).filter(s -> !s.isBlank()).map(Path::of).ifPresent(candidates::add);
        codeLocation().ifPresent(location -> candidates.add(location.resolveSibling("apicurio-registry")));
        candidates.add(Path.of("local-stack", "target", "apicurio-registry"));
        candidates.add(Path.of("target", "apicurio-registry"));
        for (Path home : candidates) {
            Optional<Path> jar = findRunner(home.toAbsolutePath().normalize());
            if (jar.isPresent()) {
                return jar.get();
            }
        }
        throw new StackException("Apicurio Registry not found (looked in " + candidates + "). The Maven build unpacks it:"
                + " run `mvn -B -q install -DskipTests` at the repository root, or point -D" + HOME_PROPERTY
                + " to a directory holding apicurio-registry-app-*-runner.jar");
    }

    private static Optional<Path> findRunner(Path home) {
        if (!Files.isDirectory(home)) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(home, "apicurio-registry-app-*-runner.jar")) {
            for (Path jar : jars) {
                return Optional.of(jar);
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The jar (or classes directory) this class was loaded from. */
    private static Optional<Path> codeLocation() {
        try {
            var source = SchemaRegistryServer.class.getProtectionDomain().getCodeSource();
            return source == null ? Optional.empty() : Optional.of(Path.of(source.getLocation().toURI()));
        } catch (Exception e) {
            return Optional.empty();
        }
    }
}
