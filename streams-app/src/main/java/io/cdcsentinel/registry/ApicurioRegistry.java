package io.cdcsentinel.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcsentinel.config.RegistrySettings;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * The few calls of Apicurio Registry's v3 REST API ({@code /apis/registry/v3}) that schema governance needs: find
 * the version of a subject that holds a given schema, register a schema (a new version only when its content is new),
 * read and set the subject's compatibility rule. A subject is an artifact of the serde's group ({@code default}
 * unless {@code serde.avro.config.apicurio.registry.artifact.group-id} names another) whose id is the subject name.
 *
 * <p>The rule is an artifact rule: the registry's Confluent-compatible API reports it as the subject's
 * compatibility level ({@code GET /apis/ccompat/v7/config/{subject}}).
 */
public final class ApicurioRegistry {
    public static final String GROUP_ID_PROPERTY = "apicurio.registry.artifact.group-id";
    public static final String BACKWARD = "BACKWARD";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final String api;
    private final String group;
    private final HttpClient http;

    public ApicurioRegistry(RegistrySettings settings) {
        this.api = settings.apicurioApiUrl();
        this.group = settings.serdeProperties().getOrDefault(GROUP_ID_PROPERTY, "default");
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** A version of a subject: the content id is the schema id every record of this project carries. */
    public record Version(String subject, String version, long contentId, long globalId) {
    }

    /** The version of {@code subject} whose content is exactly its schema, if registered. */
    public Optional<Version> find(Subject subject) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/search/versions?groupId=" + encode(group)
                + "&artifactId=" + encode(subject.name()))).POST(HttpRequest.BodyPublishers.ofString(subject.content()))
                .header("Content-Type", "application/json"));
        JsonNode body = expect(response, 200, "searching the versions of " + subject.name());
        Version found = null;
        for (JsonNode version : body.path("versions")) {
            Version v = version(subject.name(), version);
            if (found == null || v.globalId() > found.globalId()) {
                found = v;
            }
        }
        return Optional.ofNullable(found);
    }

    /** The latest version of the subject, empty when the subject does not exist (or has no version). */
    public Optional<Version> latest(String subject) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(artifact(subject) + "/versions/branch=latest")).GET());
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        return Optional.of(version(subject, expect(response, 200, "reading the latest version of " + subject)));
    }

    /**
     * Registers the schema of {@code subject}: the version holding the same content when there is one, else a new
     * version, which the registry checks against the subject's rules first.
     *
     * @throws IncompatibleSchemaException when a rule refuses the new version (with the registry's explanation)
     */
    public Version register(Subject subject) {
        ObjectNode request = JSON.createObjectNode();
        request.put("artifactId", subject.name());
        request.put("artifactType", "AVRO");
        ObjectNode content = request.putObject("firstVersion").putObject("content");
        content.put("content", subject.content());
        content.put("contentType", "application/json");
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/groups/" + encode(group)
                + "/artifacts?ifExists=FIND_OR_CREATE_VERSION"))
                .POST(HttpRequest.BodyPublishers.ofString(request.toString())).header("Content-Type", "application/json"));
        if (response.statusCode() == 409) {
            JsonNode error = parse(response);
            if ("RuleViolationException".equals(error.path("name").asText())) {
                throw new IncompatibleSchemaException(subject.name(), error.path("detail").asText(response.body()));
            }
        }
        return version(subject.name(), expect(response, 200, "registering " + subject.name()).path("version"));
    }

    /** The subject's own COMPATIBILITY rule ({@code BACKWARD}, ...), empty when it has none. */
    public Optional<String> compatibility(String subject) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(artifact(subject) + "/rules/COMPATIBILITY")).GET());
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        return Optional.of(expect(response, 200, "reading the compatibility rule of " + subject).path("config").asText());
    }

    /**
     * Sets the subject's COMPATIBILITY rule to {@code level}; the subject must exist.
     *
     * @return the level it had before, empty when it had no rule
     */
    public Optional<String> setCompatibility(String subject, String level) {
        Optional<String> before = compatibility(subject);
        if (before.isPresent() && before.get().equals(level)) {
            return before;
        }
        String rule = JSON.createObjectNode().put("ruleType", "COMPATIBILITY").put("config", level).toString();
        HttpResponse<String> response = before.isPresent()
                ? send(HttpRequest.newBuilder(uri(artifact(subject) + "/rules/COMPATIBILITY"))
                        .PUT(HttpRequest.BodyPublishers.ofString(rule)).header("Content-Type", "application/json"))
                : send(HttpRequest.newBuilder(uri(artifact(subject) + "/rules"))
                        .POST(HttpRequest.BodyPublishers.ofString(rule)).header("Content-Type", "application/json"));
        if (response.statusCode() != 200 && response.statusCode() != 204) {
            expect(response, 204, "setting the compatibility rule of " + subject + " to " + level);
        }
        return before;
    }

    /** Where this client talks to, for messages. */
    public String describe() {
        return api + " (group " + group + ")";
    }

    private String artifact(String subject) {
        return "/groups/" + encode(group) + "/artifacts/" + encode(subject);
    }

    private URI uri(String path) {
        return URI.create(api + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        HttpRequest built = request.timeout(TIMEOUT).header("Accept", "application/json").build();
        try {
            return http.send(built, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new SchemaRegistryException("cannot reach the schema registry at " + api + " (registry.url): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("interrupted while calling the schema registry at " + api, e);
        }
    }

    private static JsonNode expect(HttpResponse<String> response, int status, String what) {
        if (response.statusCode() != status) {
            JsonNode error = parse(response);
            String detail = error.hasNonNull("detail") ? error.get("detail").asText() : response.body();
            throw new SchemaRegistryException("schema registry: " + what + " failed: HTTP " + response.statusCode()
                    + " " + detail + " (" + response.request().method() + " " + response.uri() + ")");
        }
        return parse(response);
    }

    private static JsonNode parse(HttpResponse<String> response) {
        try {
            return response.body() == null || response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static Version version(String subject, JsonNode node) {
        if (!node.hasNonNull("contentId") || !node.hasNonNull("version")) {
            throw new SchemaRegistryException("schema registry: unexpected answer for " + subject + ": " + node);
        }
        return new Version(subject, node.get("version").asText(), node.get("contentId").asLong(), node.path("globalId").asLong());
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
