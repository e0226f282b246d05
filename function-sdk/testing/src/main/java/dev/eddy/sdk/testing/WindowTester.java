package dev.eddy.sdk.testing;

import dev.eddy.sdk.CodecException;
import dev.eddy.sdk.Environment;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.FunctionConfig;
import dev.eddy.sdk.runtime.Windowing;
import dev.eddy.sdk.window.Window;
import dev.eddy.sdk.window.WindowResult;
import dev.eddy.sdk.window.WindowedFunction;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs a windowed function in memory, as the engine runs one partition of it: events in, window results and dead
 * letters out, a clock the test moves. Windows close as the test {@linkplain #advance advances} the clock, by the
 * same rules as deployed (the partition's time is the latest event time, going on by the clock while no event
 * arrives; see {@link Window}).
 *
 * <pre>{@code
 * WindowTester<Reading, Stats, WindowResult<Stats>> tester = WindowTester.of(new DeviceStats());
 * tester.send("dev-1", "{\"celsius\": 20}", tester.clock().instant());
 * tester.advance(Duration.ofSeconds(12));                  // the 10 s window and its 2 s grace have passed
 * assertEquals(20.0, tester.results().get(0).value().max());
 * }</pre>
 *
 * <p>Deployed, a partition is quiet once it has read everything and had no event for {@code windows.quiet.after.ms},
 * and final results come at the engine's next window check (every {@code windows.close.interval.ms}); here the one
 * partition is quiet at once, and windows close after each event and each advance.
 *
 * @param <T> the events' values
 * @param <A> the accumulator
 * @param <R> the results
 */
public final class WindowTester<T, A, R> implements AutoCloseable {

    /**
     * An event the function did not take, as the engine dead-letters it.
     *
     * @param event  the event
     * @param reason {@code LATE} (its windows had closed) or {@code UNDECODABLE} (no key, or a value the input
     *               codec refused)
     * @param detail what was wrong: the windows it missed, or the codec's message
     */
    public record DeadLetter(Event event, String reason, String detail) {
    }

    private final WindowedFunction<T, A, R> function;
    private final MemoryWindowStore store = new MemoryWindowStore();
    private final List<WindowResult<A>> windows = new ArrayList<>();
    private final List<R> results = new ArrayList<>();
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private final Map<String, String> config = new HashMap<>();
    private final List<LogLine> logs = new ArrayList<>();
    private TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
    private Window window;
    private Windowing<T, A> windowing;
    private Environment environment;

    private WindowTester(WindowedFunction<T, A, R> function) {
        this.function = function;
        this.window = function.window();
    }

    /** A tester of a windowed function, with the windows it declares. */
    public static <T, A, R> WindowTester<T, A, R> of(WindowedFunction<T, A, R> function) {
        return new WindowTester<>(function);
    }

    /** Other windows than the function's own, as a manifest's {@code window.*} fields give them. */
    public WindowTester<T, A, R> window(Window windows) {
        beforeOpen();
        this.window = windows;
        return this;
    }

    /** A setting of the function's configuration. */
    public WindowTester<T, A, R> config(String key, String value) {
        beforeOpen();
        config.put(key, value);
        return this;
    }

    /** Uses this clock (it starts at 2026-01-01T00:00:00Z otherwise). */
    public WindowTester<T, A, R> clock(TestClock testClock) {
        beforeOpen();
        this.clock = testClock;
        return this;
    }

    /** The clock windows close by. */
    public TestClock clock() {
        return clock;
    }

    /** Sends an event with this key, UTF-8 value and event time. */
    public void send(String key, String value, Instant eventTime) {
        send(Event.of(key, value).withTimestamp(eventTime.toEpochMilli()));
    }

    /**
     * Sends an event: its event time is its timestamp, or the clock's time when it has none. Windows whose close
     * has come are closed after it.
     */
    public void send(Event event) {
        Windowing<T, A> open = open();
        if (event.key() == null) {
            deadLetters.add(new DeadLetter(event, "UNDECODABLE", "a windowed function groups events by key; this"
                    + " event has none"));
            return;
        }
        T value;
        try {
            value = function.input().decode(event, environment);
        } catch (CodecException e) {
            deadLetters.add(new DeadLetter(event, "UNDECODABLE", e.getMessage()));
            return;
        }
        long now = clock.millis();
        long time = event.timestampMillis() == Event.NO_TIMESTAMP ? now : event.timestampMillis();
        List<Windowing.Bounds> missed = open.add(event.key(), value, time, now, this::emit);
        if (!missed.isEmpty()) {
            deadLetters.add(new DeadLetter(event, "LATE", "its window " + (missed.size() == 1 ? missed.get(0)
                    : missed.toString()) + " had closed (the function's time was "
                    + Instant.ofEpochMilli(open.time(now)) + ")"));
        }
        open.closeDue(now, this::emit);
    }

    /** Moves the clock forward and closes the windows whose close has come. */
    public void advance(Duration duration) {
        Windowing<T, A> open = open();
        clock.advance(duration);
        open.closeDue(clock.millis(), this::emit);
    }

    /** What the function emitted, in order: updates and final results. */
    public List<R> results() {
        return List.copyOf(results);
    }

    /** The windows behind {@link #results()}, in the same order, before the function's {@code result}. */
    public List<WindowResult<A>> windows() {
        return List.copyOf(windows);
    }

    /** The final results only: one per window and key. */
    public List<WindowResult<A>> closedWindows() {
        return windows.stream().filter(WindowResult::closed).toList();
    }

    /** The events the function did not take. */
    public List<DeadLetter> deadLetters() {
        return List.copyOf(deadLetters);
    }

    /** How many windows are open (not yet closed). */
    public int openWindows() {
        return store.size();
    }

    /** What the function logged. */
    public List<LogLine> logs() {
        return List.copyOf(logs);
    }

    /** Calls the function's {@code close}, if it was opened. */
    @Override
    public void close() {
        if (environment != null) {
            try {
                function.close();
            } catch (Exception e) {
                throw new IllegalStateException("the function's close() failed: " + e.getMessage(), e);
            }
        }
    }

    private void emit(byte[] key, WindowResult<A> result) {
        R emitted = function.result(result);
        function.output().encode(emitted); // as the engine would: a result the codec refuses fails here
        windows.add(result);
        results.add(emitted);
    }

    private Windowing<T, A> open() {
        if (windowing == null) {
            if (window == null) {
                throw new IllegalStateException("the function declares no window: give one with window(...), as"
                        + " the manifest's window.* fields would");
            }
            environment = new TestEnvironment("windowed-function-under-test", "0", FunctionConfig.of(config),
                    Map.of(), new RecordingLogger("windowed-function-under-test", logs), clock, Optional.empty(),
                    Map.of());
            try {
                function.open(environment);
            } catch (Exception e) {
                throw new IllegalStateException("the function's open() failed: " + e.getMessage(), e);
            }
            windowing = new Windowing<>(window, function.aggregate(), store, clock.millis());
        }
        return windowing;
    }

    private void beforeOpen() {
        if (windowing != null) {
            throw new IllegalStateException("the function is already open: set the tester up before sending");
        }
    }
}
