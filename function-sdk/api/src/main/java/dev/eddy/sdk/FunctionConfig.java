package dev.eddy.sdk;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A function's own configuration values, from the {@code config} section of its manifest: typed getters that
 * say, when a value is missing or malformed, which key, what value and what would be valid.
 */
public final class FunctionConfig {

    /** What a duration looks like, for error messages. */
    public static final String DURATION_FORMAT = "a duration such as 500ms, 20s, 5m, 1h or PT5S";

    private static final FunctionConfig EMPTY = new FunctionConfig(Map.of());
    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d{1,18})\\s*(ms|s|m|h)");

    private final Map<String, String> values;

    private FunctionConfig(Map<String, String> values) {
        this.values = values;
    }

    public static FunctionConfig of(Map<String, String> values) {
        return values.isEmpty() ? EMPTY : new FunctionConfig(Map.copyOf(values));
    }

    public static FunctionConfig empty() {
        return EMPTY;
    }

    /** The value, if the key is set. */
    public Optional<String> find(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** The value as text. @throws IllegalArgumentException when the key is not set */
    public String string(String key) {
        String value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("config key '" + key + "' is not set; the function's config has "
                    + (values.isEmpty() ? "no keys" : "the keys " + new TreeMap<>(values).keySet()));
        }
        return value;
    }

    public String string(String key, String defaultValue) {
        return values.getOrDefault(key, defaultValue);
    }

    /** The value as an int. @throws IllegalArgumentException when missing or not an integer */
    public int integer(String key) {
        return parse(key, string(key), "an integer", Integer::parseInt);
    }

    public int integer(String key, int defaultValue) {
        return values.containsKey(key) ? integer(key) : defaultValue;
    }

    /** The value as a double. @throws IllegalArgumentException when missing or not a number */
    public double number(String key) {
        return parse(key, string(key), "a number", Double::parseDouble);
    }

    public double number(String key, double defaultValue) {
        return values.containsKey(key) ? number(key) : defaultValue;
    }

    /** The value as a boolean: {@code true} or {@code false}. */
    public boolean bool(String key) {
        String value = string(key);
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw invalid(key, value, "true or false");
        };
    }

    public boolean bool(String key, boolean defaultValue) {
        return values.containsKey(key) ? bool(key) : defaultValue;
    }

    /** The value as a duration: ISO-8601 ({@code PT5S}) or a number and a unit ({@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}). */
    public Duration duration(String key) {
        String value = string(key).trim();
        try {
            return parseDuration(value);
        } catch (IllegalArgumentException e) {
            throw invalid(key, value, "a duration such as 500ms, 5s, 2m, 1h or PT5S");
        }
    }

    /**
     * A duration as Eddy writes them everywhere — config values, manifests, its command line: a whole number and a
     * unit ({@code 500ms}, {@code 20s}, {@code 5m}, {@code 1h}) or ISO-8601 ({@code PT5S}).
     *
     * @throws IllegalArgumentException naming the text and what a duration looks like
     */
    public static Duration parseDuration(String text) {
        Matcher simple = SIMPLE_DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (simple.matches()) {
            long amount = Long.parseLong(simple.group(1));
            return switch (simple.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            };
        }
        try {
            return Duration.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not " + DURATION_FORMAT, e);
        }
    }

    public Duration duration(String key, Duration defaultValue) {
        return values.containsKey(key) ? duration(key) : defaultValue;
    }

    /** Every key and value. */
    public Map<String, String> asMap() {
        return values;
    }

    @Override
    public String toString() {
        return new TreeMap<>(values).toString();
    }

    private interface Parser<T> {
        T parse(String value);
    }

    private static <T> T parse(String key, String value, String what, Parser<T> parser) {
        try {
            return parser.parse(value.trim());
        } catch (NumberFormatException e) {
            throw invalid(key, value, what);
        }
    }

    private static IllegalArgumentException invalid(String key, String value, String valid) {
        return new IllegalArgumentException("config key '" + key + "' has the value '" + value + "', which is not "
                + valid);
    }
}
