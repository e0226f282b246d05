package dev.eddy.engine.manifest;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * Every field of a {@code function.yaml}: its path, type, default, what is valid and what it means. The parser
 * reads through this catalogue and the reference in the README is printed from it ({@code ./eddy manifest}), so
 * the two cannot drift.
 */
public enum ManifestField {

    NAME("name", "text", null, "1 to 63 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter or digit",
            "The function's name; its consumer group is `eddy-<name>`."),
    VERSION("version", "text", "1", "1 to 64 characters: letters, digits, '.', '_', '+' or '-'",
            "The version being deployed; dead letters carry it."),
    RUNTIME("runtime", "enum", "java", "java, python or node",
            "What runs the handler: `java` (a class in the function's jar), or `python` (3.11+) / `node` (20+),"
                    + " whose processes the engine starts itself from the function's folder (see Functions in"
                    + " Python and JavaScript)."),
    HANDLER("handler", "entry point", "(handler or remote.url)", "java: a fully qualified class name in the"
            + " function's jar; python: module or module:function; node: a module file such as index.mjs",
            "The handler. Java: a public class with a public no-argument constructor implementing `Handler`, "
                    + "`TypedHandler`, `BatchHandler` or `WindowedFunction`. Python: a module with `handle(event,"
                    + " ctx)`, or module:name of a function or class. Node: a module exporting `handle(event, ctx)`."
                    + " Give `handler` or `remote.url`, not both."),
    REMOTE_URL("remote.url", "URL", "(handler or remote.url)", "an http:// or https:// URL",
            "A remote function in any language: the engine POSTs batches of events to this URL as JSON (see "
                    + "Remote functions)."),
    INPUTS("inputs", "list of topics", "(inputs or inputPattern)", "one or more topic names (letters, digits, '.', '_', '-')",
            "The topics the function reads. Give `inputs` or `inputPattern`."),
    INPUT_PATTERN("inputPattern", "regular expression", "(inputs or inputPattern)", "a Java regular expression",
            "Reads every topic whose name matches, including topics created later."),
    STARTING_POSITION("startingPosition", "text", "earliest", dev.eddy.engine.StartingPosition.VALID,
            "Where the function starts on an input partition it has never committed a position on: `earliest` reads"
                    + " the records the topic still holds, `latest` skips its history (only records written after"
                    + " the function starts), a moment starts at the first record written at or after it. Once the"
                    + " function has run on a partition, updates and restarts go on from its committed position."),
    OUTPUTS("outputs", "map of name to topic", "(none)", "names of your choosing mapped to topic names; `default` "
            + "is the output `ctx.emit(event)` writes to", "The topics the function writes, by output name."),
    KEY_FORMAT("formats.key", "format", "string", "bytes, string or json",
            "How keys are written in the remote protocol's JSON (bytes as base64)."),
    VALUE_FORMAT("formats.value", "format", "json", "bytes, string or json",
            "How values are written in the remote protocol's JSON (json: embedded as JSON; bytes as base64)."),
    ORDERING("ordering", "enum", "KEY", "KEY, PARTITION or UNORDERED",
            "KEY: one key's records in order, keys concurrently; PARTITION: strict partition order; UNORDERED."),
    MAX_CONCURRENCY("maxConcurrency", "integer", Bounds.of(100, 1, 100_000), null, null,
            "The most calls running at once."),
    DELIVERY("delivery", "enum", "AT_LEAST_ONCE (a windowed function: EXACTLY_ONCE)", "AT_LEAST_ONCE or EXACTLY_ONCE",
            "EXACTLY_ONCE commits outputs, dead letters and input offsets in Kafka transactions."),
    CLOUDEVENTS("cloudevents", "enum", "AUTO", "AUTO, ALWAYS or NEVER", "Whether emitted records carry CloudEvents"
            + " headers (`ce_id`, `ce_source`, `ce_type`, `ce_specversion`). AUTO: when the input record is a"
            + " CloudEvent, as the trigger adapters' are (see What Eddy promises a function)."),
    TIMEOUT("timeout", "duration", Bounds.of(Duration.ofSeconds(30), Duration.ofMillis(1), Duration.ofMinutes(15)),
            null, null, "How long one call may run before it is interrupted and counted as failed."),
    RETRY_MAX_ATTEMPTS("retry.maxAttempts", "integer", Bounds.of(5, 1, 1000), null, null,
            "Attempts per record, the first included."),
    RETRY_INITIAL_BACKOFF("retry.initialBackoff", "duration", Bounds.of(Duration.ofMillis(200), Duration.ZERO,
            Duration.ofDays(1)), null, null, "The wait before the first retry."),
    RETRY_MAX_BACKOFF("retry.maxBackoff", "duration", Bounds.of(Duration.ofSeconds(30), Duration.ZERO,
            Duration.ofDays(1)), null, "0ms to 24h, no shorter than retry.initialBackoff",
            "The longest wait between attempts."),
    RETRY_MULTIPLIER("retry.multiplier", "number", Bounds.of(2.0, 1.0, 100.0), null, null,
            "How much each wait grows."),
    RETRY_JITTER("retry.jitter", "fraction", Bounds.of(0.2, 0.0, 1.0), null, null,
            "Random spread of each wait (0.2: ±20 %)."),
    RETRY_MAX_AGE("retry.maxAge", "duration", Bounds.of(Duration.ofMinutes(10), Duration.ZERO, Duration.ofDays(7)),
            null, null, "No retry starts once this long has passed since the first failure."),
    BATCH_MAX_SIZE("batch.maxSize", "integer", Bounds.of(1, 1, 10_000), "(no batches)", null,
            "A `BatchHandler` (or a remote function) gets up to this many events per call."),
    BATCH_MAX_WAIT("batch.maxWait", "duration", Bounds.of(Duration.ZERO, Duration.ZERO, Duration.ofMinutes(1)), null,
            null, "How long a batch waits to fill."),
    DEAD_LETTER_TOPIC("deadLetterTopic", "topic", "eddy.dlq.<name>", "a topic name",
            "Where records go when retries are exhausted (`eddy`: the engine's names.prefix)."),
    MEMORY("memory", "megabytes", Bounds.of(256, 128, 8192), null, "128, 256, 512, 1024, 2048, 4096 or 8192",
            "The function's memory class, the unit of its usage metering (GB-seconds). For a Python or Node.js"
                    + " function also each process's limit: Python's data (RLIMIT_DATA; an allocation past it raises"
                    + " MemoryError in its call), Node.js's heap (--max-old-space-size)."),
    SCALING_MIN("scaling.min", "integer", Bounds.of(1, 0, 1000), null, "0 to scaling.max",
            "The fewest workers the function keeps: 0 scales the function to zero after `scaling.idleAfter` without "
                    + "records (no consumer, no threads), and the engine's watcher starts it again when a record "
                    + "arrives. Otherwise the function keeps at least this many workers (consumers in its group; in "
                    + "all where several engines run it, each of them keeping one at least), no more than its input "
                    + "partitions."),
    SCALING_IDLE_AFTER("scaling.idleAfter", "duration", Bounds.of(Duration.ofMinutes(5), Duration.ofMillis(100),
            Duration.ofDays(1)), null, null,
            "With `scaling.min: 0`, how long the function goes without records before it scales to zero."),
    SCALING_MAX("scaling.max", "integer", Bounds.of(10, 1, 1000), null, null,
            "The most workers the function's scaling controller asks for (`eddy.desired.workers`), no more than "
                    + "its input partitions; where several engines run it, in all: they split one count between them "
                    + "(engine setting `scaling.cluster`)."),
    STATE_STORE("state.store", "enum", "kafka", "kafka, redis or postgres",
            "Where the handler's keyed state is kept: a changelog topic (`eddy.state.<name>`, one input topic only), "
                    + "Redis, or PostgreSQL (AT_LEAST_ONCE only; state changes still apply exactly once)."),
    STATE_URL("state.url", "URL", "(none)", "redis://[user:password@]host:port[/db] or "
            + "jdbc:postgresql://host:port/db[?user=...&password=...]", "The Redis or PostgreSQL store's address."),
    STATE_VALUES("state.values", "list of names", "(none)", "names of 1 to 63 lowercase letters, digits, '_' or '-', "
            + "starting with a letter", "A remote function's keyed state: JSON values sent with each event and changed "
            + "by its answer (see Remote functions). A Java handler declares its state in code."),
    STATE_TTL("state.ttl", "duration", Bounds.of(Duration.ofDays(36_500), Duration.ofMillis(1), Duration.ofDays(36_500)),
            "(for ever)", null, "How long a remote function's state values live "
            + "after they were last written."),
    TABLES("tables", "map of name to topic", "(none)", "the names of the tables the handler declares in code "
            + "(tables()), each mapped to a topic name", "The topics of the tables the handler looks keys up in "
            + "(`ctx.table(...)`): compacted topics the engine reads to their end before the first event and follows"
            + " while the function runs."),
    WINDOW_KIND("window.kind", "enum", "(the function's own)", "tumbling, hopping or session",
            "A `WindowedFunction`'s windows, in place of those its code declares: `tumbling` (window.size), "
                    + "`hopping` (window.size, window.advance) or `session` (window.gap). Only for a windowed "
                    + "function; the window.* fields go together."),
    WINDOW_SIZE("window.size", "duration", Bounds.of(null, Duration.ofMillis(1), Duration.ofDays(365)), "(none)",
            null, "A tumbling or hopping window's length."),
    WINDOW_ADVANCE("window.advance", "duration", Bounds.of(null, Duration.ofMillis(1), Duration.ofDays(365)),
            "(none)", "1ms to window.size, a whole fraction of it", "How far apart hopping windows start."),
    WINDOW_GAP("window.gap", "duration", Bounds.of(null, Duration.ofMillis(1), Duration.ofDays(365)), "(none)",
            null, "A session window's inactivity gap: one key's events this close together make one session."),
    WINDOW_GRACE("window.grace", "duration", Bounds.of(Duration.ZERO, Duration.ZERO, Duration.ofDays(365)), null,
            null, "How long after its end a window still takes events that arrive out of order; a later event goes"
                    + " to the dead-letter topic as LATE, naming the window it missed."),
    WINDOW_EMIT("window.emit", "enum", "final", "final or updates", "`final`: one result per window and key, when"
            + " it closes; `updates`: a result after every event too (the closing one has `closed: true`)."),
    CONFIG("config", "map of key to text", "(none)", "keys of letters, digits, '.', '_', '-'; scalar values",
            "The function's own settings: `Environment.config()`."),
    SECRETS("secrets", "map of name to reference", "(none)", "env:VARIABLE or file:/path, resolved by the engine",
            "The function's secrets: `Environment.secret(name)`; the values never appear in the manifest."),
    KAFKA_CONSUMER("kafka.consumer", "map of setting to value", "(the engine's)", String.join(", ",
            new java.util.TreeSet<>(dev.eddy.engine.kafka.FunctionClientSettings.CONSUMER)), "Tuning of the"
            + " function's own Kafka consumer. Nothing else: the connection, credentials and class settings are the"
            + " engine's."),
    KAFKA_PRODUCER("kafka.producer", "map of setting to value", "(the engine's)", String.join(", ",
            new java.util.TreeSet<>(dev.eddy.engine.kafka.FunctionClientSettings.PRODUCER)), "Tuning of the"
            + " function's own Kafka producer. Nothing else: the connection, credentials and class settings are the"
            + " engine's.");

