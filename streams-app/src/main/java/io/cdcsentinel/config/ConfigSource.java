package io.cdcsentinel.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Where configuration values come from: one optional properties file, overridden key by key by
 * environment variables named {@code SENTINEL_} + the key upper-cased with dots and dashes turned into
 * underscores ({@code kafka.bootstrap} -> {@code SENTINEL_KAFKA_BOOTSTRAP}).
 *
 * <p>Secrets may also be given as {@code <key>.file} (or {@code SENTINEL_<KEY>_FILE}): the value is read
 * from that file, trailing newline removed. Values are never logged by this class.
 */
public final class ConfigSource {
    public static final String ENV_PREFIX = "SENTINEL_";

    private final Map<String, String> fileValues;
    private final Map<String, String> env;
    private final String origin;

    private ConfigSource(Map<String, String> fileValues, Map<String, String> env, String origin) {
        this.fileValues = Map.copyOf(fileValues);
        this.env = Map.copyOf(env);
        this.origin = origin;
    }

    /** Reads {@code file} when given (it must exist), and the process environment. */
    public static ConfigSource load(Path file) {
        return load(file, System.getenv());
    }

    public static ConfigSource load(Path file, Map<String, String> env) {
        Map<String, String> values = new HashMap<>();
        String origin = "environment";
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new ConfigException("--config", "configuration file " + file + " does not exist or is not a file;"
                        + " pass an existing properties file or omit --config to configure from SENTINEL_* environment variables");
            }
            Properties props = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                props.load(reader);
            } catch (IOException | IllegalArgumentException e) {
                throw new ConfigException("--config", "cannot read configuration file " + file + ": " + e.getMessage());
            }
            props.stringPropertyNames().forEach(k -> values.put(k.trim(), props.getProperty(k).trim()));
            origin = file + " + environment";
        }
        return new ConfigSource(values, env, origin);
    }

    /** For tests and embedded use: explicit values, no environment. */
    public static ConfigSource of(Map<String, String> values) {
        return new ConfigSource(values, Map.of(), "explicit values");
    }

    /** Returns a copy with {@code overrides} taking precedence over everything else. */
    public ConfigSource with(Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>(fileValues);
        Map<String, String> mergedEnv = new HashMap<>(env);
        overrides.forEach((k, v) -> {
            merged.put(k, v);
            mergedEnv.remove(envName(k));
        });
        return new ConfigSource(merged, mergedEnv, origin + " + overrides");
    }

    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The raw value of {@code key}: environment first, then the file, then {@code <key>.file} contents. */
    public Optional<String> raw(String key) {
        String fromEnv = env.get(envName(key));
        if (fromEnv != null) {
            return Optional.of(fromEnv.trim());
        }
        String fromFile = fileValues.get(key);
        if (fromFile != null) {
            return Optional.of(fromFile);
        }
        String secretFile = Optional.ofNullable(env.get(envName(key + ".file"))).orElse(fileValues.get(key + ".file"));
        if (secretFile != null && !secretFile.isBlank()) {
            try {
                return Optional.of(Files.readString(Path.of(secretFile.trim()), StandardCharsets.UTF_8).strip());
            } catch (IOException e) {
                throw new ConfigException(key + ".file", "cannot read " + key + ".file '" + secretFile.trim() + "': " + e
                        + "; point it to a readable file that holds the value");
            }
        }
        return Optional.empty();
    }

    /** All keys (from the file and from SENTINEL_* variables, in key form) starting with {@code prefix}. */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> result = new TreeMap<>();
        fileValues.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                result.put(k.substring(prefix.length()), v);
            }
        });
        // Pass-through keys from the environment: SENTINEL_KAFKA_CLIENT_SECURITY_PROTOCOL -> security.protocol
        String envPrefix = envName(prefix);
        env.forEach((k, v) -> {
            if (k.startsWith(envPrefix) && k.length() > envPrefix.length()) {
                result.put(k.substring(envPrefix.length()).toLowerCase(Locale.ROOT).replace('_', '.'), v.trim());
            }
        });
        return result;
    }

    public String origin() {
        return origin;
    }
}
