package dev.eddy.engine;

import dev.eddy.sdk.Handler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
    public static final String DEFAULT_OUTPUT = "default";

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    private final String name;
    private final List<String> inputs;
    private final Map<String, String> outputs;
    private final Handler handler;
    private final Ordering ordering;
    private final int maxConcurrency;

    /** The concurrency a function gets unless it says otherwise. */
    public static final int DEFAULT_MAX_CONCURRENCY = 100;
    /** The most concurrent calls a function may ask for. */
    public static final int MAX_MAX_CONCURRENCY = 100_000;

    private FunctionDefinition(Builder builder) {
        this.name = builder.name;
        this.inputs = List.copyOf(builder.inputs);
        this.outputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(builder.outputs));
        this.handler = builder.handler;
        this.ordering = builder.ordering;
        this.maxConcurrency = builder.maxConcurrency;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    /** The consumer group the function's engines share. */
    public String groupId() {
        return "eddy-" + name;
    }

    /** The input topics; at least one. */
    public List<String> inputs() {
        return inputs;
    }

    /** Output name to topic, in the order they were declared; possibly empty. */
    public Map<String, String> outputs() {
        return outputs;
    }

    public Handler handler() {
        return handler;
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

    @Override
    public String toString() {
        return "function '" + name + "' (inputs " + inputs + ", outputs " + outputs + ", " + ordering
                + " order, max concurrency " + maxConcurrency + ")";
    }

    /** Collects a function's parts; {@link #build()} checks them. */
    public static final class Builder {
        private final String name;
        private final List<String> inputs = new ArrayList<>();
        private final Map<String, String> outputs = new LinkedHashMap<>();
        private Handler handler;
        private Ordering ordering = Ordering.KEY;
        private int maxConcurrency = DEFAULT_MAX_CONCURRENCY;

        private Builder(String name) {
            this.name = name;
        }

        /** Adds an input topic. */
        public Builder input(String topic) {
            inputs.add(topic);
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

        public Builder ordering(Ordering ordering) {
            this.ordering = ordering;
            return this;
        }

        public Builder maxConcurrency(int maxConcurrency) {
            this.maxConcurrency = maxConcurrency;
            return this;
        }

        /** @throws InvalidFunctionException naming the field, the value and what would be valid */
        public FunctionDefinition build() {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new InvalidFunctionException("name", name,
                        "use 1 to 63 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter or digit");
            }
            if (inputs.isEmpty()) {
                throw new InvalidFunctionException("inputs", inputs, "a function needs at least one input topic");
            }
            for (String topic : inputs) {
                checkTopic("inputs", topic);
            }
            for (Map.Entry<String, String> output : outputs.entrySet()) {
                if (output.getKey() == null || output.getKey().isBlank()) {
                    throw new InvalidFunctionException("outputs", output.getKey(), "an output needs a name");
                }
                checkTopic("outputs." + output.getKey(), output.getValue());
                if (inputs.contains(output.getValue())) {
                    throw new InvalidFunctionException("outputs." + output.getKey(), output.getValue(),
                            "an output topic that is also an input would feed the function its own events forever");
                }
            }
            if (ordering == null) {
                throw new InvalidFunctionException("ordering", null, "one of KEY, PARTITION, UNORDERED");
            }
            if (maxConcurrency < 1 || maxConcurrency > MAX_MAX_CONCURRENCY) {
                throw new InvalidFunctionException("maxConcurrency", maxConcurrency,
                        "a whole number from 1 to " + MAX_MAX_CONCURRENCY);
            }
            Objects.requireNonNull(handler, "handler");
            return new FunctionDefinition(this);
        }

        private static void checkTopic(String field, String topic) {
            if (topic == null || !TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
                throw new InvalidFunctionException(field, topic,
                        "a Kafka topic name is 1 to 249 characters of letters, digits, '.', '_' or '-'");
            }
        }
    }
}