    private final String path;
    private final String type;
    private final String defaultValue;
    private final String valid;
    private final String description;
    /** A number's or a duration's default and bounds; null for other fields. */
    private final Bounds<?> bounds;

    ManifestField(String path, String type, String defaultValue, String valid, String description) {
        this(path, type, null, defaultValue, valid, description);
    }

    /**
     * @param defaultValue the default as the reference shows it; null: the bounds' default
     * @param valid        what is valid as the reference and the errors say it; null: the bounds' range
     */
    ManifestField(String path, String type, Bounds<?> bounds, String defaultValue, String valid,
            String description) {
        this.path = path;
        this.type = type;
        this.bounds = bounds;
        this.defaultValue = defaultValue != null || bounds == null ? defaultValue : bounds.text(bounds.defaultValue());
        this.valid = valid != null || bounds == null ? valid : bounds.range();
        this.description = description;
    }

    /**
     * A number's or a duration's default and bounds, the one place they are written: the parser reads with them,
     * the builders check against them, and the reference prints them.
     */
    record Bounds<T extends Comparable<? super T>>(T defaultValue, T min, T max) {

        static Bounds<Integer> of(int defaultValue, int min, int max) {
            return new Bounds<>(defaultValue, min, max);
        }

        static Bounds<Double> of(double defaultValue, double min, double max) {
            return new Bounds<>(defaultValue, min, max);
        }

