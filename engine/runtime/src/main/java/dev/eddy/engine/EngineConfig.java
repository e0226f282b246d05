package dev.eddy.engine;

import dev.eddy.engine.kafka.Names;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * The engine's settings, each defined once here with its doc, default and validator; a bad value fails at start
 * with a {@link ConfigException} that names the key, the value and what would be valid. Settings prefixed
 * {@code kafka.} are passed to every Kafka client the engine makes (the connection: TLS, SASL); those prefixed
 * {@code consumer.}, {@code producer.} and {@code admin.} to the consumers and producers of every function and to
 * the engine's admin client (after Eddy's own defaults and the {@code kafka.} settings, so they win).
 *
 * <p>{@link #main} prints the reference as Markdown; the docs are generated from it.
 */
public final class EngineConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    private static final String BOOTSTRAP_SERVERS_DOC = "The Kafka brokers to connect to, host:port[,host:port...].";

    public static final String COMMIT_INTERVAL_MS = "commit.interval.ms";
    private static final String COMMIT_INTERVAL_MS_DOC = "How often each function commits the offsets of the records"
            + " it has completed; it also commits as soon as max.buffered.records have completed since the last"
            + " commit (at most every 50 ms). Only a contiguous prefix of completed records is ever committed. What a"
            + " crash replays is at most the records in flight and those completed since the last commit.";

    public static final String MAX_BUFFERED_RECORDS = "max.buffered.records";
    private static final String MAX_BUFFERED_RECORDS_DOC = "Records of one function that may be fetched but not yet"
            + " completed, over all its partitions. At this bound the function stops fetching until records complete"
            + " (it still polls at least every poll.timeout.ms, so that it stays in its group). It bounds memory and,"
            + " with the commits it brings forward, the replay after a crash: about twice this, plus what completes in"
            + " 50 ms. A function whose calls are slow buffers less: about what its calls get through in 200 ms (at"
            + " least 500 records), so that a partition taken from it (a rebalance, a scale-up) is let go in about"
            + " that long. Unless set, at least twice the function's maxConcurrency in KEY and UNORDERED order, so"
            + " that every call it may run at once has a record.";

    public static final String MAX_BUFFERED_RECORDS_PER_PARTITION = "max.buffered.records.per.partition";
    private static final String MAX_BUFFERED_RECORDS_PER_PARTITION_DOC = "Records of one partition that may be"
            + " fetched but not yet completed. At this bound the partition alone is paused, so that a partition whose"
            + " records are slow cannot take the whole of " + "max.buffered.records; it is resumed when half of them"
            + " are done. Unless set, at least twice the function's maxConcurrency in KEY and UNORDERED order.";

    public static final String SHUTDOWN_TIMEOUT_MS = "shutdown.timeout.ms";
    private static final String SHUTDOWN_TIMEOUT_MS_DOC = "On shutdown or when partitions are taken away, how long"
            + " to wait for records in flight to complete before committing what is done and letting go.";

    public static final String POLL_TIMEOUT_MS = "poll.timeout.ms";
    private static final String POLL_TIMEOUT_MS_DOC = "The longest a function's poll loop waits for records before"
            + " it looks at completed work again, and the longest it goes without polling while it waits for"
            + " records in flight to complete. Kept short because Kafka 4.4's consumer (KIP-848 protocol) can hold a"
            + " fetch back until the poll times out: at 100 ms the end-to-end p99 was 50 ms here, at 10 ms 7 ms. An"
            + " idle function costs a wake-up per timeout.";

    public static final String INSTANCE_ID = "instance.id";
    private static final String INSTANCE_ID_DOC = "A name for this engine that stays the same across its restarts"
            + " (a pod name, a host name). EXACTLY_ONCE functions use it in their transactional ids, so that a"
            + " restarted engine fences its former self at once and aborts what it left open. Each engine of a"
            + " cluster needs its own. Empty: a random name per start, and a crashed engine's open transaction holds"
            + " back read_committed consumers until it times out.";

    public static final String API_MAX_UPLOAD_BYTES = "api.max.upload.bytes";
    private static final String API_MAX_UPLOAD_BYTES_DOC = "The largest function jar the admin API takes; a larger"
            + " upload is refused (413) without being kept.";

    public static final String API_TLS_CERTIFICATE = "api.tls.certificate";
    private static final String API_TLS_CERTIFICATE_DOC = "A PEM file with the admin API's certificate (its chain"
            + " after it): with api.tls.key, the API speaks HTTPS only. Empty: plain HTTP.";

    public static final String API_TLS_KEY = "api.tls.key";
    private static final String API_TLS_KEY_DOC = "A PEM file with the admin API's unencrypted PKCS #8 private key"
            + " (-----BEGIN PRIVATE KEY-----, RSA or EC), for api.tls.certificate.";

    public static final String STATE_SWEEP_INTERVAL_MS = "state.sweep.interval.ms";
    private static final String STATE_SWEEP_INTERVAL_MS_DOC = "How often each function with expiring keyed state"
            + " removes what expired from its store: expired state is never seen by a handler, and is gone from the"
            + " store within about this long.";

    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    private static final String SCHEMA_REGISTRY_URL_DOC = "The schema registry (Confluent REST API: Confluent's,"
            + " Karapace, Redpanda's, Apicurio's, or the one './eddy dev' starts) whose address functions are given"
            + " (Environment.schemaRegistryUrl()), for Avro codecs. Empty: none; a function that needs one fails to"
            + " deploy, saying so.";

    public static final String TRACING_OTLP_ENDPOINT = "tracing.otlp.endpoint";
    private static final String TRACING_OTLP_ENDPOINT_DOC = "Where the spans of function calls go, over OTLP/HTTP"
            + " (e.g. http://collector:4318/v1/traces). Empty: nowhere; trace context is still carried from each"
            + " traced record (its traceparent header) to the records its call emits, and into its log lines.";

    public static final String FUNCTION_LOGS = "function.logs";
    private static final String FUNCTION_LOGS_DOC = "Whether the lines functions log also go, structured, to the"
            + " topic eddy.logs (keyed by function; './eddy logs <function>' reads them from every engine). They"
            + " always go to the engine's own log.";

    public static final String USAGE_INTERVAL_MS = "usage.interval.ms";
    private static final String USAGE_INTERVAL_MS_DOC = "How often the engine writes each function's usage since the"
            + " last time (calls, billed milliseconds, GB-seconds) to the topic eddy.usage, which './eddy usage'"
            + " adds up. It also writes it when a function stops and when the engine closes.";

    public static final String SCALING_COOLDOWN_MS = "scaling.cooldown.ms";
    private static final String SCALING_COOLDOWN_MS_DOC = "How long a function's scaling controller must ask for"
            + " fewer workers before the count falls: a lull between bursts shorter than this sheds no capacity."
            + " Rises are acted on at once.";
    public static final String SCALING_WORKERS = "scaling.workers";
    private static final String SCALING_WORKERS_DOC = "Whether the engine acts on each function's desired workers"
            + " itself, running up to that many workers (consumers in the function's group) in this process, never"
            + " more than the function's input partitions. Set it false where something outside scales the engines"
            + " (KEDA, an HPA) from the eddy.desired.workers gauge: each engine then runs one worker per function.";
    public static final String SCALING_CLUSTER = "scaling.cluster";
    private static final String SCALING_CLUSTER_DOC = "Whether the engines that run a function decide its workers"
            + " together: each writes what the function shows there (arrival rate, records waiting, call time, calls"
            + " running) once a second to the topic <prefix>.scaling, and the engine with the smallest instance.id"
            + " among those that reported it in the last 3 s decides one count for the cluster from the summed"
            + " figures and gives each engine its share. An engine alone, or without a fresh decision, decides for"
            + " itself. False: each engine decides from what it sees alone.";
    public static final String IDLE_WATCH_INTERVAL_MS = "idle.watch.interval.ms";
    private static final String IDLE_WATCH_INTERVAL_MS_DOC = "The engine watches the inputs of its functions that"
            + " are scaled to zero (scaling.min: 0) with one consumer of its own, whose fetch waits at the broker"
            + " until a record arrives on any of them, and wakes the function at once; this is how long one fetch"
            + " waits before it asks again (its fetch.max.wait.ms): the cost of watching while nothing arrives, one"
            + " small request per interval however many functions are at zero.";

    public static final String WINDOWS_STATE_DIR = "windows.state.dir";
    private static final String WINDOWS_STATE_DIR_DOC = "Where windowed functions keep their windows on local disk"
            + " (Kafka Streams' state directory; RocksDB), a directory per function worker under it. Only a cache:"
            + " the windows are in their changelog topics, and a worker that finds nothing here restores them from"
            + " there. Empty: <java.io.tmpdir>/eddy-windows.";
    public static final String WINDOWS_QUIET_AFTER_MS = "windows.quiet.after.ms";
    private static final String WINDOWS_QUIET_AFTER_MS_DOC = "How long a windowed function's input partition goes"
            + " without a record, having read everything there is, before its time goes on by the wall clock, so"
            + " that a device that stops sending still has its last window closed: at about the window's end, its"
            + " grace and this. A partition working through a backlog goes by its records' time alone.";
    public static final String WINDOWS_CLOSE_INTERVAL_MS = "windows.close.interval.ms";
    private static final String WINDOWS_CLOSE_INTERVAL_MS_DOC = "How often a windowed function looks for windows"
            + " whose close has come (by the wall clock), and emits their final results: how late, at most, a final"
            + " result comes after its window's end and grace.";

    /**
     * Settings of every Kafka client the engine makes (its functions' consumers and producers, its admin client,
     * its readers of Eddy's own topics), with the prefix removed: how to reach a secured cluster, e.g.
     * {@code kafka.security.protocol=SASL_SSL}, {@code kafka.sasl.mechanism=SCRAM-SHA-512},
     * {@code kafka.sasl.jaas.config=...}, {@code kafka.ssl.truststore.location=...}.
     */
    public static final String KAFKA_PREFIX = "kafka.";
    public static final String NAMES_PREFIX = "names.prefix";
    private static final String NAMES_PREFIX_DOC = "The prefix of everything the engine names in Kafka: its topics"
            + " (<prefix>.functions, <prefix>.function.jars, <prefix>.logs, <prefix>.usage, <prefix>.events,"
            + " <prefix>.scaling, and per"
            + " function <prefix>.state.<name>, <prefix>.dlq.<name>, <prefix>.replay.<name>) and its functions'"
            + " consumer groups and transactional ids (<prefix>-<name>...): prefixed ACLs on these grant an engine"
            + " what it needs, and installations with different prefixes share a cluster without seeing each"
            + " other's functions. Every engine of one installation, and the CLI (--names-prefix), use the same.";

    public static final String CONSUMER_PREFIX = "consumer.";
    public static final String PRODUCER_PREFIX = "producer.";
    public static final String ADMIN_PREFIX = "admin.";

    private static final ConfigDef CONFIG = new ConfigDef()
            .define(BOOTSTRAP_SERVERS, Type.STRING, ConfigDef.NO_DEFAULT_VALUE,
                    new ConfigDef.NonEmptyStringWithoutControlChars(), Importance.HIGH, BOOTSTRAP_SERVERS_DOC)
            .define(COMMIT_INTERVAL_MS, Type.LONG, 1000L, Range.between(10L, 60_000L), Importance.MEDIUM,
                    COMMIT_INTERVAL_MS_DOC)
            .define(MAX_BUFFERED_RECORDS, Type.INT, 10_000, Range.between(1, 10_000_000), Importance.MEDIUM,
                    MAX_BUFFERED_RECORDS_DOC)
            .define(MAX_BUFFERED_RECORDS_PER_PARTITION, Type.INT, 5_000, Range.between(1, 1_000_000),
                    Importance.MEDIUM, MAX_BUFFERED_RECORDS_PER_PARTITION_DOC)
            .define(SHUTDOWN_TIMEOUT_MS, Type.LONG, 30_000L, Range.between(0L, 600_000L), Importance.MEDIUM,
                    SHUTDOWN_TIMEOUT_MS_DOC)
            .define(INSTANCE_ID, Type.STRING, "", new ConfigDef.NonNullValidator(), Importance.MEDIUM,
                    INSTANCE_ID_DOC)
            .define(POLL_TIMEOUT_MS, Type.LONG, 10L, Range.between(1L, 10_000L), Importance.LOW,
                    POLL_TIMEOUT_MS_DOC)
            .define(STATE_SWEEP_INTERVAL_MS, Type.LONG, 1000L, Range.between(10L, 3_600_000L), Importance.LOW,
                    STATE_SWEEP_INTERVAL_MS_DOC)
            .define(SCHEMA_REGISTRY_URL, Type.STRING, "", new ConfigDef.NonNullValidator(), Importance.MEDIUM,
                    SCHEMA_REGISTRY_URL_DOC)
            .define(TRACING_OTLP_ENDPOINT, Type.STRING, "", new ConfigDef.NonNullValidator(), Importance.LOW,
                    TRACING_OTLP_ENDPOINT_DOC)
            .define(FUNCTION_LOGS, Type.BOOLEAN, true, Importance.LOW, FUNCTION_LOGS_DOC)
            .define(SCALING_COOLDOWN_MS, Type.LONG, 30_000L, Range.between(0L, 3_600_000L), Importance.LOW,
                    SCALING_COOLDOWN_MS_DOC)
            .define(SCALING_WORKERS, Type.BOOLEAN, true, Importance.MEDIUM, SCALING_WORKERS_DOC)
            .define(SCALING_CLUSTER, Type.BOOLEAN, true, Importance.LOW, SCALING_CLUSTER_DOC)
            .define(IDLE_WATCH_INTERVAL_MS, Type.LONG, 500L, Range.between(10L, 10_000L), Importance.LOW,
                    IDLE_WATCH_INTERVAL_MS_DOC)
            .define(WINDOWS_STATE_DIR, Type.STRING, "", new ConfigDef.NonNullValidator(), Importance.LOW,
                    WINDOWS_STATE_DIR_DOC)
            .define(WINDOWS_CLOSE_INTERVAL_MS, Type.LONG, 100L, Range.between(10L, 60_000L), Importance.LOW,
                    WINDOWS_CLOSE_INTERVAL_MS_DOC)
            .define(WINDOWS_QUIET_AFTER_MS, Type.LONG, 500L, Range.between(0L, 3_600_000L), Importance.LOW,
                    WINDOWS_QUIET_AFTER_MS_DOC)
            .define(NAMES_PREFIX, Type.STRING, Names.DEFAULT_PREFIX, namesPrefix(), Importance.MEDIUM,
                    NAMES_PREFIX_DOC)
            .define(USAGE_INTERVAL_MS, Type.LONG, 60_000L, Range.between(100L, 3_600_000L), Importance.LOW,
                    USAGE_INTERVAL_MS_DOC)
            .define(API_MAX_UPLOAD_BYTES, Type.LONG, 64L * 1024 * 1024, Range.between(1024L, 1L << 30),
                    Importance.LOW, API_MAX_UPLOAD_BYTES_DOC)
            .define(API_TLS_CERTIFICATE, Type.STRING, "", Importance.MEDIUM, API_TLS_CERTIFICATE_DOC)
            .define(API_TLS_KEY, Type.STRING, "", Importance.MEDIUM, API_TLS_KEY_DOC);

    public EngineConfig(Map<String, ?> settings) {
        super(CONFIG, settings, false);
    }

    /**
     * The admin API's TLS context from {@link #API_TLS_CERTIFICATE} and {@link #API_TLS_KEY}; null when neither is
     * set.
     *
     * @throws org.apache.kafka.common.config.ConfigException when only one is set, or the files cannot be used
     */
    public javax.net.ssl.SSLContext apiTls() {
        String certificate = getString(API_TLS_CERTIFICATE);
        String key = getString(API_TLS_KEY);
        if (certificate.isEmpty() && key.isEmpty()) {
            return null;
        }
        if (certificate.isEmpty() || key.isEmpty()) {
            throw new org.apache.kafka.common.config.ConfigException((certificate.isEmpty() ? API_TLS_CERTIFICATE
                    : API_TLS_KEY) + " is not set: HTTPS needs both " + API_TLS_CERTIFICATE + " and " + API_TLS_KEY);
        }
        try {
            return dev.eddy.observability.http.PemTls.server(java.nio.file.Path.of(certificate),
                    java.nio.file.Path.of(key));
        } catch (dev.eddy.observability.http.PemTls.Unusable e) {
            throw new org.apache.kafka.common.config.ConfigException(e.getMessage());
        }
    }

    /** Settings for a local broker with every other setting at its default. */
    public static EngineConfig forBootstrapServers(String bootstrapServers) {
        return new EngineConfig(Map.of(BOOTSTRAP_SERVERS, bootstrapServers));
    }

    /** A copy with some settings replaced. */
    public EngineConfig with(Map<String, ?> overrides) {
        Map<String, Object> merged = new HashMap<>(originals());
        merged.putAll(overrides);
        return new EngineConfig(merged);
    }

    public String bootstrapServers() {
        return getString(BOOTSTRAP_SERVERS);
    }

    /** What the engine calls its topics, groups and transactional ids. */
    public Names names() {
        return new Names(getString(NAMES_PREFIX));
    }

    /** A names prefix is valid when it makes {@link Names}: the one check, and its message, are there. */
    private static ConfigDef.Validator namesPrefix() {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            try {
                new Names((String) value);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name, value, e.getMessage());
            }
        }, () -> "1 to 32 letters, digits, '_' or '-'");
    }

    /**
     * A bound on buffered records ({@link #MAX_BUFFERED_RECORDS} or {@link #MAX_BUFFERED_RECORDS_PER_PARTITION}) for
     * one function: as set, or, left at its default, at least twice the calls it may run at once where its records
     * are split over key lanes (KEY and UNORDERED order), since a call needs a record waiting for it and records of
     * one key wait behind one another.
     */
    public int bufferBound(String bound, boolean splitsOverKeyLanes, int maxConcurrency) {
        int configured = getInt(bound);
        if (!splitsOverKeyLanes || originals().containsKey(bound)) {
            return configured;
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.max(configured, 2L * maxConcurrency));
    }

    /** The {@code kafka.*} settings, for every client, with the prefix removed. */
    public Map<String, Object> clientOverrides() {
        return originalsWithPrefix(KAFKA_PREFIX);
    }

    /** The {@code admin.*} settings with the prefix removed. */
    public Map<String, Object> adminOverrides() {
        return originalsWithPrefix(ADMIN_PREFIX);
    }

    /** The {@code consumer.*} settings with the prefix removed. */
    public Map<String, Object> consumerOverrides() {
        return originalsWithPrefix(CONSUMER_PREFIX);
    }

    /** The {@code producer.*} settings with the prefix removed. */
    public Map<String, Object> producerOverrides() {
        return originalsWithPrefix(PRODUCER_PREFIX);
    }

    /** The definitions, for generated docs. */
    public static ConfigDef definition() {
        return CONFIG;
    }

    /** Prints the configuration reference as a Markdown table. */
    public static void main(String[] args) {
        System.out.println(ConfigDocs.markdown(CONFIG));
    }
}
