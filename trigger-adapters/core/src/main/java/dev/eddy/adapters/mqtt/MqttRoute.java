package dev.eddy.adapters.mqtt;

import dev.eddy.adapters.AdapterException;
import dev.eddy.adapters.EventFormat;
import dev.eddy.adapters.Settings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the messages of an MQTT topic filter go: a filter template whose {@code {name}} levels match one level each
 * and are named ({@code sensors/{device}/{quantity}}; {@code +} and a last {@code #} as in MQTT), the Kafka topic
 * and the record key as templates over those names ({@code iot.telemetry}, {@code {device}}), and how the payload
 * is read.
 *
 * @param type the CloudEvents type of its events
 * @param units the unit of each reading, by reading name (UCUM where there is one: {@code Cel}, {@code %})
 * @param format how its events are written; null for the adapter's {@code kafka.format}
 */
public record MqttRoute(String template, String filter, Pattern pattern, List<String> names, String topic, String key,
        Payload payload, String type, Map<String, String> units, EventFormat format) {

    /** How a message's payload is read. */
    public enum Payload {
        /** A JSON number or object of readings: becomes {@code Telemetry} readings and attributes. */
        JSON,
        /** Kept as it came, in {@code Telemetry.payload}. */
        RAW
    }

    private static final Pattern NAME = Pattern.compile("\\{([A-Za-z][A-Za-z0-9_]*)}");
    private static final Pattern KAFKA_TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");

    /** The variables of a matching MQTT topic, by name, or null when it does not match. */
    public Map<String, String> match(String mqttTopic) {
        Matcher m = pattern.matcher(mqttTopic);
        if (!m.matches()) {
            return null;
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            values.put(names.get(i), m.group(i + 1));
        }
        return values;
    }

    /** A template with its {@code {name}}s filled in. */
    public static String fill(String template, Map<String, String> values, String mqttTopic) {
        Matcher m = NAME.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value = name.equals("topic") ? mqttTopic : values.get(name);
            m.appendReplacement(out, Matcher.quoteReplacement(value == null ? "" : value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Whether a Kafka topic name is one Kafka takes. */
    public static boolean validKafkaTopic(String topic) {
        return KAFKA_TOPIC.matcher(topic).matches() && !topic.equals(".") && !topic.equals("..");
    }

    /** Whether the Kafka topic depends on the MQTT topic (so that it cannot be checked before a message). */
    public boolean topicVaries() {
        return NAME.matcher(topic).find();
    }

    /** Reads one route of the configuration ({@code mqtt.routes[i]}). */
    public static MqttRoute read(Settings route) {
        route.only("filter", "topic", "key", "payload", "type", "units", "format");
        String template = route.requiredText("filter", "an MQTT topic filter such as sensors/{device}/{quantity}");
        String[] levels = template.split("/", -1);
        StringBuilder filter = new StringBuilder();
        StringBuilder regex = new StringBuilder();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (i > 0) {
                filter.append('/');
                regex.append('/');
            }
            Matcher name = NAME.matcher(level);
            if (name.matches()) {
                if (names.contains(name.group(1)) || name.group(1).equals("topic")) {
                    throw new AdapterException("'" + route.at("filter") + "' is '" + template + "': the name {"
                            + name.group(1) + "} is used twice or is reserved ({topic} is the whole MQTT topic)");
                }
                names.add(name.group(1));
                filter.append('+');
                regex.append("([^/]*)");
            } else if (level.equals("+")) {
                filter.append('+');
                regex.append("[^/]*");
            } else if (level.equals("#")) {
                if (i != levels.length - 1) {
                    throw AdapterException.invalid(route.at("filter"), template,
                            "an MQTT topic filter with '#' only as its last level");
                }
                filter.append('#');
                if (regex.length() > 0) {
                    regex.setLength(regex.length() - 1);
                    regex.append("(?:/.*)?");
                } else {
                    regex.append(".*");
                }
            } else if (level.contains("+") || level.contains("#") || level.contains("{") || level.contains("}")) {
                throw AdapterException.invalid(route.at("filter"), template, "an MQTT topic filter whose levels"
                        + " are words, {name}, + or a last #");
            } else {
                filter.append(level);
                regex.append(Pattern.quote(level));
            }
        }
        String topic = route.requiredText("topic", "the Kafka topic, such as iot.telemetry or iot.{quantity}");
        checkNames(route.at("topic"), topic, names);
        if (!NAME.matcher(topic).find() && !validKafkaTopic(topic)) {
            throw AdapterException.invalid(route.at("topic"), topic,
                    "a Kafka topic name: 1 to 249 letters, digits, '.', '_' or '-'");
        }
        String key = route.text("key", names.contains("device") ? "{device}" : "{topic}");
        checkNames(route.at("key"), key, names);
        return new MqttRoute(template, filter.toString(), Pattern.compile(regex.toString()), List.copyOf(names), topic,
                key, route.choice("payload", Payload.class, Payload.JSON),
                route.text("type", "dev.eddy.iot.telemetry"), Map.copyOf(route.textMap("units")),
                EventFormat.read(route, "format", null));
    }

    private static void checkNames(String path, String template, List<String> names) {
        Matcher m = NAME.matcher(template);
        while (m.find()) {
            if (!m.group(1).equals("topic") && !names.contains(m.group(1))) {
                throw AdapterException.invalid(path, template, "a template over the filter's names " + names
                        + " and {topic}");
            }
        }
    }
}