        static Bounds<Duration> of(Duration defaultValue, Duration min, Duration max) {
            return new Bounds<>(defaultValue, min, max);
        }

        boolean contains(T value) {
            return value != null && value.compareTo(min) >= 0 && value.compareTo(max) <= 0;
        }

        String range() {
            return text(min) + " to " + text(max);
        }

        String text(Object value) {
            if (value instanceof Duration duration) {
                return durationText(duration);
            }
            if (value instanceof Double number && number == Math.rint(number)) {
                return Long.toString(number.longValue());
            }
            return String.valueOf(value);
        }
    }

    /** A duration as a manifest writes it: a whole number of the largest unit that divides it, up to hours. */
    static String durationText(Duration duration) {
        long millis = duration.toMillis();
        if (millis == 0 || millis % 1000 != 0) {
            return millis + "ms";
        }
        long seconds = millis / 1000;
        if (seconds % 60 != 0) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        return minutes % 60 != 0 ? minutes + "m" : minutes / 60 + "h";
    }

    /** The default of a whole-number field. */
    public int intDefault() {
        return (Integer) bounds(Integer.class).defaultValue();
    }

    /** The default of a number field. */
    public double numberDefault() {
        return (Double) bounds(Double.class).defaultValue();
    }

    /** The default of a duration field. */
    public Duration durationDefault() {
        return (Duration) bounds(Duration.class).defaultValue();
    }

