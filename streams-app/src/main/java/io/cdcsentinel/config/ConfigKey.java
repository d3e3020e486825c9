package io.cdcsentinel.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One typed, validated configuration key, in the manner of Debezium's {@code Field.create(...)
 * .withValidation(...)}: a name, a parser, an optional default, a check and a sentence that says what
 * is valid. {@link #read(ConfigSource)} either returns a valid value or throws a {@link ConfigException}
 * naming the key, the value and the expectation.
 */
public final class ConfigKey<T> {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private final String name;
    private final Function<String, T> parser;
    private final String expected;
    private final String defaultValue;
    private final boolean required;
    private final boolean secret;
    private final Predicate<T> check;
    private final String doc;

    private ConfigKey(String name, Function<String, T> parser, String expected, String defaultValue, boolean required,
            boolean secret, Predicate<T> check, String doc) {
        this.name = name;
        this.parser = parser;
        this.expected = expected;
        this.defaultValue = defaultValue;
        this.required = required;
        this.secret = secret;
        this.check = check;
        this.doc = doc;
    }

    public static ConfigKey<String> string(String name, String doc) {
        return new ConfigKey<>(name, Function.identity(), "a non-empty string", null, false, false, s -> !s.isBlank(), doc);
    }

    public static ConfigKey<Integer> integer(String name, String doc) {
        return new ConfigKey<>(name, Integer::parseInt, "an integer", null, false, false, v -> true, doc);
    }

    public static ConfigKey<Long> longValue(String name, String doc) {
        return new ConfigKey<>(name, Long::parseLong, "an integer", null, false, false, v -> true, doc);
    }

    public static ConfigKey<Double> decimal(String name, String doc) {
        return new ConfigKey<>(name, Double::parseDouble, "a number", null, false, false, v -> !v.isNaN(), doc);
    }

    public static ConfigKey<Boolean> bool(String name, String doc) {
        return new ConfigKey<>(name, ConfigKey::parseBoolean, "true or false", null, false, false, v -> true, doc);
    }

    /** Durations as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d} or ISO-8601 ({@code PT5M}). */
    public static ConfigKey<Duration> duration(String name, String doc) {
        return new ConfigKey<>(name, ConfigKey::parseDuration, "a duration such as 500ms, 30s, 5m, 2h, 7d or PT5M",
                null, false, false, d -> !d.isNegative(), doc);
    }

    public static ConfigKey<URI> httpUrl(String name, String doc) {
        return new ConfigKey<>(name, URI::create, "an http:// or https:// URL such as http://127.0.0.1:8123", null, false,
                false, u -> ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null, doc);
    }

    public static <E extends Enum<E>> ConfigKey<E> enumeration(String name, Class<E> type, String doc) {
        List<String> names = java.util.Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).toList();
        return new ConfigKey<>(name, s -> Enum.valueOf(type, s.trim().toUpperCase(Locale.ROOT).replace('-', '_')),
                "one of " + names, null, false, false, v -> true, doc);
    }

    public ConfigKey<T> withDefault(String value) {
        return new ConfigKey<>(name, parser, expected, value, required, secret, check, doc);
    }

    /** The key has no default and must be set. */
    public ConfigKey<T> required() {
        return new ConfigKey<>(name, parser, expected, null, true, secret, check, doc);
    }

    /** The value is masked in every message; it may also come from {@code <key>.file}. */
    public ConfigKey<T> secret() {
        return new ConfigKey<>(name, parser, expected, defaultValue, required, true, check, doc);
    }

    public ConfigKey<T> validate(Predicate<T> extraCheck, String expectation) {
        return new ConfigKey<>(name, parser, expectation, defaultValue, required, secret, check.and(extraCheck), doc);
    }

    public ConfigKey<T> atLeast(T min) {
        @SuppressWarnings("unchecked")
        Predicate<T> ge = v -> ((Comparable<T>) v).compareTo(min) >= 0;
        return validate(ge, expected + " >= " + min);
    }

    public ConfigKey<T> between(T min, T max) {
        @SuppressWarnings("unchecked")
        Predicate<T> in = v -> ((Comparable<T>) v).compareTo(min) >= 0 && ((Comparable<T>) v).compareTo(max) <= 0;
        return validate(in, expected + " between " + min + " and " + max);
    }

    public String name() {
        return name;
    }

    public String envName() {
        return ConfigSource.envName(name);
    }

    public String doc() {
        return doc;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public boolean isRequired() {
        return required;
    }

    public boolean isSecret() {
        return secret;
    }

    public String expected() {
        return expected;
    }

    /** Reads, parses and validates the value; the default applies when the key is absent. */
    public T read(ConfigSource source) {
        String raw = source.raw(name).orElse(null);
        if (raw == null || (raw.isEmpty() && defaultValue != null)) {
            if (defaultValue == null) {
                if (required) {
                    throw new ConfigException(name, "missing required configuration " + name + " (environment variable "
                            + envName() + "): expected " + expected + (doc == null ? "" : " - " + doc));
                }
                return null;
            }
            raw = defaultValue;
        }
        T value;
        try {
            value = parser.apply(raw);
        } catch (RuntimeException e) {
            throw invalid(raw);
        }
        if (value == null || !check.test(value)) {
            throw invalid(raw);
        }
        return value;
    }

    private ConfigException invalid(String raw) {
        String shown = secret ? "(secret, " + raw.length() + " characters)" : "'" + raw + "'";
        return new ConfigException(name, "invalid value " + shown + " for " + name + " (environment variable " + envName()
                + "): expected " + expected);
    }

    static Boolean parseBoolean(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true", "yes", "on", "1" -> Boolean.TRUE;
            case "false", "no", "off", "0" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException(s);
        };
    }

    public static Duration parseDuration(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        if (v.startsWith("pt") || v.startsWith("p")) {
            return Duration.parse(v.toUpperCase(Locale.ROOT));
        }
        Matcher m = DURATION.matcher(v);
        if (!m.matches()) {
            throw new IllegalArgumentException(s);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> throw new IllegalArgumentException(s);
        };
    }

    @Override
    public String toString() {
        return name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfigKey<?> other && other.name.equals(name);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name);
    }
}
