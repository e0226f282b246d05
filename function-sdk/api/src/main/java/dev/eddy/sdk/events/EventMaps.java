package dev.eddy.sdk.events;

import dev.eddy.sdk.Event;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The adapter events' JSON, both ways: what the adapters write and the codecs read, in one place. Times are
 * ISO-8601 text (epoch milliseconds are read too), bytes base64 (the Avro binding gives {@code byte[]}).
 */
final class EventMaps {

    /** What a codec reads: the value's data (null when the event carries it in headers), the event, the bytes. */
    record Input(Map<String, Object> data, Event event, byte[] value) {
    }

    /** Names a device payload's time goes by. */
    private static final Set<String> TIME_NAMES = Set.of("ts", "time", "timestamp", "measuredAt");

    private EventMaps() {
    }

    // Telemetry

    static Telemetry telemetry(Input input) {
        Map<String, Object> data = input.data();
        String device = text(data.get("device"));
        if (device == null && input.event() != null) {
            device = input.event().headers().lastString("ce_subject").orElse(input.event().key() == null ? null
                    : input.event().keyAsString());
        }
        if (device == null) {
            throw new IllegalArgumentException("no device: neither a \"device\" field nor a record key");
        }
        if (data.get("readings") instanceof List<?> list) {
            List<Telemetry.Reading> readings = new ArrayList<>();
            for (Object item : list) {
                Map<String, Object> reading = object(item, "a reading");
                readings.add(new Telemetry.Reading(required(reading, "name"), number(reading.get("value"), "value"),
                        text(reading.get("unit"))));
            }
            return new Telemetry(device, readings, instant(data.get("measuredAt")), texts(data.get("attributes")),
                    bytes(data.get("payload")));
        }
        // A device's own JSON: its numbers are readings, its time is when it measured, the rest attributes.
        List<Telemetry.Reading> readings = new ArrayList<>();
        Map<String, String> attributes = new LinkedHashMap<>();
        Instant measuredAt = null;
        for (Map.Entry<String, Object> field : data.entrySet()) {
            String name = field.getKey();
            Object value = field.getValue();
            if (name.equals("device")) {
                continue;
            }
            if (TIME_NAMES.contains(name) && measuredAt == null) {
                measuredAt = instant(value);
            } else if (value instanceof Number number) {
                readings.add(new Telemetry.Reading(name, number.doubleValue(), null));
            } else if (value instanceof Map<?, ?> nested && nested.get("value") instanceof Number number) {
                readings.add(new Telemetry.Reading(name, number.doubleValue(), text(nested.get("unit"))));
            } else if (value != null) {
                attributes.put(name, value instanceof String s ? s : String.valueOf(value));
            }
        }
        if (readings.isEmpty()) {
            throw new IllegalArgumentException("no readings: expected \"readings\": [...] or numbers such as"
                    + " {\"device\": \"d-7\", \"celsius\": 21.5}");
        }
        return new Telemetry(device, readings, measuredAt, attributes, null);
    }

