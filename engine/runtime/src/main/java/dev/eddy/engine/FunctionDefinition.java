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

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final Pattern VERSION = Pattern.compile("[a-zA-Z0-9._+-]{1,64}");

    private final String name;
    private final List<String> inputs;
    private final Pattern inputPattern;
    private final Map<String, String> outputs;
    private final Handler handler;
    private final BatchHandler batchHandler;
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

    private FunctionDefinition(Builder builder) {
        this.name = builder.name;
        this.inputs = List.copyOf(builder.inputs);
        this.inputPattern = builder.compiledPattern;
        this.outputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(builder.outputs));
        this.config = FunctionConfig.of(builder.config);
        this.secrets = Map.copyOf(builder.secrets);
        this.handler = builder.handler;
        this.batchHandler = builder.batchHandler;
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
    private static void checkPatternSkipsDeadLetters(Pattern inputPattern, String deadLetterTopic) {
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

    public static Builder builder(String name) {
        return new Builder(name);
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
        return handler != null ? handler : batchHandler;
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
        return "function '" + name + "' (inputs " + inputs + ", outputs " + outputs + ", " + ordering
                + " order, max concurrency " + maxConcurrency + ")";
    }

    /** Collects a function's parts; {@link #build()} checks them. */
    public static final class Builder {
        private final String name;
        private final List<String> inputs = new ArrayList<>();
        private String inputPattern;
        private Pattern compiledPattern;
        private final Map<String, String> outputs = new LinkedHashMap<>();
        private Handler handler;
        private BatchHandler batchHandler;
        private int maxBatchSize = 100;
        private Duration maxBatchWait = Duration.ZERO;
        private Ordering ordering = Ordering.KEY;
        private int maxConcurrency = DEFAULT_MAX_CONCURRENCY;
        private String version = "1";
        private RetryPolicy retry;
        private Duration timeout = DEFAULT_TIMEOUT;
        private int memoryMb = 256;
        private Map<String, Object> consumerSettings = Map.of();
        private Map<String, Object> producerSettings = Map.of();
        private int scalingMin = 1;
        private int scalingMax = 10;
        private Duration idleAfter = DEFAULT_IDLE_AFTER;
        private String deadLetterTopic;
        private final Map<String, String> config = new LinkedHashMap<>();
        private final Map<String, String> secrets = new LinkedHashMap<>();
        private Delivery delivery = Delivery.AT_LEAST_ONCE;
        private CloudEventsMode cloudEvents = CloudEventsMode.AUTO;
        private StartingPosition startingPosition = StartingPosition.EARLIEST;
        private StateBackend stateStore = StateBackend.kafka();

        private Builder(String name) {
            this.name = name;
        }

        /** Adds an input topic. */
        public Builder input(String topic) {
            inputs.add(topic);
            return this;
        }

        /** Reads every topic whose whole name matches the regular expression, topics created later included. */
        public Builder inputPattern(String regex) {
            this.inputPattern = regex;
            return this;
        }

        /** Sets the topic of the default output. */
        public Builder output(String topic) {
            return output(DEFAULT_OUTPUT, topic);
        }

        /** Adds a named output. */
        public Builder output(String outputName, String topic) {
            if (outputs.putIfAbsent(outputName, topic) != null) {
                throw new InvalidFunctionException("output", outputName, "the output is declared twice");
            }
            return this;
        }

        public Builder handler(Handler handler) {
            this.handler = handler;
            return this;
        }

        /**
         * Makes this a batch function: the handler gets up to {@code maxSize} events at a time, waiting at most
         * {@code maxWait} for more when fewer are there.
         */
        public Builder batchHandler(BatchHandler batchHandler, int maxSize, Duration maxWait) {
            this.batchHandler = batchHandler;
            this.maxBatchSize = maxSize;
            this.maxBatchWait = maxWait;
            return this;
        }

        public Builder ordering(Ordering ordering) {
            this.ordering = ordering;
            return this;
        }

        public Builder maxConcurrency(int maxConcurrency) {
            this.maxConcurrency = maxConcurrency;
            return this;
        }

        public Builder version(String version) {
            this.version = version;
            return this;
        }

        /**
         * Tunes the function's own Kafka consumer and producer: only the settings
         * {@link dev.eddy.engine.kafka.FunctionClientSettings} allows.
         *
         * @throws InvalidFunctionException naming a setting that is not allowed, or a bad value
         */
        public Builder kafkaSettings(Map<String, ?> consumer, Map<String, ?> producer) {
            this.consumerSettings = dev.eddy.engine.kafka.FunctionClientSettings.consumer("kafka.consumer", consumer);
            this.producerSettings = dev.eddy.engine.kafka.FunctionClientSettings.producer("kafka.producer", producer);
            return this;
        }

        /** Adds to the function's own configuration values. */
        public Builder config(Map<String, String> values) {
            config.putAll(values);
            return this;
        }

        /** Adds resolved secrets, by the names the function asks for them. */
        public Builder secrets(Map<String, String> values) {
            secrets.putAll(values);
            return this;
        }

        public Builder retry(RetryPolicy retry) {
            this.retry = retry;
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** The fewest workers an engine keeps (the manifest's {@code scaling.min}): 0 to scale to zero. */
        public Builder scalingMin(int scalingMin) {
            this.scalingMin = scalingMin;
            return this;
        }

        /** The most workers its scaling controller asks for (the manifest's {@code scaling.max}). */
        public Builder scalingMax(int scalingMax) {
            this.scalingMax = scalingMax;
            return this;
        }

        /** Scale to zero after this long without records (the manifest's {@code scaling.idleAfter}). */
        public Builder idleAfter(Duration idleAfter) {
            this.idleAfter = idleAfter;
            return this;
        }

        /** Scale to zero after this long without records: {@code scalingMin(0).idleAfter(idleAfter)}. */
        public Builder scaleToZero(Duration idleAfter) {
            return scalingMin(0).idleAfter(idleAfter);
        }

        /** The memory class in megabytes (the manifest's {@code memory}); for usage metering. */
        public Builder memoryMb(int memoryMb) {
            this.memoryMb = memoryMb;
            return this;
        }

        public Builder deadLetterTopic(String topic) {
            this.deadLetterTopic = topic;
            return this;
        }

        /** Whether emitted records carry CloudEvents headers; {@link CloudEventsMode#AUTO} by default. */
        /** Where the function starts on a partition it has no committed position on (default: earliest). */
        public Builder startingPosition(StartingPosition position) {
            this.startingPosition = java.util.Objects.requireNonNull(position, "startingPosition");
            return this;
        }

        public Builder cloudEvents(CloudEventsMode mode) {
            this.cloudEvents = java.util.Objects.requireNonNull(mode, "cloudEvents");
            return this;
        }

        public Builder delivery(Delivery delivery) {
            this.delivery = delivery;
            return this;
        }

        /** Where the handler's keyed state is kept. */
        public Builder stateStore(StateBackend store) {
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
            checkPatternSkipsDeadLetters(compiledPattern,
                    deadLetterTopic != null ? deadLetterTopic : Names.DEFAULT.deadLetters(name));
            if (handler != null && !handler.state().isEmpty()) {
                checkState(handler.state());
            }
            if ((handler == null) == (batchHandler == null)) {
                throw new InvalidFunctionException("handler", handler == null ? null : "both",
                        "a function has either a handler or a batch handler");
            }
            ManifestField.BATCH_MAX_SIZE.check(maxBatchSize);
            ManifestField.BATCH_MAX_WAIT.check(maxBatchWait);
            return new FunctionDefinition(this);
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
}
