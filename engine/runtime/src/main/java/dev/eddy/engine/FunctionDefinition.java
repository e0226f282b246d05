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
 * What the engine needs to run a function: its name, the topics it reads, the topics behind its named outputs,
 * and the handler. Immutable; built with {@link #builder(String)}, validated when built.
 *
 * <p>The consumer group of a function is {@code eddy-<name>}: every engine that runs the function shares it, so
 * Kafka spreads the input partitions over them.
 */
public final class FunctionDefinition {

    /** The name of the output that {@link dev.eddy.sdk.Context#emit(dev.eddy.sdk.Event)} writes to. */
    public static final String DEFAULT_OUTPUT = dev.eddy.sdk.Output.DEFAULT_NAME;


    private final String name;
    private final List<String> inputs;
    private final Pattern inputPattern;
    private final Map<String, String> outputs;
    private final Handler handler;
    private final BatchHandler batchHandler;
    private final dev.eddy.sdk.window.WindowedFunction<?, ?, ?> windowed;
    private final dev.eddy.sdk.window.Window window;
    /** The topic of each table the function declares, by table name. */
    private final Map<String, String> tables;
    private final int maxBatchSize;
    private final Duration maxBatchWait;
    private final Ordering ordering;
    private final int maxConcurrency;
    private final String version;
    private final RetryPolicy retry;
    private final Duration timeout;
    private final int memoryMb;
    private final Map<String, Object> consumerSettings;
    private final Map<String, Object> producerSettings;
    private final int scalingMin;
    private final int scalingMax;
    private final Duration idleAfter;
    private final String deadLetterTopic;
    private final Delivery delivery;
    private final CloudEventsMode cloudEvents;
    private final StartingPosition startingPosition;
    private final FunctionConfig config;
    private final Map<String, String> secrets;
    private final StateBackend stateStore;
    /** What the function's group, transactional ids and Eddy-made topics are called ({@link Names#DEFAULT} unless an
     * engine with another prefix runs it). */
    private final Names names;
    /** The dead-letter topic the function set itself, or null for {@link Names#deadLetters}. */
    private final String ownDeadLetterTopic;

    // Defaults and bounds are the manifest catalogue's (ManifestField), for a function built in code too.
    /** How long a function that scales to zero waits without records, unless set. */
    public static final Duration DEFAULT_IDLE_AFTER = ManifestField.SCALING_IDLE_AFTER.durationDefault();
    /** How long a handler call may take unless the function says otherwise. */
    public static final Duration DEFAULT_TIMEOUT = ManifestField.TIMEOUT.durationDefault();
    /** The most events a batch may hold. */
    public static final int MAX_BATCH_SIZE = ManifestField.BATCH_MAX_SIZE.intMax();
    /** The longest timeout a function may ask for. */
    public static final Duration MAX_TIMEOUT = ManifestField.TIMEOUT.durationMax();

    /** The concurrency a function gets unless it says otherwise. */
    public static final int DEFAULT_MAX_CONCURRENCY = ManifestField.MAX_CONCURRENCY.intDefault();
    /** The most concurrent calls a function may ask for. */
    public static final int MAX_MAX_CONCURRENCY = ManifestField.MAX_CONCURRENCY.intMax();

    FunctionDefinition(FunctionBuilder builder) {
        this.name = builder.name;
        this.inputs = List.copyOf(builder.inputs);
        this.inputPattern = builder.compiledPattern;
        this.outputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(builder.outputs));
        this.config = FunctionConfig.of(builder.config);
        this.secrets = Map.copyOf(builder.secrets);
        this.handler = builder.handler;
        this.batchHandler = builder.batchHandler;
        this.windowed = builder.windowed;
        this.window = builder.windowed == null ? null : builder.window;
        this.tables = Map.copyOf(builder.tables);
        this.maxBatchSize = builder.maxBatchSize;
        this.maxBatchWait = builder.maxBatchWait;
        this.ordering = builder.ordering;
        this.maxConcurrency = builder.maxConcurrency;
        this.version = builder.version;
        this.retry = builder.retry;
        this.timeout = builder.timeout;
        this.memoryMb = builder.memoryMb;
        this.consumerSettings = Map.copyOf(builder.consumerSettings);
        this.producerSettings = Map.copyOf(builder.producerSettings);
        this.scalingMin = builder.scalingMin;
        this.scalingMax = builder.scalingMax;
        this.idleAfter = builder.idleAfter;
        this.names = Names.DEFAULT;
        this.ownDeadLetterTopic = builder.deadLetterTopic;
        this.deadLetterTopic = builder.deadLetterTopic != null ? builder.deadLetterTopic : names.deadLetters(name);
        this.delivery = builder.delivery;
        this.cloudEvents = builder.cloudEvents;
        this.startingPosition = builder.startingPosition;
        this.stateStore = builder.stateStore;
    }

    private FunctionDefinition(FunctionDefinition other, Names names) {
        this.name = other.name;
        this.inputs = other.inputs;
        this.inputPattern = other.inputPattern;
        this.outputs = other.outputs;
        this.config = other.config;
        this.secrets = other.secrets;
        this.handler = other.handler;
        this.batchHandler = other.batchHandler;
        this.windowed = other.windowed;
        this.window = other.window;
        this.tables = other.tables;
        this.maxBatchSize = other.maxBatchSize;
        this.maxBatchWait = other.maxBatchWait;
        this.ordering = other.ordering;
        this.maxConcurrency = other.maxConcurrency;
        this.version = other.version;
        this.retry = other.retry;
        this.timeout = other.timeout;
        this.memoryMb = other.memoryMb;
        this.consumerSettings = other.consumerSettings;
        this.producerSettings = other.producerSettings;
        this.scalingMin = other.scalingMin;
        this.scalingMax = other.scalingMax;
        this.idleAfter = other.idleAfter;
        this.names = names;
        this.ownDeadLetterTopic = other.ownDeadLetterTopic;
        this.deadLetterTopic = ownDeadLetterTopic != null ? ownDeadLetterTopic : names.deadLetters(name);
        this.delivery = other.delivery;
        this.cloudEvents = other.cloudEvents;
        this.startingPosition = other.startingPosition;
        this.stateStore = other.stateStore;
        checkPatternSkipsDeadLetters(inputPattern, deadLetterTopic);
    }

    /** @throws InvalidFunctionException when the function's input pattern matches its dead-letter topic */
    static void checkPatternSkipsDeadLetters(Pattern inputPattern, String deadLetterTopic) {
        if (inputPattern != null && inputPattern.matcher(deadLetterTopic).matches()) {
            throw new InvalidFunctionException("inputPattern", inputPattern.pattern(), "a pattern that does not match"
                    + " the function's dead-letter topic '" + deadLetterTopic + "': the function would read its own"
                    + " dead letters");
        }
    }

    /**
     * This function as an engine whose names have another prefix runs it: its consumer group, transactional ids,
     * state changelog, replay topic and (unless it set its own) dead-letter topic under that prefix.
     */
    public FunctionDefinition withNames(Names names) {
        return names.equals(this.names) ? this : new FunctionDefinition(this, names);
    }

    /** What the function's group, transactional ids and Eddy-made topics are called. */
    public Names names() {
        return names;
    }

    public static FunctionBuilder builder(String name) {
        return new FunctionBuilder(name);
    }

    public String name() {
        return name;
    }

    /** The consumer group the function's engines share. */
    public String groupId() {
        return names.group(name);
    }

    /** The input topics; at least one. */
    public List<String> inputs() {
        return inputs;
    }

    /** Output name to topic, in the order they were declared; possibly empty. */
    public Map<String, String> outputs() {
        return outputs;
    }

    /** The handler, for a function that takes one event at a time; null for a batch function. */
    public Handler handler() {
        return handler;
    }

    /** The batch handler, for a function that takes events in batches; null otherwise. */
    public BatchHandler batchHandler() {
        return batchHandler;
    }

    /** The handler, whichever kind it is: what is opened before the first call and closed after the last. */
    public Lifecycle lifecycle() {
        return handler != null ? handler : batchHandler != null ? batchHandler : windowed;
    }

    /** The topic of each table the function declares ({@link Lifecycle#tables()}), by table name. */
    public Map<String, String> tables() {
        return tables;
    }

    /** The windowed function, for a function that aggregates over windows; null otherwise. */
    public dev.eddy.sdk.window.WindowedFunction<?, ?, ?> windowed() {
        return windowed;
    }

    /** A windowed function's windows (the manifest's, else its own); null for other functions. */
    public dev.eddy.sdk.window.Window window() {
        return window;
    }

    /** The most events in one batch, for a batch function. */
    public int maxBatchSize() {
        return maxBatchSize;
    }

    /** How long a batch function waits for more events to fill a batch; zero: a batch is what is there. */
    public Duration maxBatchWait() {
        return maxBatchWait;
    }

    /** The order records are handled in; {@link Ordering#KEY} unless set. */
    public Ordering ordering() {
        return ordering;
    }

    /**
     * The most handler calls that run at once on one engine, whatever the partition count; in {@link
     * Ordering#PARTITION} order the partitions assigned bound it instead.
     */
    public int maxConcurrency() {
        return maxConcurrency;
    }

    /** The function's version, as deployed; "1" unless set. */
    public String version() {
        return version;
    }

    /** The function's own configuration values, as {@link dev.eddy.sdk.Environment#config()} gives them. */
    public FunctionConfig config() {
        return config;
    }

    /** The function's secrets, by name, resolved; never printed. */
    public Map<String, String> secrets() {
        return secrets;
    }

    /** What the function's effects on Kafka promise after a crash; {@link Delivery#AT_LEAST_ONCE} unless set. */
    public Delivery delivery() {
        return delivery;
    }

    /** Whether the records the function emits carry CloudEvents headers. */
    public CloudEventsMode cloudEvents() {
        return cloudEvents;
    }

    /** Where the function starts on a partition it has no committed position on. */
    public StartingPosition startingPosition() {
        return startingPosition;
    }

    /** The keyed state the handler declares (see {@link Handler#state()}); empty for most functions. */
    public List<StateSpec> state() {
        return handler == null ? List.of() : handler.state();
    }

    /** Where the function's keyed state is kept: {@link StateBackend#kafka()} unless set. */
    public StateBackend stateStore() {
        return stateStore;
    }

    /**
     * How failed records are tried again before they are dead-lettered: {@link RetryPolicy#DEFAULT} unless set. Under
     * EXACTLY_ONCE a record waiting for a retry does not hold the function's transactions: commits stop at it and
     * name the records past it that are done.
     */
    public RetryPolicy retry() {
        return retry;
    }

    /** How long one handler call may take before it counts as failed ({@link FailureReason#TIMED_OUT}). */
    public Duration timeout() {
        return timeout;
    }

    /** The fewest workers an engine keeps for the function: 0 when it scales to zero while idle; 1 unless set. */
    public int scalingMin() {
        return scalingMin;
    }

    /** The most workers its scaling controller asks for (10 unless set). */
    public int scalingMax() {
        return scalingMax;
    }

    /** How long a function that scales to zero goes without records before it does (5 minutes unless set). */
    public Duration idleAfter() {
        return idleAfter;
    }

    /** The function's memory class in megabytes, the unit of its usage metering (GB-seconds); 256 unless set. */
    public int memoryMb() {
        return memoryMb;
    }

    /** The function's own consumer tuning, over the engine's ({@link dev.eddy.engine.kafka.FunctionClientSettings}). */
    public Map<String, Object> consumerSettings() {
        return consumerSettings;
    }

    /** The function's own producer tuning, over the engine's ({@link dev.eddy.engine.kafka.FunctionClientSettings}). */
    public Map<String, Object> producerSettings() {
        return producerSettings;
    }

    /** Where records go that failed for good: {@code <prefix>.dlq.<name>} unless set. */
    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    /**
     * Where {@code ./eddy dlq replay} sends dead letters to be handled again: {@code eddy.replay.<name>}. The
     * function reads it besides its inputs, so a replayed record reaches this function and no other.
     */
    public String replayTopic() {
        return names.replay(name);
    }

    /** Where the Kafka state store keeps the function's keyed state. */
    public String changelogTopic() {
        return names.state(name);
    }

    /** The topics the function's consumer subscribes to: its inputs and its replay topic. */
    public List<String> subscription() {
        List<String> topics = new ArrayList<>(inputs);
        topics.add(replayTopic());
        return List.copyOf(topics);
    }

    /** The pattern of the input topics, if the function reads by pattern rather than a list. */
    public Optional<Pattern> inputPattern() {
        return Optional.ofNullable(inputPattern);
    }

    /** For a function that reads by pattern: the topics it subscribes to, its replay topic included. */
    public Optional<Pattern> subscriptionPattern() {
        return inputPattern().map(pattern -> Pattern.compile("(?:" + pattern.pattern() + ")|"
                + Pattern.quote(replayTopic())));
    }

    @Override
    public String toString() {
        if (windowed != null) {
            return "windowed function '" + name + "' (inputs " + inputs + ", outputs " + outputs + ", " + window
                    + ", " + delivery + ")";
        }
        return "function '" + name + "' (inputs " + inputs + ", outputs " + outputs + ", " + ordering
                + " order, max concurrency " + maxConcurrency + ")";
    }
}
