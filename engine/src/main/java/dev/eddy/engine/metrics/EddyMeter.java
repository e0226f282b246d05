package dev.eddy.engine.metrics;

/**
 * Every meter Eddy registers, in one place: its name, kind, base unit and description. Docs and dashboards are
 * checked against this list; {@link #main} prints it as Markdown.
 *
 * <p>Tags are few and of low cardinality: {@code function}, {@code outcome}, {@code reason}; never a record key.
 */
public enum EddyMeter {

    RECORDS_RECEIVED("eddy.records.received", Kind.COUNTER, "records",
            "Records a function's consumer has handed to the dispatcher.", "function"),
    INVOCATIONS("eddy.invocations", Kind.COUNTER, "invocations",
            "Handler calls that returned (outcome=success) or threw (outcome=failure).", "function", "outcome"),
    EMITS("eddy.emits", Kind.COUNTER, "records",
            "Records a function emitted that Kafka acknowledged.", "function"),
    RETRIES("eddy.retries", Kind.COUNTER, "attempts",
            "Handler calls scheduled again after a failure, by the function's retry policy.", "function"),
    DEAD_LETTERED("eddy.dead.lettered", Kind.COUNTER, "records",
            "Records written to the function's dead-letter topic, by reason (HANDLER_FAILED, TIMED_OUT,"
            + " OUTPUT_REFUSED).", "function", "reason"),
    PARTITIONS_REVOKED("eddy.partitions.revoked", Kind.COUNTER, "partitions",
            "Input partitions taken away from a function by a rebalance, or lost with its group membership; a steady"
            + " rise means a rebalance storm.", "function"),
    STATE_REPLAYS_SKIPPED("eddy.state.replays.skipped", Kind.COUNTER, "records",
            "Records delivered again (after a crash or a lost partition) whose state changes the store already held:"
            + " not applied a second time.", "function"),
    STATE_RESTORED("eddy.state.restored", Kind.COUNTER, "records",
            "Changelog records read to restore the state of partitions assigned to this engine (Kafka store).",
            "function"),
    STATE_RESTORING("eddy.state.restoring", Kind.GAUGE, "records",
            "Changelog records still to read before the state of newly assigned partitions is ready (Kafka"
            + " store).", "function"),
    STATE_KEYS("eddy.state.keys", Kind.GAUGE, "keys",
            "Keys whose state this engine holds in memory for its partitions (Kafka store).", "function"),
    STATE_EXPIRED("eddy.state.expired", Kind.COUNTER, "keys",
            "Keys whose expired state the engine removed from the store (changed, or deleted when nothing was"
            + " left).", "function"),
    HANDLER_DURATION("eddy.handler.duration", Kind.TIMER, "seconds",
            "Time spent in the handler per call, with p50 and p99. Under load, four evenly spread calls of each"
            + " batch of a partition are timed; eddy.invocations has the exact count.", "function");

    /** What kind of meter it is. */
    public enum Kind { COUNTER, TIMER, GAUGE }

    private final String meterName;
    private final Kind kind;
    private final String baseUnit;
    private final String description;
    private final String[] tagKeys;

    EddyMeter(String meterName, Kind kind, String baseUnit, String description, String... tagKeys) {
        this.meterName = meterName;
        this.kind = kind;
        this.baseUnit = baseUnit;
        this.description = description;
        this.tagKeys = tagKeys;
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

    public java.util.List<String> tagKeys() {
        return java.util.List.of(tagKeys);
    }

    /** Prints the catalogue as a Markdown table. */
    public static void main(String[] args) {
        System.out.println("| meter | kind | unit | tags | description |");
        System.out.println("|---|---|---|---|---|");
        for (EddyMeter meter : values()) {
            System.out.println("| `" + meter.meterName + "` | " + meter.kind.name().toLowerCase() + " | "
                    + meter.baseUnit + " | " + String.join(", ", meter.tagKeys) + " | " + meter.description + " |");
        }
    }
}
