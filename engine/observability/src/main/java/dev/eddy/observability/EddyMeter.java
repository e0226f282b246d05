package dev.eddy.observability;

import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusNamingConvention;
import java.util.List;

/**
 * Every meter Eddy registers, in one place: its name, kind, base unit, description and tags. The engine and the
 * trigger adapters register their meters from it ({@link Meters}), the metrics reference in the docs is printed from
 * it ({@link #markdown}), and the Grafana dashboard is checked against what it exports.
 *
 * <p>Tags are few and of low cardinality: {@code function}, {@code version}, {@code outcome}, {@code reason},
 * {@code adapter}; never a record key. Kafka's client metrics and the JVM's are bound beside these, under their own
 * names ({@code kafka_*}, {@code jvm_*}, {@code process_*}).
 */
public enum EddyMeter {

    RECORDS_RECEIVED(Component.ENGINE, "eddy.received", Kind.COUNTER, "records",
            "Records a function's consumer has handed to the dispatcher.", "function", "version"),
    INVOCATIONS(Component.ENGINE, "eddy.invocations", Kind.COUNTER, "invocations",
            "Handler calls that returned (outcome=success) or threw (outcome=failure).", "function", "version",
            "outcome"),
    EMITS(Component.ENGINE, "eddy.emitted", Kind.COUNTER, "records",
            "Records a function emitted that Kafka acknowledged.", "function", "version"),
    RETRIES(Component.ENGINE, "eddy.retries", Kind.COUNTER, "retries",
            "Handler calls scheduled again after a failure, by the function's retry policy.", "function", "version"),
    DEAD_LETTERED(Component.ENGINE, "eddy.dead.lettered.records", Kind.COUNTER, "records",
            "Records written to the function's dead-letter topic, by reason (HANDLER_FAILED, TIMED_OUT,"
            + " UNDECODABLE, OUTPUT_REFUSED, LATE).", "function", "version", "reason"),
    PARTITIONS_REVOKED(Component.ENGINE, "eddy.revoked.partitions", Kind.COUNTER, "partitions",
            "Input partitions taken away from a function by a rebalance, or lost with its group membership; a steady"
            + " rise means a rebalance storm.", "function", "version"),
    PARTITIONS_ASSIGNED(Component.ENGINE, "eddy.assigned.partitions", Kind.GAUGE, "partitions",
            "Input partitions this engine runs the function for now.", "function", "version"),
    PARTITIONS_PAUSED(Component.ENGINE, "eddy.paused.partitions", Kind.GAUGE, "partitions",
            "Input partitions paused because they have as many records in flight as a partition may; lasting"
            + " pauses mean the handler is the bottleneck.", "function", "version"),
    IN_FLIGHT(Component.ENGINE, "eddy.in.flight.records", Kind.GAUGE, "records",
            "Records dispatched and not yet completed (handled, or dead-lettered).", "function", "version"),
    CONCURRENCY(Component.ENGINE, "eddy.running.calls", Kind.GAUGE, "calls",
            "Handler calls running at this moment.", "function", "version"),
    MAX_CONCURRENCY(Component.ENGINE, "eddy.max.concurrent.calls", Kind.GAUGE, "calls",
            "The most handler calls the function may run at once on this engine (its max concurrency).",
            "function", "version"),
    CONSUMER_LAG(Component.ENGINE, "eddy.consumer.lag.records", Kind.GAUGE, "records",
            "Records in the function's assigned input partitions not yet fetched, as its consumer last saw the"
            + " partitions' ends; updated every second.", "function", "version"),
    CONSUMER_LAG_SECONDS(Component.ENGINE, "eddy.consumer.lag.seconds", Kind.GAUGE, "seconds",
            "How far behind the function is in time: the age of the last record handed to its handler while more"
            + " records wait (0 when it has caught up); updated every second.", "function", "version"),
    HANDLER_DURATION(Component.ENGINE, "eddy.handler.duration", Kind.TIMER, "seconds",
            "Time spent in the handler per call, as a histogram (p50 and p99 also kept in the engine). Under load,"
            + " four evenly spread calls of each batch of a partition are timed; eddy.invocations counts every call"
            + " count.", "function", "version"),
    END_TO_END_LATENCY(Component.ENGINE, "eddy.end.to.end.latency", Kind.TIMER, "seconds",
            "From a record's timestamp (when it was produced, or when its source saw it) to the start of its"
            + " handler call, as a histogram; sampled like eddy.handler.duration.", "function", "version"),
    DESIRED_WORKERS(Component.ENGINE, "eddy.desired.workers", Kind.GAUGE, "workers",
            "The workers the function's scaling controller asks for, from the arrival rate, the lag, the handler time"
            + " and the calls running, within scaling.min, scaling.max and its input partitions; where several"
            + " engines run it, the one count decided for all of them (scaling.cluster), the same on each; for an"
            + " autoscaler outside (KEDA, HPA).",
            "function", "version"),
    WORKERS(Component.ENGINE, "eddy.workers", Kind.GAUGE, "workers",
            "The workers (each a consumer in the function's group, with its own producer, poll loop and lanes) the"
            + " function runs on this engine now: 0 at zero, up to eddy.desired.workers and the input partitions.",
            "function", "version"),
    IDLE(Component.ENGINE, "eddy.idle.functions", Kind.GAUGE, "functions",
            "1 while the function is scaled to zero on this engine (no consumer, no threads), else 0.", "function",
            "version"),
    COLD_STARTS(Component.ENGINE, "eddy.cold.starts", Kind.COUNTER, "starts",
            "Times a record woke the function from zero on this engine.", "function", "version"),
    COLD_START_DURATION(Component.ENGINE, "eddy.cold.start.duration", Kind.TIMER, "seconds",
            "From the timestamp of the record that woke the function to its dispatch to the handler, as a"
            + " histogram.", "function", "version"),
    STATE_REPLAYS_SKIPPED(Component.ENGINE, "eddy.state.skipped.replays", Kind.COUNTER, "replays",
            "Records delivered again (after a crash or a lost partition) whose state changes the store already held:"
            + " not applied a second time.", "function", "version"),
    STATE_CONFLICTS(Component.ENGINE, "eddy.state.conflicted.calls", Kind.COUNTER, "calls",
            "Calls made again because their key's state changed while they ran: a record of the same key from another"
            + " partition, handled on another engine, wrote it first (Redis and PostgreSQL stores).",
            "function", "version"),
    STATE_RESTORED(Component.ENGINE, "eddy.state.restored.records", Kind.COUNTER, "records",
            "Changelog records read to restore the state of partitions assigned to this engine (Kafka store).",
            "function", "version"),
    STATE_RESTORING(Component.ENGINE, "eddy.state.restoring.records", Kind.GAUGE, "records",
            "Changelog records still to read before the state of newly assigned partitions is ready (Kafka"
            + " store).", "function", "version"),
    STATE_KEYS(Component.ENGINE, "eddy.state.keys", Kind.GAUGE, "keys",
            "Keys whose state this engine holds in memory for its partitions (Kafka store).", "function", "version"),
    STATE_EXPIRED(Component.ENGINE, "eddy.state.expired.keys", Kind.COUNTER, "keys",
            "Keys whose expired state the engine removed from the store (changed, or deleted when nothing was"
            + " left).", "function", "version"),

