package dev.eddy.engine;

import dev.eddy.engine.kafka.Names;
import dev.eddy.engine.manifest.ManifestField;
import dev.eddy.sdk.BatchHandler;
import dev.eddy.sdk.FunctionConfig;
import dev.eddy.sdk.Handler;
import dev.eddy.sdk.Lifecycle;
import dev.eddy.sdk.StateSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Builds a {@link FunctionDefinition}: every setting has its default (from {@link ManifestField}), and {@link #build()}
 * checks them all, naming the field, the value and what would be valid.
 */
public final class FunctionBuilder {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final Pattern VERSION = Pattern.compile("[a-zA-Z0-9._+-]{1,64}");

    final String name;
    final List<String> inputs = new ArrayList<>();
    String inputPattern;
    Pattern compiledPattern;
    final Map<String, String> outputs = new LinkedHashMap<>();
    Handler handler;
    dev.eddy.sdk.window.WindowedFunction<?, ?, ?> windowed;
    /** The windows: the builder's, else the windowed function's own; null for other functions. */
    dev.eddy.sdk.window.Window window;
    /** The topic of each table the handler declares, by table name. */
    final Map<String, String> tables = new java.util.LinkedHashMap<>();
    /** Whether the delivery was set, rather than left at its default. */
    private boolean deliverySet;
    BatchHandler batchHandler;
    int maxBatchSize = 100;
    Duration maxBatchWait = Duration.ZERO;
    Ordering ordering = Ordering.KEY;
    int maxConcurrency = FunctionDefinition.DEFAULT_MAX_CONCURRENCY;
    String version = "1";
    RetryPolicy retry;
    Duration timeout = FunctionDefinition.DEFAULT_TIMEOUT;
    int memoryMb = 256;
    Map<String, Object> consumerSettings = Map.of();
    Map<String, Object> producerSettings = Map.of();
    int scalingMin = 1;
    int scalingMax = 10;
    Duration idleAfter = FunctionDefinition.DEFAULT_IDLE_AFTER;
    String deadLetterTopic;
    final Map<String, String> config = new LinkedHashMap<>();
    final Map<String, String> secrets = new LinkedHashMap<>();
    Delivery delivery = Delivery.AT_LEAST_ONCE;
    CloudEventsMode cloudEvents = CloudEventsMode.AUTO;
    StartingPosition startingPosition = StartingPosition.EARLIEST;
    StateBackend stateStore = StateBackend.kafka();

    FunctionBuilder(String name) {
        this.name = name;
    }

    /** Adds an input topic. */
    public FunctionBuilder input(String topic) {
        inputs.add(topic);
        return this;
    }

    /** Reads every topic whose whole name matches the regular expression, topics created later included. */
    public FunctionBuilder inputPattern(String regex) {
        this.inputPattern = regex;
        return this;
    }

    /** Sets the topic of the default output. */
    public FunctionBuilder output(String topic) {
        return output(FunctionDefinition.DEFAULT_OUTPUT, topic);
    }

    /** Adds a named output. */
    public FunctionBuilder output(String outputName, String topic) {
        if (outputs.putIfAbsent(outputName, topic) != null) {
            throw new InvalidFunctionException("output", outputName, "the output is declared twice");
        }
        return this;
    }

    /**
     * Makes this a windowed function: its events are aggregated over windows of event time, and each window's
     * result goes to the default output. It runs exactly once unless {@link #delivery} says otherwise.
     */
    public FunctionBuilder windowed(dev.eddy.sdk.window.WindowedFunction<?, ?, ?> windowedFunction) {
        this.windowed = windowedFunction;
        return this;
    }

    /** The windows of a windowed function, in place of those it declares (the manifest's {@code window.*}). */
    public FunctionBuilder window(dev.eddy.sdk.window.Window windows) {
        this.window = windows;
        return this;
    }

    /** The topic of a table the function declares ({@link dev.eddy.sdk.Lifecycle#tables()}): a compacted topic. */
    public FunctionBuilder table(String name, String topic) {
        if (tables.putIfAbsent(name, topic) != null) {
            throw new InvalidFunctionException("tables." + name, topic, "a table's topic given once");
        }
        return this;
    }

    public FunctionBuilder handler(Handler handler) {
        this.handler = handler;
        return this;
    }

    /**
     * Makes this a batch function: the handler gets up to {@code maxSize} events at a time, waiting at most
     * {@code maxWait} for more when fewer are there.
     */
    public FunctionBuilder batchHandler(BatchHandler batchHandler, int maxSize, Duration maxWait) {
        this.batchHandler = batchHandler;
        this.maxBatchSize = maxSize;
        this.maxBatchWait = maxWait;
        return this;
    }

    public FunctionBuilder ordering(Ordering ordering) {
        this.ordering = ordering;
        return this;
    }

    public FunctionBuilder maxConcurrency(int maxConcurrency) {
        this.maxConcurrency = maxConcurrency;
        return this;
    }

    public FunctionBuilder version(String version) {
        this.version = version;
        return this;
    }

    /**
     * Tunes the function's own Kafka consumer and producer: only the settings
     * {@link dev.eddy.engine.kafka.FunctionClientSettings} allows.
     *
     * @throws InvalidFunctionException naming a setting that is not allowed, or a bad value
     */
    public FunctionBuilder kafkaSettings(Map<String, ?> consumer, Map<String, ?> producer) {
        this.consumerSettings = dev.eddy.engine.kafka.FunctionClientSettings.consumer("kafka.consumer", consumer);
        this.producerSettings = dev.eddy.engine.kafka.FunctionClientSettings.producer("kafka.producer", producer);
        return this;
    }

    /** Adds to the function's own configuration values. */
    public FunctionBuilder config(Map<String, String> values) {
        config.putAll(values);
        return this;
    }

    /** Adds resolved secrets, by the names the function asks for them. */
    public FunctionBuilder secrets(Map<String, String> values) {
        secrets.putAll(values);
        return this;
    }

    public FunctionBuilder retry(RetryPolicy retry) {
        this.retry = retry;
        return this;
    }

    public FunctionBuilder timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    /** The fewest workers an engine keeps (the manifest's {@code scaling.min}): 0 to scale to zero. */
    public FunctionBuilder scalingMin(int scalingMin) {
        this.scalingMin = scalingMin;
        return this;
    }

    /** The most workers its scaling controller asks for (the manifest's {@code scaling.max}). */
    public FunctionBuilder scalingMax(int scalingMax) {
        this.scalingMax = scalingMax;
        return this;
    }

    /** Scale to zero after this long without records (the manifest's {@code scaling.idleAfter}). */
    public FunctionBuilder idleAfter(Duration idleAfter) {
        this.idleAfter = idleAfter;
        return this;
    }

    /** Scale to zero after this long without records: {@code scalingMin(0).idleAfter(idleAfter)}. */
    public FunctionBuilder scaleToZero(Duration idleAfter) {
        return scalingMin(0).idleAfter(idleAfter);
    }

    /** The memory class in megabytes (the manifest's {@code memory}); for usage metering. */
    public FunctionBuilder memoryMb(int memoryMb) {
        this.memoryMb = memoryMb;
        return this;
    }

    public FunctionBuilder deadLetterTopic(String topic) {
        this.deadLetterTopic = topic;
        return this;
    }

    /** Whether emitted records carry CloudEvents headers; {@link CloudEventsMode#AUTO} by default. */
    /** Where the function starts on a partition it has no committed position on (default: earliest). */
    public FunctionBuilder startingPosition(StartingPosition position) {
        this.startingPosition = java.util.Objects.requireNonNull(position, "startingPosition");
        return this;
    }

    public FunctionBuilder cloudEvents(CloudEventsMode mode) {
        this.cloudEvents = java.util.Objects.requireNonNull(mode, "cloudEvents");
        return this;
    }

    public FunctionBuilder delivery(Delivery delivery) {
        this.delivery = delivery;
        this.deliverySet = true;
        return this;
    }

    /** Where the handler's keyed state is kept. */
    public FunctionBuilder stateStore(StateBackend store) {
        this.stateStore = store;
        return this;
    }

    /** @throws InvalidFunctionException naming the field, the value and what would be valid */
    public FunctionDefinition build() {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidFunctionException("name", name,
                    "use 1 to 63 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        if (inputs.isEmpty() == (inputPattern == null)) {
            throw new InvalidFunctionException("inputs", inputs.isEmpty() ? null : inputs, "a function reads"
                    + " either a list of topics (inputs) or the topics matching a pattern (inputPattern), exactly"
                    + " one");
        }
        if (inputPattern != null) {
            try {
                compiledPattern = Pattern.compile(inputPattern);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new InvalidFunctionException("inputPattern", inputPattern,
                        "a Java regular expression; " + e.getDescription() + " at index " + e.getIndex());
            }
        }
        for (String topic : inputs) {
            checkTopic("inputs", topic);
        }
        for (Map.Entry<String, String> output : outputs.entrySet()) {
            if (output.getKey() == null || output.getKey().isBlank()) {
                throw new InvalidFunctionException("outputs", output.getKey(), "an output needs a name");
            }
            checkTopic("outputs." + output.getKey(), output.getValue());
            if (inputs.contains(output.getValue()) || (compiledPattern != null
                    && compiledPattern.matcher(output.getValue()).matches())) {
                throw new InvalidFunctionException("outputs." + output.getKey(), output.getValue(),
                        "an output topic that is also an input would feed the function its own events forever");
            }
        }
        if (ordering == null) {
            throw new InvalidFunctionException("ordering", null, "one of KEY, PARTITION, UNORDERED");
        }
        ManifestField.MAX_CONCURRENCY.check(maxConcurrency);
        if (delivery == null) {
            throw new InvalidFunctionException("delivery", null, "AT_LEAST_ONCE or EXACTLY_ONCE");
        }
        if (version == null || !VERSION.matcher(version).matches()) {
            throw new InvalidFunctionException("version", version,
                    "1 to 64 characters: letters, digits, '.', '_', '+' or '-'");
        }
        if (retry == null) {
            retry = RetryPolicy.DEFAULT;
        }
        ManifestField.SCALING_MAX.check(scalingMax);
        if (ManifestField.SCALING_MIN.check(scalingMin) > scalingMax) {
            throw new InvalidFunctionException("scaling.min", scalingMin, "0 to scaling.max (" + scalingMax + ")");
        }
        if (scalingMin == 0 && compiledPattern != null) {
            throw new InvalidFunctionException("scaling.min", scalingMin, "at least 1 for a function whose inputs"
                    + " are a pattern (the watcher that wakes a function at zero watches named topics)");
        }
        ManifestField.SCALING_IDLE_AFTER.check(idleAfter);
        ManifestField.MEMORY.check(memoryMb);
        ManifestField.TIMEOUT.check(timeout);
        if (deadLetterTopic != null) {
            checkTopic("deadLetterTopic", deadLetterTopic);
            if (inputs.contains(deadLetterTopic) || outputs.containsValue(deadLetterTopic)) {
                throw new InvalidFunctionException("deadLetterTopic", deadLetterTopic,
                        "a topic that is neither an input nor an output of the function");
            }
        }
        FunctionDefinition.checkPatternSkipsDeadLetters(compiledPattern,
                deadLetterTopic != null ? deadLetterTopic : Names.DEFAULT.deadLetters(name));
        if (handler != null && !handler.state().isEmpty()) {
            checkState(handler.state());
        }
        if (windowed != null) {
            checkWindowed();
        } else if ((handler == null) == (batchHandler == null)) {
            throw new InvalidFunctionException("handler", handler == null ? null : "both",
                    "a function has either a handler or a batch handler");
        }
        ManifestField.BATCH_MAX_SIZE.check(maxBatchSize);
        ManifestField.BATCH_MAX_WAIT.check(maxBatchWait);
        checkTables();
        return new FunctionDefinition(this);
    }

    /** Every table the code declares has a topic, and every topic given is a declared table's. */
    private void checkTables() {
        dev.eddy.sdk.Lifecycle code = handler != null ? handler : batchHandler != null ? batchHandler : windowed;
        Set<String> declared = new java.util.LinkedHashSet<>();
        for (dev.eddy.sdk.TableSpec<?> table : code.tables()) {
            if (!declared.add(table.name())) {
                throw new InvalidFunctionException("tables", table.name(), "tables of different names; the code"
                        + " declares '" + table.name() + "' twice");
            }
            if (!tables.containsKey(table.name())) {
                throw new InvalidFunctionException("tables." + table.name(), null, "the topic of the table '"
                        + table.name() + "' that the code declares (tables: {" + table.name() + ": <topic>})");
            }
        }
        for (Map.Entry<String, String> table : tables.entrySet()) {
            if (!declared.contains(table.getKey())) {
                throw new InvalidFunctionException("tables." + table.getKey(), table.getValue(), "one of the tables"
                        + " the code declares in tables(): " + (declared.isEmpty() ? "none" : declared));
            }
            checkTopic("tables." + table.getKey(), table.getValue());
            if (outputs.containsValue(table.getValue())) {
                throw new InvalidFunctionException("tables." + table.getKey(), table.getValue(), "a topic that is"
                        + " not one of the function's outputs (it would look up what it writes)");
            }
        }
    }

    /** A windowed function: its windows, one kind of handler, a default output, named inputs, at least a worker. */
    private void checkWindowed() {
        if (handler != null || batchHandler != null) {
            throw new InvalidFunctionException("handler", "both", "a function is either windowed or has a handler");
        }
        if (window == null) {
            window = windowed.window();
        }
        if (window == null) {
            throw new InvalidFunctionException("window.kind", null, "a windowed function's windows: tumbling, hopping"
                    + " or session, in its code (window()) or in the manifest (window.*)");
        }
        if (window.kind() == dev.eddy.sdk.window.Window.Kind.SESSION && !windowed.aggregate().merges()) {
            throw new InvalidFunctionException("window.kind", "session", "an aggregate that merges (session windows"
                    + " merge when an event joins two), or tumbling or hopping windows");
        }
        if (!outputs.containsKey(FunctionDefinition.DEFAULT_OUTPUT)) {
            throw new InvalidFunctionException("outputs", outputs.keySet(), "a windowed function emits its windows"
                    + " to its default output: declare `default`");
        }
        if (!tables.isEmpty()) {
            throw new InvalidFunctionException("tables", tables.keySet(), "no tables for a windowed function: its"
                    + " aggregate looks nothing up (enrich its input with a handler first)");
        }
        if (inputPattern != null) {
            throw new InvalidFunctionException("inputPattern", inputPattern, "named inputs: a windowed function's"
                    + " inputs are co-partitioned topics, listed");
        }
        if (scalingMin == 0) {
            throw new InvalidFunctionException("scaling.min", 0, "at least 1 for a windowed function: its windows"
                    + " close by the wall clock while no record arrives, which takes a running worker");
        }
        if (stateStore != null && !(stateStore instanceof StateBackend.Kafka)) {
            throw new InvalidFunctionException("state.store", stateStore, "kafka: a windowed function keeps its"
                    + " windows in Kafka Streams' stores and their changelog topics");
        }
        if (!deliverySet) {
            delivery = Delivery.EXACTLY_ONCE;
        }
    }

    private void checkState(List<StateSpec> declared) {
        Set<String> names = new HashSet<>();
        for (StateSpec spec : declared) {
            if (spec == null || !names.add(spec.name())) {
                throw new InvalidFunctionException("state", spec == null ? null : spec.name(),
                        "each piece of state declared once, under its own name");
            }
        }
        if (stateStore == null) {
            throw new InvalidFunctionException("state.store", null, "one of kafka, redis, postgres");
        }
        if (ordering == Ordering.UNORDERED) {
            throw new InvalidFunctionException("ordering", ordering, "KEY or PARTITION for a function with keyed"
                    + " state " + names + ": in UNORDERED order two records of a key could run at once, and one"
                    + " would lose the other's change");
        }
        if (stateStore instanceof StateBackend.Kafka && (inputPattern != null || inputs.size() != 1)) {
            throw new InvalidFunctionException("inputs", inputPattern != null ? inputPattern : inputs,
                    "exactly one input topic for a function whose state is kept in Kafka: its changelog is"
                            + " partitioned like that topic. Keep the state in redis or postgres to read"
                            + " several topics");
        }
        if (delivery == Delivery.EXACTLY_ONCE && !(stateStore instanceof StateBackend.Kafka)) {
            throw new InvalidFunctionException("state.store", stateStore.kind(), "kafka for an EXACTLY_ONCE"
                    + " function: only the changelog topic commits with the outputs and offsets in one"
                    + " transaction. With " + stateStore.kind() + ", use AT_LEAST_ONCE: state changes still"
                    + " apply exactly once, through the offsets each write carries");
        }
    }

    private static void checkTopic(String field, String topic) {
        if (topic == null || !TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
            throw new InvalidFunctionException(field, topic,
                    "a Kafka topic name is 1 to 249 characters of letters, digits, '.', '_' or '-'");
        }
    }
}
