package dev.eddy.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.eddy.observability.SecretReferences;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * An adapter's configuration file (YAML), read field by field: each getter names the field by its path, and a wrong
 * value fails with the path, the value and what would be valid. Fields the adapter does not know are refused, so
 * that a misspelt one is not silently ignored. Secret values may be given as {@code env:NAME} or {@code file:/path}.
 */
public final class Settings {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final JsonNode node;
    private final String path;
    private final Function<String, String> environment;

    private Settings(JsonNode node, String path, Function<String, String> environment) {
        this.node = node;
        this.path = path;
        this.environment = environment;
    }

    /** Reads a configuration file. */
    public static Settings read(Path file) {
        try {
            return parse(Files.readString(file), System::getenv);
        } catch (IOException e) {
            throw new AdapterException("Cannot read the configuration file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads configuration text; {@code environment} resolves {@code env:} references. */
    public static Settings parse(String yaml, Function<String, String> environment) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AdapterException("The configuration is not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"), e);
        } catch (IOException e) {
            throw new AdapterException("The configuration cannot be read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new AdapterException("The configuration must be a YAML mapping of settings, such as kafka: and mqtt:");
        }
        return new Settings(root, "", environment);
    }

    /**
     * Settings given as values rather than text (maps, lists, strings, numbers), as a program builds them: nothing is
     * quoted or escaped, so no value can change the structure around it.
     */
    public static Settings of(Map<String, ?> values, Function<String, String> environment) {
        return new Settings(YAML.valueToTree(values), "", environment);
    }

    /** These settings with a section added, or replaced when it is there. */
    public Settings with(String section, Map<String, ?> values) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = ((com.fasterxml.jackson.databind.node.ObjectNode) node)
                .deepCopy();
        copy.set(section, YAML.valueToTree(values));
        return new Settings(copy, path, environment);
    }

    /** Where a field of this section is in the file, as errors name it: {@code mqtt.routes[0].topic}. */
    public String at(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    /** A value as an error shows it: numbers and booleans as they are, text quoted. */
    private static Object shown(JsonNode value) {
        return value.isNumber() ? value.numberValue() : value.isBoolean() ? value.booleanValue() : value.asText();
    }

    private JsonNode get(String name) {
        JsonNode value = node.path(name);
        return value.isNull() ? MissingNode.getInstance() : value;
    }

    public boolean has(String name) {
        return !get(name).isMissingNode();
    }

    /** A nested section; an absent one reads as empty. */
    public Settings section(String name) {
        JsonNode value = get(name);
        if (!value.isMissingNode() && !value.isObject()) {
            throw AdapterException.invalid(at(name), value.asText(), "a mapping of settings");
        }
        return new Settings(value.isMissingNode() ? YAML.createObjectNode() : value, at(name), environment);
    }

    /** A list of sections. */
    public List<Settings> list(String name) {
        JsonNode value = get(name);
        if (value.isMissingNode()) {
            return List.of();
        }
        if (!value.isArray()) {
            throw AdapterException.invalid(at(name), value.asText(), "a list");
        }
        List<Settings> items = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            if (!item.isObject()) {
                throw AdapterException.invalid(at(name) + "[" + i + "]", item.asText(), "a mapping of settings");
            }
            items.add(new Settings(item, at(name) + "[" + i + "]", environment));
        }
        return items;
    }

    public String text(String name, String defaultValue) {
        JsonNode value = get(name);
        if (value.isMissingNode()) {
            return defaultValue;
        }
        if (!value.isValueNode()) {
            throw AdapterException.invalid(at(name), value.toString(), "a single value");
        }
        return value.asText();
    }

    public String requiredText(String name, String valid) {
        String value = text(name, null);
        if (value == null || value.isBlank()) {
            throw AdapterException.invalid(at(name), value, valid);
        }
        return value;
    }

    /**
     * A secret: {@code env:NAME} (an environment variable), {@code file:/path} (its contents without trailing
     * whitespace), or as given ({@link SecretReferences}, as a function's manifest reads them).
     */
    public String secret(String name) {
        String value = text(name, null);
        return value == null ? null : resolve(at(name), value);
    }

    private String resolve(String where, String value) {
        if (!SecretReferences.isReference(value)) {
            return value;
        }
        try {
            return SecretReferences.resolve(value, environment);
        } catch (SecretReferences.Unresolved e) {
            throw new AdapterException("'" + where + "' names a secret that cannot be read: " + e.getMessage(), e);
        }
    }