    WINDOWS_CLOSED(Component.ENGINE, "eddy.closed.windows", Kind.COUNTER, "windows",
            "Windows a windowed function closed, emitting their final results (one per window and key).",
            "function", "version"),
    WINDOW_RESULT_LATENCY(Component.ENGINE, "eddy.window.result.latency", Kind.TIMER, "seconds",
            "From a window's end (its events' time) to its final result, by the wall clock, as a histogram: about"
            + " the window's grace plus the close check's interval for live events; more for events that come"
            + " late or are read from history.", "function", "version"),
    ADAPTER_RECEIVED(Component.ADAPTER, "eddy.adapter.received.events", Kind.COUNTER, "events",
            "Events a trigger adapter took from its source (MQTT, HTTP, log files, CDC, timers).", "adapter"),
    ADAPTER_PUBLISHED(Component.ADAPTER, "eddy.adapter.published.events", Kind.COUNTER, "events",
            "Events Kafka acknowledged: the adapter's ingest.", "adapter"),
    ADAPTER_FAILED(Component.ADAPTER, "eddy.adapter.failed.events", Kind.COUNTER, "events",
            "Events Kafka did not take; the source is not told they were taken, so they come again.", "adapter"),
    ADAPTER_DEAD_LETTERED(Component.ADAPTER, "eddy.adapter.dead.lettered.events", Kind.COUNTER, "events",
            "Events that could not be read, kept in the adapter's dead-letter topic with the reason.", "adapter"),
    ADAPTER_PUBLISH_LATENCY(Component.ADAPTER, "eddy.adapter.publish.latency", Kind.TIMER, "seconds",
            "From handing an event to Kafka to Kafka's acknowledgement, as a histogram.", "adapter"),
    ADAPTER_IN_FLIGHT(Component.ADAPTER, "eddy.adapter.in.flight.events", Kind.GAUGE, "events",
            "Events sent to Kafka and not yet acknowledged; at the adapter's kafka.maxInFlight the source waits.",
            "adapter");

