package dev.eddy.engine.manifest;

import dev.eddy.engine.CloudEventsMode;
import dev.eddy.engine.Delivery;
import dev.eddy.engine.FunctionBuilder;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.Ordering;
import dev.eddy.engine.RetryPolicy;
import dev.eddy.engine.StateBackend;
import dev.eddy.sdk.BatchHandler;
import dev.eddy.sdk.Handler;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A function's manifest ({@code function.yaml}), read and checked field by field by {@link ManifestParser}. It says
 * everything about a function but its code: {@link #toDefinition} joins the two.
 *
 * @param handlerClass  the handler: the Java class name, or a language function's entry point; null for a remote one
 * @param remoteUrl     the remote function's URL, or null for a Java handler
 * @param inputs        the input topics; empty when {@code inputPattern} is given
 * @param inputPattern  the input topics' pattern, or null
 * @param retry         the retry policy, or null for the delivery's default
 * @param batchMaxSize  events per call, 0 when the function does not take batches
 * @param deadLetterTopic the dead-letter topic, or null for the default
 * @param secrets       secret names mapped to references ({@code env:NAME}, {@code file:/path}), not values
 * @param stateStore    where the handler's keyed state is kept, if it declares any
 * @param stateValues   a remote function's state: the names of its JSON values; empty for none
 * @param stateTtl      how long a remote function's state values live after a write, or null for ever
 * @param cloudEvents   whether the records it emits carry CloudEvents headers
 * @param kafkaConsumer tuning of the function's consumer, checked when the definition is made
 * @param kafkaProducer tuning of the function's producer, likewise
 * @param startingPosition where it starts on a partition it has no committed position on
 * @param delivery      how its records are delivered, or null for the default (a windowed function's differs)
 * @param window        a windowed function's windows, in place of its own; null when the manifest gives none
 * @param tables        the topic of each table the handler declares, by table name
 * @param runtime       what runs the handler: java, or a language whose processes the engine starts
 */
public record Manifest(String name, String version, String handlerClass, URI remoteUrl, List<String> inputs,
        String inputPattern, Map<String, String> outputs, Format keyFormat, Format valueFormat, Ordering ordering,
        int maxConcurrency, Delivery delivery, Duration timeout, RetryPolicy retry, int batchMaxSize,
        Duration batchMaxWait, String deadLetterTopic, int memoryMb, int scalingMin, int scalingMax,
        Duration scalingIdleAfter,
        Map<String, String> config, Map<String, String> secrets, StateBackend stateStore, List<String> stateValues,
        Duration stateTtl, CloudEventsMode cloudEvents, Map<String, String> kafkaConsumer,
        Map<String, String> kafkaProducer, dev.eddy.engine.StartingPosition startingPosition,
        dev.eddy.sdk.window.Window window, Map<String, String> tables, Runtime runtime) {

    /** How a key or value is written in the remote protocol's JSON. */
    public enum Format {
        BYTES, STRING, JSON
    }

    /** What runs the handler: the engine's JVM, or language processes the engine starts. */
    public enum Runtime {
        JAVA("([\\p{L}_$][\\p{L}\\p{N}_$]*\\.)*[\\p{L}_$][\\p{L}\\p{N}_$]*",
                "a fully qualified class name in the function's jar, such as com.example.Greeter"),
        PYTHON("(?!.*\\.py(:|$))[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*(:[A-Za-z_][A-Za-z0-9_]*)?",
                "a Python module in the function's folder, or module:name of a function or class in it, such as"
                        + " main:handle (the module's name, without .py)"),
        NODE("([A-Za-z0-9_@][A-Za-z0-9_.@-]*/)*[A-Za-z0-9_@][A-Za-z0-9_.@-]*\\.(mjs|js|cjs)",
                "a module file in the function's folder, relative to it, such as index.mjs (no '..')");

        private final java.util.regex.Pattern entryPoint;
        private final String entryPointText;

        Runtime(String entryPoint, String entryPointText) {
            this.entryPoint = java.util.regex.Pattern.compile(entryPoint);
            this.entryPointText = entryPointText;
        }

        public java.util.regex.Pattern entryPoint() {
            return entryPoint;
        }

        public String entryPointText() {
            return entryPointText;
        }
    }

    public Manifest {
        inputs = List.copyOf(inputs);
        outputs = Map.copyOf(outputs);
        config = Map.copyOf(config);
        secrets = Map.copyOf(secrets);
        stateValues = List.copyOf(stateValues);
        kafkaConsumer = Map.copyOf(kafkaConsumer);
        kafkaProducer = Map.copyOf(kafkaProducer);
        tables = Map.copyOf(tables);
    }

    public boolean isRemote() {
        return remoteUrl != null;
    }

    /** A function whose handler the engine runs as language processes ({@code runtime: python|node}). */
    public boolean isLanguage() {
        return runtime != Runtime.JAVA;
    }

    /** Called over the remote protocol: at its URL, or in the processes the engine runs. */
    public boolean speaksRemoteProtocol() {
        return isRemote() || isLanguage();
    }

    /**
     * The function definition of this manifest with its code.
     *
     * @param handler         an instance of the handler class ({@link Handler} or {@link BatchHandler}); for a
     *                        remote function, the engine's client of it
     * @param resolvedSecrets the secrets' values, by name
     * @throws dev.eddy.engine.InvalidFunctionException when the two do not fit together
     */
    public FunctionDefinition toDefinition(Object handler, Map<String, String> resolvedSecrets) {
        FunctionBuilder builder = FunctionDefinition.builder(name)
                .version(version)
                .ordering(ordering)
                .maxConcurrency(maxConcurrency)
                .cloudEvents(cloudEvents)
                .startingPosition(startingPosition)
                .timeout(timeout)
                .memoryMb(memoryMb)
                .scalingMin(scalingMin)
                .scalingMax(scalingMax)
                .idleAfter(scalingIdleAfter)
                .config(config)
                .secrets(resolvedSecrets)
                .stateStore(stateStore)
                .kafkaSettings(kafkaConsumer, kafkaProducer);
        inputs.forEach(builder::input);
        if (inputPattern != null) {
            builder.inputPattern(inputPattern);
        }
        outputs.forEach(builder::output);
        tables.forEach(builder::table);
        if (retry != null) {
            builder.retry(retry);
        }
        if (delivery != null) {
            builder.delivery(delivery);
        }
        if (deadLetterTopic != null) {
            builder.deadLetterTopic(deadLetterTopic);
        }
        if (window != null && !(handler instanceof dev.eddy.sdk.window.WindowedFunction<?, ?, ?>)) {
            throw new dev.eddy.engine.InvalidFunctionException(ManifestField.WINDOW_KIND.path(),
                    window.kind().name().toLowerCase(), "no window.* for " + (handler == null ? "this function"
                            : handler.getClass().getName()) + ": windows are for a class implementing"
                            + " dev.eddy.sdk.window.WindowedFunction");
        }
        if (handler instanceof dev.eddy.sdk.window.WindowedFunction<?, ?, ?> windowed) {
            if (batchMaxSize > 0) {
                throw new dev.eddy.engine.InvalidFunctionException(ManifestField.BATCH_MAX_SIZE.path(), batchMaxSize,
                        "no batches for a windowed function: its windows take events one at a time");
            }
            builder.windowed(windowed).window(window);
        } else if (handler instanceof BatchHandler batch) {
            builder.batchHandler(batch, batchMaxSize == 0 ? 100 : batchMaxSize, batchMaxWait);
        } else if (handler instanceof Handler single) {
            if (batchMaxSize > 0) {
                throw new dev.eddy.engine.InvalidFunctionException(ManifestField.BATCH_MAX_SIZE.path(), batchMaxSize,
                        handler.getClass().getName() + " handles one event at a time; batches need a BatchHandler");
            }
            builder.handler(single);
        } else {
            throw new dev.eddy.engine.InvalidFunctionException(ManifestField.HANDLER.path(),
                    handler == null ? null : handler.getClass().getName(),
                    "a class implementing dev.eddy.sdk.Handler, TypedHandler, BatchHandler or"
                            + " dev.eddy.sdk.window.WindowedFunction");
        }
        return builder.build();
    }
}
