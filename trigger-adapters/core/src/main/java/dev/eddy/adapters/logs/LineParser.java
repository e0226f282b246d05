package dev.eddy.adapters.logs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eddy.schemas.events.LogLevel;
import dev.eddy.schemas.events.LogRecord;
import dev.eddy.schemas.serde.AvroSerde;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a log line (or a multiline event) as a {@link LogRecord}: JSON lines by their keys, logfmt by its pairs,
 * plain text as the message. The level and the time are taken from the usual keys ({@code level}/{@code lvl}/{@code
 * severity}; {@code time}/{@code ts}/{@code timestamp}/{@code @timestamp}), in plain text from a level word and a
 * leading ISO-8601 time. A line that is not what its format says is kept as plain text, with {@code
 * eddy.parse.error} saying why: nothing is lost to a parser.
 */
final class LineParser {

    /** How a file's lines are written. */
    enum Format {
        PLAIN, JSON, LOGFMT
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LEVEL_WORD = Pattern.compile(
            "\\b(TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|CRITICAL)\\b", Pattern.CASE_INSENSITIVE);
    private static final Pattern LEADING_TIME = Pattern.compile(
            "^(\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d{1,9})?(?:Z|[+-]\\d{2}:?\\d{2}))");
    private static final Pattern LOGFMT = Pattern.compile("([^\\s=]+)=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S*)");

    static {
        // A record's enum default (LogLevel.UNKNOWN) is looked up by class name, which Avro allows only for trusted
        // packages: AvroSerde trusts Eddy's events, and must be initialized before a record is built.
        AvroSerde.trust("dev.eddy.schemas.events");
    }

    private LineParser() {
    }

    static LogRecord.Builder parse(Format format, String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        LogRecord.Builder record = LogRecord.newBuilder().setMessage(text).setFields(fields);
        switch (format) {
            case JSON -> {
                try {
                    JsonNode json = JSON.readTree(text);
                    if (json == null || !json.isObject()) {
                        fields.put("eddy.parse.error", "not a JSON object");
                    } else {
                        Iterator<Map.Entry<String, JsonNode>> entries = json.fields();
                        while (entries.hasNext()) {
                            Map.Entry<String, JsonNode> entry = entries.next();
                            JsonNode value = entry.getValue();
                            fields.put(entry.getKey(), value.isValueNode() ? value.asText() : value.toString());
                        }
                        fromFields(record, fields);
                        return record;
                    }
                } catch (IOException e) {
                    fields.put("eddy.parse.error", "not JSON");
                }
            }
            case LOGFMT -> {
                Matcher pair = LOGFMT.matcher(text);
                while (pair.find()) {
                    String value = pair.group(2);
                    if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                        value = value.substring(1, value.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
                    }
                    fields.put(pair.group(1), value);
                }
                if (fields.isEmpty()) {
                    fields.put("eddy.parse.error", "no key=value pairs");
                } else {
                    fromFields(record, fields);
                    return record;
                }
            }
            default -> {
            }
        }
        Matcher level = LEVEL_WORD.matcher(text);
        if (level.find()) {
            record.setLevel(level(level.group(1)));
        }
        Matcher time = LEADING_TIME.matcher(text);
        if (time.find()) {
            record.setTimestamp(instant(time.group(1)));
        }
        return record;
    }

    private static void fromFields(LogRecord.Builder record, Map<String, String> fields) {
        for (String key : new String[] {"msg", "message"}) {
            if (fields.containsKey(key)) {
                record.setMessage(fields.get(key));
                break;
            }
        }
        for (String key : new String[] {"level", "lvl", "severity"}) {
            if (fields.containsKey(key)) {
                record.setLevel(level(fields.get(key)));
                break;
            }
        }
        for (String key : new String[] {"time", "ts", "timestamp", "@timestamp"}) {
            if (fields.containsKey(key)) {
                record.setTimestamp(instant(fields.get(key)));
                if (record.getTimestamp() != null) {
                    break;
                }
            }
        }
    }

    static LogLevel level(String word) {
        return switch (word.toUpperCase(Locale.ROOT)) {
            case "TRACE" -> LogLevel.TRACE;
            case "DEBUG" -> LogLevel.DEBUG;
            case "INFO", "INFORMATION", "NOTICE" -> LogLevel.INFO;
            case "WARN", "WARNING" -> LogLevel.WARN;
            case "ERROR", "ERR" -> LogLevel.ERROR;
            case "FATAL", "CRITICAL", "CRIT", "EMERG", "ALERT" -> LogLevel.FATAL;
            default -> LogLevel.UNKNOWN;
        };
    }

    /** An ISO-8601 instant, epoch milliseconds, or null. */
    private static Instant instant(String text) {
        try {
            if (text.matches("\\d{12,14}")) {
                return Instant.ofEpochMilli(Long.parseLong(text));
            }
            String iso = text.replace(' ', 'T').replace(',', '.');
            if (iso.matches(".*[+-]\\d{4}$")) {
                iso = iso.substring(0, iso.length() - 2) + ":" + iso.substring(iso.length() - 2);
            }
            return java.time.OffsetDateTime.parse(iso).toInstant();
        } catch (DateTimeParseException | NumberFormatException e) {
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException again) {
                return null;
            }
        }
    }
}