    /** What kind of meter it is. */
    public enum Kind { COUNTER, TIMER, GAUGE }

    /** Which part of Eddy registers it. */
    public enum Component { ENGINE, ADAPTER }

    private static final PrometheusNamingConvention PROMETHEUS = new PrometheusNamingConvention();

    private final Component component;
    private final String meterName;
    private final Kind kind;
    private final String baseUnit;
    private final String description;
    private final List<String> tagKeys;

    EddyMeter(Component component, String meterName, Kind kind, String baseUnit, String description,
            String... tagKeys) {
        this.component = component;
        this.meterName = meterName;
        this.kind = kind;
        this.baseUnit = baseUnit;
        this.description = description;
        this.tagKeys = List.of(tagKeys);
    }

    public Component component() {
        return component;
    }

    public String meterName() {
        return meterName;
    }

    public Kind kind() {
        return kind;
    }

    public String baseUnit() {
        return baseUnit;
    }

    public String description() {
        return description;
    }

    public List<String> tagKeys() {
        return tagKeys;
    }

    /**
     * The name Prometheus scrapes it under: a counter's ends in {@code _total}; a timer is a histogram of seconds,
     * {@code <name>_seconds_bucket}, {@code _count} and {@code _sum}.
     */
    public String prometheusName() {
        return switch (kind) {
            case COUNTER -> PROMETHEUS.name(meterName, Meter.Type.COUNTER, baseUnit) + "_total";
            case GAUGE -> PROMETHEUS.name(meterName, Meter.Type.GAUGE, baseUnit);
            case TIMER -> PROMETHEUS.name(meterName, Meter.Type.TIMER, null);
        };
    }

    /** The catalogue as the Markdown table of the metrics reference. */
    public static String markdown() {
        StringBuilder table = new StringBuilder("| meter | Prometheus | kind | unit | tags | description |\n"
                + "|---|---|---|---|---|---|\n");
        for (EddyMeter meter : values()) {
            table.append("| `").append(meter.meterName).append("` | `").append(meter.prometheusName()).append("` | ")
                    .append(meter.kind.name().toLowerCase()).append(" | ").append(meter.baseUnit).append(" | ")
                    .append(String.join(", ", meter.tagKeys)).append(" | ").append(meter.description).append(" |\n");
        }
        return table.toString();
    }
}
