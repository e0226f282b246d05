package dev.eddy.sdk.testing;

import dev.eddy.sdk.BatchHandler;
import dev.eddy.sdk.BatchResult;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Environment;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.FunctionConfig;
import dev.eddy.sdk.Handler;
import dev.eddy.sdk.KeyedState;
import dev.eddy.sdk.Lifecycle;
import dev.eddy.sdk.MapState;
import dev.eddy.sdk.Output;
import dev.eddy.sdk.StateSpec;
import dev.eddy.sdk.ValueState;
import dev.eddy.sdk.runtime.CallState;
import dev.eddy.sdk.runtime.ForwardingEnvironment;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Runs a handler in memory, as the engine would, one call at a time on the test's thread: no broker, a clock the
 * test moves, and every emit and log line kept for the test to look at.
 *
 * <pre>{@code
 * try (FunctionTester tester = FunctionTester.of(new Monitor()).outputs("alerts").config("threshold", "30")) {
 *     tester.send(Event.of("dev-1", "{\"celsius\": 31.5}"));
 *     assertEquals(1, tester.emitted(Monitor.ALERTS).size());
 * }
 * }</pre>
 *
 * <p>Like the engine, it calls {@code open} before the first event and {@code close} at the end; it refuses emits
 * to outputs the function was not declared with and emits after a call returned. It does not retry: a test that
 * wants to see the second attempt sends the event again with {@link #send(Event, int)}.
 */
public final class FunctionTester implements AutoCloseable {

    private final Handler handler;
    private final BatchHandler batchHandler;
    /** Whichever of the two is set. */
    private final Lifecycle lifecycle;
    /** The names of the state the handler declares. */
    private final Set<String> declaredState;
    private final Set<String> outputs = new LinkedHashSet<>(List.of(Output.DEFAULT_NAME));
    private final Map<String, String> config = new HashMap<>();
    private final Map<String, String> secrets = new HashMap<>();
    /** The rows of the tables the function declares, by table and key; filled by {@link #table}. */
    private final Map<String, Map<String, byte[]>> tables = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<Emitted> emitted = Collections.synchronizedList(new ArrayList<>());
    private final List<LogLine> logs = Collections.synchronizedList(new ArrayList<>());
    private final MemoryStateStore stateStore = new MemoryStateStore();
    private TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
    private String name = "function-under-test";
    private String version = "0";
    private String schemaRegistryUrl;
    private Duration timeout = Duration.ofSeconds(30);
    private Environment environment;
    private boolean closed;

    private FunctionTester(Handler handler, BatchHandler batchHandler) {
        this.handler = handler;
        this.batchHandler = batchHandler;
        this.lifecycle = handler != null ? handler : batchHandler;
        this.declaredState = handler == null ? Set.of()
                : handler.state().stream().map(StateSpec::name).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /** A tester of a per-event handler (typed handlers included). */
    public static FunctionTester of(Handler handler) {
        return new FunctionTester(Objects.requireNonNull(handler, "handler"), null);
    }

    /** A tester of a batch handler. */
    public static FunctionTester ofBatch(BatchHandler handler) {
        return new FunctionTester(null, Objects.requireNonNull(handler, "handler"));
    }

    /** The function's name, as {@link Environment#functionName()} gives it. */
    public FunctionTester name(String functionName) {
        beforeOpen();
        this.name = functionName;
        return this;
    }

    public FunctionTester version(String functionVersion) {
        beforeOpen();
        this.version = functionVersion;
        return this;
    }

    /** Named outputs the function may emit to, besides its default output. */
    public FunctionTester outputs(String... names) {
        beforeOpen();
        outputs.addAll(List.of(names));
        return this;
    }

    public FunctionTester config(String key, String value) {
        beforeOpen();
        config.put(key, value);
        return this;
    }

    public FunctionTester secret(String secretName, String value) {
        beforeOpen();
        secrets.put(secretName, value);
        return this;
    }

    /**
     * Puts a row in a table the function declares ({@link dev.eddy.sdk.Lifecycle#tables()}), encoded by the table's
     * codec, as the engine would have read it from the table's topic; a null value removes the key. It may be called
     * between events, as the table changes.
     *
     * @throws IllegalArgumentException when the function declares no such table
     */
    public <V> FunctionTester table(dev.eddy.sdk.TableSpec<V> table, String key, V value) {
        boolean declared = lifecycle.tables().stream().anyMatch(spec -> spec.name().equals(table.name()));
        if (!declared) {
            throw new IllegalArgumentException("the function declares no " + table + "; its tables are "
                    + lifecycle.tables());
        }
        Map<String, byte[]> rows = tables.computeIfAbsent(table.name(),
                name -> new java.util.concurrent.ConcurrentHashMap<>());
        if (value == null) {
            rows.remove(key);
        } else {
            rows.put(key, table.codec().encode(value));
        }
        return this;
    }

    /** The schema registry the function is given ({@link Environment#schemaRegistryUrl()}); none unless set. */
    public FunctionTester schemaRegistryUrl(String url) {
        beforeOpen();
        this.schemaRegistryUrl = url;
        return this;
    }

    /** How long a call may run: sets each call's {@link Context#deadline()} (the tester does not interrupt). */
    public FunctionTester timeout(Duration callTimeout) {
        beforeOpen();
        this.timeout = callTimeout;
        return this;
    }

    public FunctionTester clock(TestClock testClock) {
        beforeOpen();
        this.clock = testClock;
        return this;
    }

    /** The clock the function reads; move it with {@link TestClock#advance}. */
    public TestClock clock() {
        return clock;
    }

    /** Handles one event as a first attempt. */
    public Call send(Event event) {
        return send(event, 1);
    }

    /** Handles one event as the given attempt. */
    public Call send(Event event, int attempt) {
        if (handler == null) {
            throw new IllegalStateException("this tester holds a batch handler: use sendBatch");
        }
        CallContext context = new CallContext(open(), attempt);
        context.state = keyedState(event.key());
        Throwable failure = null;
        try {
            handler.handle(event, context);
        } catch (Exception | AssertionError e) {
            failure = e;
        } finally {
            context.done = true;
        }
        if (failure == null) {
            context.state.commit();
        } else {
            context.state.discard(); // a failed attempt leaves the state as it was, as in the engine
        }
        return new Call(List.copyOf(context.emits), failure, null);
    }

    /** Handles a batch of events as first attempts. */
    public Call sendBatch(List<Event> events) {
        if (batchHandler == null) {
            throw new IllegalStateException("this tester holds a per-event handler: use send");
        }
        if (events.isEmpty()) {
            throw new IllegalArgumentException("a batch has at least one event");
        }
        CallContext context = new CallContext(open(), 1);
        Throwable failure = null;
        BatchResult result = null;
        try {
            result = batchHandler.handle(List.copyOf(events), context);
            for (int index : result.failures().keySet()) {
                if (index < 0 || index >= events.size()) {
                    throw new IllegalArgumentException("the batch handler reported event " + index
                            + " as failed, in a batch of " + events.size());
                }
            }
        } catch (Exception | AssertionError e) {
            failure = e;
        } finally {
            context.done = true;
        }
        return new Call(List.copyOf(context.emits), failure, result);
    }

    /** The value of a key's state now, as the function would read it (a record key given as UTF-8 text). */
    public <T> java.util.Optional<T> state(String key, ValueState<T> state) {
        open();
        return keyedState(key == null ? null : key.getBytes(java.nio.charset.StandardCharsets.UTF_8)).get(state);
    }

    /** The entries of a key's map state now. */
    public <K, V> Map<K, V> state(String key, MapState<K, V> state) {
        open();
        return keyedState(key == null ? null : key.getBytes(java.nio.charset.StandardCharsets.UTF_8)).entries(state);
    }

    /** How many values and map entries the store holds, expired ones included until a read finds them. */
    public int storedStateCount() {
        return stateStore.size();
    }

    private CallState keyedState(byte[] recordKey) {
        return new CallState(stateStore, declaredState, name, clock, CallState.storeKey(recordKey));
    }

    /** Everything emitted so far, in order. */
    public List<Emitted> emitted() {
        synchronized (emitted) {
            return List.copyOf(emitted);
        }
    }

    /** The events emitted to one output so far, in order. */
    public List<Event> emitted(String output) {
        return emitted().stream().filter(e -> e.output().equals(output)).map(Emitted::event).toList();
    }

    /** The values emitted to a typed output so far, decoded by its codec. */
    public <T> List<T> emitted(Output<T> output) {
        return emitted(output.name()).stream().map(event -> output.codec().decode(event.value())).toList();
    }

    /** What the function logged so far. */
    public List<LogLine> logs() {
        synchronized (logs) {
            return List.copyOf(logs);
        }
    }

    /**
     * Calls the handler's {@code close}, if it was opened.
     *
     * @throws IllegalStateException when the handler's close throws, with that as its cause
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (environment != null) {
            try {
                lifecycle.close();
            } catch (Exception e) {
                throw new IllegalStateException("the function's close() failed: " + e.getMessage(), e);
            }
        }
    }

    private Environment open() {
        if (closed) {
            throw new IllegalStateException("the tester is closed");
        }
        if (environment == null) {
            environment = new TestEnvironment(name, version, FunctionConfig.of(config), Map.copyOf(secrets),
                    new RecordingLogger(name, logs), clock, Optional.ofNullable(schemaRegistryUrl), tables);
            try {
                lifecycle.open(environment);
            } catch (Exception e) {
                throw new IllegalStateException("the function's open() failed: " + e.getMessage(), e);
            }
        }
        return environment;
    }

    private void beforeOpen() {
        if (environment != null) {
            throw new IllegalStateException("the function is already open: set the tester up before sending");
        }
    }

    /**
     * One emitted event and the output it went to.
     *
     * @param output the output's name ({@link Output#DEFAULT_NAME} for the default output)
     * @param event  the event
     */
    public record Emitted(String output, Event event) {
    }

    /**
     * What one call did.
     *
     * @param emits   what it emitted, in order
     * @param failure what it threw, or null
     * @param result  a batch call's result, or null
     */
    public record Call(List<Emitted> emits, Throwable failure, BatchResult result) {

        /** Whether the call returned normally (and, for a batch, reported no failed event). */
        public boolean succeeded() {
            return failure == null && (result == null || result.allSucceeded());
        }
    }

    private final class CallContext implements Context, ForwardingEnvironment {

        private final Environment environment;
        private final int attempt;
        private final Instant deadline;
        private final List<Emitted> emits = new ArrayList<>();
        private volatile boolean done;
        /** The key's state; null in a batch. */
        private CallState state;

        CallContext(Environment environment, int attempt) {
            if (attempt < 1) {
                throw new IllegalArgumentException("attempts count from 1; got " + attempt);
            }
            this.environment = environment;
            this.attempt = attempt;
            this.deadline = clock.instant().plus(timeout);
        }

        @Override
        public void emit(Event event) {
            emit(Output.DEFAULT_NAME, event);
        }

        @Override
        public void emit(String output, Event event) {
            Objects.requireNonNull(event, "event");
            if (done) {
                throw new IllegalStateException("emit after the call returned");
            }
            if (!outputs.contains(output)) {
                throw new IllegalArgumentException("function '" + environment.functionName() + "' has no output '"
                        + output + "'; its outputs are " + outputs);
            }
            Emitted emit = new Emitted(output, event);
            emits.add(emit);
            emitted.add(emit);
        }

        @Override
        public int attempt() {
            return attempt;
        }

        @Override
        public Instant deadline() {
            return deadline;
        }

        @Override
        public Environment environment() {
            return environment;
        }

        @Override
        public KeyedState state() {
            if (state == null) {
                throw new IllegalStateException("a batch's events have many keys: keyed state is for per-event"
                        + " handlers");
            }
            return state;
        }
    }
}
