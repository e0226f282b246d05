package dev.eddy.engine.manifest;

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
    HANDLER("handler", "class name", "(handler or remote.url)", "a fully qualified class name in the function's jar",
            "The Java handler: a public class with a public no-argument constructor implementing `Handler`, "
                    + "`TypedHandler` or `BatchHandler`. Give `handler` or `remote.url`, not both."),
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
    MAX_CONCURRENCY("maxConcurrency", "integer", "100", "1 to 100000", "The most calls running at once."),
    DELIVERY("delivery", "enum", "AT_LEAST_ONCE", "AT_LEAST_ONCE or EXACTLY_ONCE",
            "EXACTLY_ONCE commits outputs, dead letters and input offsets in Kafka transactions."),
    CLOUDEVENTS("cloudevents", "enum", "AUTO", "AUTO, ALWAYS or NEVER", "Whether emitted records carry CloudEvents"
            + " headers (`ce_id`, `ce_source`, `ce_type`, `ce_specversion`). AUTO: when the input record is a"
            + " CloudEvent, as the trigger adapters' are (see What Eddy promises a function)."),
    TIMEOUT("timeout", "duration", "30s", "1ms to 15m", "How long one call may run before it is interrupted and "
            + "counted as failed."),
    RETRY_MAX_ATTEMPTS("retry.maxAttempts", "integer", "5", "1 to 1000", "Attempts per record, the first included."),
    RETRY_INITIAL_BACKOFF("retry.initialBackoff", "duration", "200ms", "zero or more",
            "The wait before the first retry."),
    RETRY_MAX_BACKOFF("retry.maxBackoff", "duration", "30s", "no shorter than retry.initialBackoff",
            "The longest wait between attempts."),
    RETRY_MULTIPLIER("retry.multiplier", "number", "2", "1 to 100", "How much each wait grows."),
    RETRY_JITTER("retry.jitter", "fraction", "0.2", "0 to 1", "Random spread of each wait (0.2: ±20 %)."),
    RETRY_MAX_AGE("retry.maxAge", "duration", "10m", "zero or more",
            "No retry starts once this long has passed since the first failure."),
    BATCH_MAX_SIZE("batch.maxSize", "integer", "(no batches)", "1 to 10000",
            "A `BatchHandler` (or a remote function) gets up to this many events per call."),
    BATCH_MAX_WAIT("batch.maxWait", "duration", "0ms", "0ms to 1m", "How long a batch waits to fill."),
    DEAD_LETTER_TOPIC("deadLetterTopic", "topic", "eddy.dlq.<name>", "a topic name",
            "Where records go when retries are exhausted (`eddy`: the engine's names.prefix)."),
    MEMORY("memory", "megabytes", "256", "128, 256, 512, 1024, 2048, 4096 or 8192",
            "The function's memory class, the unit of its usage metering (GB-seconds)."),
    SCALING_MIN("scaling.min", "integer", "1", "0 to scaling.max",
            "The fewest workers the function keeps: 0 scales the function to zero after `scaling.idleAfter` without "
                    + "records (no consumer, no threads), and the engine's watcher starts it again when a record "
                    + "arrives. Otherwise the function keeps at least this many workers (consumers in its group; in "
                    + "all where several engines run it, each of them keeping one at least), no more than its input "
                    + "partitions."),
    SCALING_IDLE_AFTER("scaling.idleAfter", "duration", "5m", "100ms to 1d",
            "With `scaling.min: 0`, how long the function goes without records before it scales to zero."),
    SCALING_MAX("scaling.max", "integer", "10", "1 to 1000",
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
    STATE_TTL("state.ttl", "duration", "(for ever)", "1ms or more", "How long a remote function's state values live "
            + "after they were last written."),
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

    ManifestField(String path, String type, String defaultValue, String valid, String description) {
        this.path = path;
        this.type = type;
        this.defaultValue = defaultValue;
        this.valid = valid;
        this.description = description;
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