    public int integer(String name, int defaultValue, int min, int max) {
        JsonNode value = get(name);
        if (value.isMissingNode()) {
            return defaultValue;
        }
        if (!value.canConvertToInt() || !value.isIntegralNumber() || value.asInt() < min || value.asInt() > max) {
            throw AdapterException.invalid(at(name), shown(value), "a whole number from " + min + " to " + max);
        }
        return value.asInt();
    }

    public boolean bool(String name, boolean defaultValue) {
        JsonNode value = get(name);
        if (value.isMissingNode()) {
            return defaultValue;
        }
        if (!value.isBoolean()) {
            throw AdapterException.invalid(at(name), shown(value), "true or false");
        }
        return value.asBoolean();
    }

    /** A duration such as {@code 500ms}, {@code 20s}, {@code 5m}, {@code 1h} or {@code PT5S}. */
    public Duration duration(String name, Duration defaultValue, Duration min, Duration max) {
        String text = text(name, null);
        if (text == null) {
            return defaultValue;
        }
        Duration value = parseDuration(text.strip());
        if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw AdapterException.invalid(at(name), text, "a duration from " + min + " to " + max
                    + ", such as 500ms, 20s, 5m or 1h");
        }
        return value;
    }

    private static Duration parseDuration(String text) {
        try {
            if (text.startsWith("P") || text.startsWith("p")) {
                return Duration.parse(text);
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(text);
            if (!m.matches()) {
                return null;
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** One of the given words, case-insensitive, '-' for '_' ({@code catch-up} for {@code CATCH_UP}). */
    public <E extends Enum<E>> E choice(String name, Class<E> type, E defaultValue) {
        String text = text(name, null);
        if (text == null) {
            return defaultValue;
        }
        String given = text.strip().replace('-', '_');
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(given)) {
                return constant;
            }
        }
        List<String> names = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            names.add(constant.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        }
        throw AdapterException.invalid(at(name), text, "one of " + String.join(", ", names));
    }

    /** A list of single values. */
    public List<String> textList(String name) {
        JsonNode value = get(name);
        List<String> items = new ArrayList<>();
        if (value.isMissingNode()) {
            return items;
        }
        if (!value.isArray()) {
            throw AdapterException.invalid(at(name), shown(value), "a list");
        }
        for (int i = 0; i < value.size(); i++) {
            if (!value.get(i).isValueNode() || value.get(i).isNull()) {
                throw AdapterException.invalid(at(name) + "[" + i + "]", value.get(i).toString(), "a single value");
            }
            items.add(value.get(i).asText());
        }
        return items;
    }

    /** A list of secrets, each {@code env:NAME}, {@code file:/path} or as given. */
    public List<String> secretList(String name) {
        List<String> resolved = new ArrayList<>();
        List<String> given = textList(name);
        for (int i = 0; i < given.size(); i++) {
            resolved.add(resolve(at(name) + "[" + i + "]", given.get(i)));
        }
        return resolved;
    }

    /** A mapping of text to text (for example Kafka client settings). */
    public Map<String, String> textMap(String name) {
        JsonNode value = get(name);
        Map<String, String> map = new LinkedHashMap<>();
        if (value.isMissingNode()) {
            return map;
        }
        if (!value.isObject()) {
            throw AdapterException.invalid(at(name), value.asText(), "a mapping of names to values");
        }
        Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!field.getValue().isValueNode()) {
                throw AdapterException.invalid(at(name) + "." + field.getKey(), field.getValue().toString(),
                        "a single value");
            }
            map.put(field.getKey(), field.getValue().asText());
        }
        return map;
    }

    /**
     * Refuses fields other than these, naming the one it does not know and those it does.
     *
     * @throws AdapterException for an unknown field
     */
    public Settings only(String... known) {
        Set<String> names = Set.of(known);
        Iterator<String> fields = node.fieldNames();
        while (fields.hasNext()) {
            String field = fields.next();
            if (!names.contains(field)) {
                throw new AdapterException("'" + at(field) + "' is not a setting here; the settings of "
                        + (path.isEmpty() ? "the file" : "'" + path + "'") + " are "
                        + String.join(", ", new java.util.TreeSet<>(names)));
            }
        }
        return this;
    }

    /** Where this section is in the file ({@code ""} for the top). */
    public String path() {
        return path;
    }
}