    /** The largest value of a whole-number field. */
    public int intMax() {
        return (Integer) bounds(Integer.class).max();
    }

    /** The longest value of a duration field. */
    public Duration durationMax() {
        return (Duration) bounds(Duration.class).max();
    }

    /**
     * @return the value, when within the field's bounds
     * @throws dev.eddy.engine.InvalidFunctionException naming the field, the value and what is valid
     */
    public int check(int value) {
        return check(Integer.class, value);
    }

    /** @see #check(int) */
    public double check(double value) {
        return check(Double.class, value);
    }

    /** @see #check(int); null is refused */
    public Duration check(Duration value) {
        return check(Duration.class, value);
    }

    @SuppressWarnings("unchecked")
    private <T extends Comparable<? super T>> T check(Class<T> type, T value) {
        Bounds<T> typed = (Bounds<T>) bounds(type);
        if (!typed.contains(value)) {
            throw new dev.eddy.engine.InvalidFunctionException(path, value instanceof Duration duration
                    ? durationText(duration) : value, valid);
        }
        return value;
    }

    private Bounds<?> bounds(Class<?> type) {
        if (bounds == null || !type.isInstance(bounds.min())) {
            throw new IllegalStateException(path + " has no " + type.getSimpleName() + " bounds");
        }
        return bounds;
    }

    public String path() {
        return path;
    }

    public String valid() {
        return valid;
    }

    /** Whether the field is a map whose keys are the user's (outputs, config, secrets). */
    boolean isOpenMap() {
        return this == OUTPUTS || this == CONFIG || this == SECRETS;
    }

    static Optional<ManifestField> byPath(String path) {
        return Arrays.stream(values()).filter(field -> field.path.equals(path)).findFirst();
    }

    /** The reference table in Markdown. */
    public static String markdownTable() {
        StringBuilder table = new StringBuilder("| field | type | default | valid values | meaning |\n|---|---|---|---|---|\n");
        for (ManifestField field : values()) {
            table.append("| `").append(field.path).append("` | ").append(field.type).append(" | ")
                    .append(field.defaultValue == null ? "(required)" : field.defaultValue.replace("|", "\\|"))
                    .append(" | ").append(field.valid).append(" | ").append(field.description).append(" |\n");
        }
        return table.toString();
    }
}
