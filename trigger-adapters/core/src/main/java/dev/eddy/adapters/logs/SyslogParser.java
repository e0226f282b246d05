package dev.eddy.adapters.logs;

import dev.eddy.schemas.events.LogLevel;
import dev.eddy.schemas.events.LogRecord;
import dev.eddy.schemas.serde.AvroSerde;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.Year;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a syslog message, RFC 5424 ({@code <34>1 2026-11-27T10:15:30Z host app 123 ID47 [sd] message}) or the older
 * BSD form of RFC 3164 ({@code <34>Nov 27 10:15:30 host app[123]: message}), as a {@link LogRecord}: the severity as
 * its level, the time, the host, and the facility, severity, app, process id, message id and structured data as
 * fields. What is neither is kept whole as the message, with {@code eddy.parse.error}.
 */
final class SyslogParser {

    static {
        AvroSerde.trust("dev.eddy.schemas.events"); // see LineParser
    }

    private static final Pattern PRI = Pattern.compile("^<(\\d{1,3})>");
    private static final Pattern RFC5424 = Pattern.compile(
            "^<(\\d{1,3})>1 (\\S+) (\\S+) (\\S+) (\\S+) (\\S+) (-|(?:\\[(?:[^\\]\\\\]|\\\\.)*\\])+)(?: (.*))?$",
            Pattern.DOTALL);
    private static final Pattern RFC3164 = Pattern.compile(
            "^<(\\d{1,3})>([A-Z][a-z]{2} [ \\d]\\d \\d{2}:\\d{2}:\\d{2}) (\\S+) ([^:\\[\\s]+)(?:\\[(\\d+)\\])?: ?(.*)$",
            Pattern.DOTALL);
    private static final String[] FACILITIES = {"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
        "uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2", "local3",
        "local4", "local5", "local6", "local7"};

    private SyslogParser() {
    }

    static LogRecord.Builder parse(String message) {
        Map<String, String> fields = new LinkedHashMap<>();
        LogRecord.Builder record = LogRecord.newBuilder().setMessage(message).setFields(fields);
        Matcher m = RFC5424.matcher(message);
        if (m.matches()) {
            priority(record, fields, Integer.parseInt(m.group(1)));
            if (!m.group(2).equals("-")) {
                try {
                    record.setTimestamp(OffsetDateTime.parse(m.group(2)).toInstant());
                } catch (DateTimeParseException e) {
                    fields.put("eddy.parse.error", "the time '" + m.group(2) + "' is not RFC 3339");
                }
            }
            nil(record, m.group(3));
            put(fields, "app", m.group(4));
            put(fields, "procid", m.group(5));
            put(fields, "msgid", m.group(6));
            put(fields, "structuredData", m.group(7));
            String text = m.group(8) == null ? "" : m.group(8);
            record.setMessage(text.startsWith("\uFEFF") ? text.substring(1) : text);
            return record;
        }
        m = RFC3164.matcher(message);
        if (m.matches()) {
            priority(record, fields, Integer.parseInt(m.group(1)));
            try {
                LocalDateTime local = LocalDateTime.parse(Year.now(ZoneOffset.UTC) + " " + m.group(2),
                        DateTimeFormatter.ofPattern("yyyy MMM ppd HH:mm:ss", Locale.ENGLISH));
                record.setTimestamp(local.toInstant(ZoneOffset.UTC)); // the BSD form has no zone: taken as UTC
            } catch (DateTimeParseException e) {
                fields.put("eddy.parse.error", "the time '" + m.group(2) + "' is not 'Mmm dd hh:mm:ss'");
            }
            record.setHost(m.group(3));
            fields.put("app", m.group(4));
            put(fields, "procid", m.group(5));
            record.setMessage(m.group(6));
            return record;
        }
        Matcher pri = PRI.matcher(message);
        if (pri.find()) {
            priority(record, fields, Integer.parseInt(pri.group(1)));
        }
        fields.put("eddy.parse.error", "neither RFC 5424 nor RFC 3164");
        return record;
    }

    private static void priority(LogRecord.Builder record, Map<String, String> fields, int priority) {
        int facility = priority / 8;
        int severity = priority % 8;
        fields.put("facility", facility < FACILITIES.length ? FACILITIES[facility] : String.valueOf(facility));
        fields.put("severity", String.valueOf(severity));
        record.setLevel(switch (severity) {
            case 0, 1, 2 -> LogLevel.FATAL;
            case 3 -> LogLevel.ERROR;
            case 4 -> LogLevel.WARN;
            case 5, 6 -> LogLevel.INFO;
            default -> LogLevel.DEBUG;
        });
    }

    private static void nil(LogRecord.Builder record, String host) {
        if (!host.equals("-")) {
            record.setHost(host);
        }
    }

    private static void put(Map<String, String> fields, String name, String value) {
        if (value != null && !value.equals("-")) {
            fields.put(name, value);
        }
    }
}