    static Map<String, Object> map(Telemetry telemetry) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("device", telemetry.device());
        List<Map<String, Object>> readings = new ArrayList<>();
        for (Telemetry.Reading reading : telemetry.readings()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("name", reading.name());
            one.put("value", reading.value());
            one.put("unit", reading.unit());
            readings.add(one);
        }
        map.put("readings", readings);
        map.put("measuredAt", telemetry.measuredAt() == null ? null : telemetry.measuredAt().toString());
        map.put("attributes", telemetry.attributes());
        if (telemetry.payload() != null) {
            map.put("payload", Base64.getEncoder().encodeToString(telemetry.payload()));
        }
        return map;
    }

    // Log lines

    static LogLine logLine(Input input) {
        Map<String, Object> data = input.data();
        return new LogLine(instant(data.get("timestamp")), text(data.get("level")), required(data, "message"),
                texts(data.get("fields")), text(data.get("host")), text(data.get("file")),
                data.get("offset") == null ? null : (long) number(data.get("offset"), "offset"));
    }

    static Map<String, Object> map(LogLine line) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("timestamp", line.timestamp() == null ? null : line.timestamp().toString());
        map.put("level", line.level());
        map.put("message", line.message());
        map.put("fields", line.fields());
        map.put("host", line.host());
        map.put("file", line.file());
        map.put("offset", line.offset());
        return map;
    }

    // Row changes

    static RowChange rowChange(Input input) {
        Map<String, Object> data = input.data();
        Map<String, Object> source = object(data.get("source"), "source");
        return new RowChange(nullableTexts(data.get("before")), nullableTexts(data.get("after")),
                required(data, "op"),
                new RowChange.Source(text(source.get("connector")), text(source.get("db")),
                        text(source.get("schema")), text(source.get("table")),
                        (long) number(source.get("tsMs"), "source.tsMs"), text(source.get("snapshot")),
                        source.get("lsn") == null ? null : (long) number(source.get("lsn"), "source.lsn"),
                        source.get("txId") == null ? null : (long) number(source.get("txId"), "source.txId")),
                (long) number(data.get("tsMs"), "tsMs"));
    }

    static Map<String, Object> map(RowChange change) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("before", change.before());
        map.put("after", change.after());
        map.put("op", change.op());
        RowChange.Source source = change.source();
        Map<String, Object> from = new LinkedHashMap<>();
        from.put("connector", source.connector());
        from.put("db", source.db());
        from.put("schema", source.schema());
        from.put("table", source.table());
        from.put("tsMs", source.tsMs());
        from.put("snapshot", source.snapshot());
        from.put("lsn", source.lsn());
        from.put("txId", source.txId());
        map.put("source", from);
        map.put("tsMs", change.tsMs());
        return map;
    }

    // Timer ticks

    static TimerTick timerTick(Input input) {
        Map<String, Object> data = input.data();
        return new TimerTick(required(data, "schedule"), text(data.get("expression")),
                requiredInstant(data, "scheduledAt"), requiredInstant(data, "firedAt"),
                (long) number(data.get("sequence"), "sequence"));
    }

    static Map<String, Object> map(TimerTick tick) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("schedule", tick.schedule());
        map.put("expression", tick.expression());
        map.put("scheduledAt", tick.scheduledAt().toString());
        map.put("firedAt", tick.firedAt().toString());
        map.put("sequence", tick.sequence());
        return map;
    }

    // HTTP requests

    static HttpRequest httpRequest(Input input) {
        Map<String, Object> data = input.data();
        if (data == null) {
            Event event = input.event();
            return new HttpRequest(event.headers().lastString(AdapterEvents.HTTP_METHOD).orElseThrow(),
                    event.headers().lastString(AdapterEvents.HTTP_PATH).orElse("/"),
                    query(event.headers().lastString(AdapterEvents.HTTP_QUERY).orElse("")), Map.of(),
                    event.headers().lastString("content-type").orElse(null), input.value());
        }
        return new HttpRequest(required(data, "method"), required(data, "path"), texts(data.get("query")),
                texts(data.get("headers")), text(data.get("contentType")), bytes(data.get("body")));
    }

    static Map<String, Object> map(HttpRequest request) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("method", request.method());
        map.put("path", request.path());
        map.put("query", request.query());
        map.put("headers", request.headers());
        map.put("contentType", request.contentType());
        map.put("body", Base64.getEncoder().encodeToString(request.body()));
        return map;
    }

    /** A query string's parameters, the first value of each, decoded. */
    static Map<String, String> query(String query) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int at = pair.indexOf('=');
            String name = decode(at < 0 ? pair : pair.substring(0, at));
            parameters.putIfAbsent(name, at < 0 ? "" : decode(pair.substring(at + 1)));
        }
        return parameters;
    }

    private static String decode(String text) {
        return java.net.URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    // Values

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object value, String what) {
        if (!(value instanceof Map)) {
            throw new IllegalArgumentException(what + " is not an object: " + value);
        }
        return (Map<String, Object>) value;
    }

    private static String required(Map<String, Object> data, String name) {
        String text = text(data.get(name));
        if (text == null) {
            throw new IllegalArgumentException("no \"" + name + "\"");
        }
        return text;
    }

    private static Instant requiredInstant(Map<String, Object> data, String name) {
        Instant instant = instant(data.get(name));
        if (instant == null) {
            throw new IllegalArgumentException("no \"" + name + "\"");
        }
        return instant;
    }

    private static String text(Object value) {
        if (value == null) {
            return null;
        }
        return value instanceof String s ? s : String.valueOf(value);
    }

    private static double number(Object value, String name) {
        if (value instanceof Number number) {
            return number.doubleValue();
        }
        if (value instanceof String s) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("\"" + name + "\" is not a number: " + s, e);
            }
        }
        throw new IllegalArgumentException("\"" + name + "\" is not a number: " + value);
    }

    private static Instant instant(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Instant instant) {
            return instant;
        }
        if (value instanceof Number number) {
            return Instant.ofEpochMilli(number.longValue());
        }
        try {
            return Instant.parse(value.toString());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not a time (ISO-8601 or epoch milliseconds): " + value, e);
        }
    }

    private static Map<String, String> texts(Object value) {
        if (value == null) {
            return Map.of();
        }
        Map<String, String> texts = new LinkedHashMap<>();
        object(value, "a map").forEach((name, text) -> {
            if (text != null) {
                texts.put(name, text(text));
            }
        });
        return texts;
    }

    private static Map<String, String> nullableTexts(Object value) {
        if (value == null) {
            return null;
        }
        Map<String, String> texts = new LinkedHashMap<>();
        object(value, "a row").forEach((name, text) -> texts.put(name, text(text)));
        return texts;
    }

    private static byte[] bytes(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof byte[] bytes) {
            return bytes;
        }
        try {
            return Base64.getDecoder().decode(value.toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not base64: " + value.toString().toLowerCase(Locale.ROOT), e);
        }
    }
}
