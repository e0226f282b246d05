package dev.eddy.sdk.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.sdk.Codec;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.runtime.Windowing;
import dev.eddy.sdk.window.Aggregate;
import dev.eddy.sdk.window.Stats;
import dev.eddy.sdk.window.Window;
import dev.eddy.sdk.window.WindowResult;
import dev.eddy.sdk.window.WindowedFunction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WindowTesterTest {

    record Reading(String device, double celsius) {
    }

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Window TEN_SECONDS = Window.tumbling(Duration.ofSeconds(10)).grace(Duration.ofSeconds(2));

    private static WindowTester<Reading, Stats, WindowResult<Stats>> statsTester(Window window) {
        return WindowTester.of(WindowedFunction.of(Codec.json(Reading.class), window,
                Aggregate.stats(Reading::celsius)));
    }

    private static String reading(double celsius) {
        return "{\"device\":\"d\",\"celsius\":" + celsius + "}";
    }

    @Test
    void tumblingWindowsCloseAfterTheirGraceWithTheirStats() {
        WindowTester<Reading, Stats, WindowResult<Stats>> tester = statsTester(TEN_SECONDS);
        tester.send("dev-1", reading(20), T0.plusSeconds(1));
        tester.send("dev-1", reading(24), T0.plusSeconds(9));
        tester.send("dev-2", reading(5), T0.plusSeconds(3));
        tester.send("dev-1", reading(30), T0.plusSeconds(11)); // the next window; the first waits for its grace
        assertEquals(List.of(), tester.closedWindows());

        tester.send("dev-1", reading(22), T0.plusSeconds(10).plusMillis(500)); // out of order, within grace
        tester.send("dev-2", reading(7), T0.plusSeconds(12)); // stream time 12 s: [0, 10) closes (end 10 + grace 2)
        List<WindowResult<Stats>> closed = tester.closedWindows();
        assertEquals(2, closed.size(), closed.toString());
        WindowResult<Stats> dev1 = closed.stream().filter(w -> w.key().equals("dev-1")).findFirst().orElseThrow();
        assertEquals(T0.toEpochMilli(), dev1.start());
        assertEquals(T0.plusSeconds(10).toEpochMilli(), dev1.end());
        assertEquals(Stats.of(2, 44, 20, 24), dev1.value());
        assertEquals(22.0, dev1.value().avg());
        WindowResult<Stats> dev2 = closed.stream().filter(w -> w.key().equals("dev-2")).findFirst().orElseThrow();
        assertEquals(1, dev2.value().count());

        tester.send("dev-2", reading(99), T0.plusSeconds(8)); // [0, 10) closed: late, not counted
        assertEquals(1, tester.deadLetters().size());
        assertEquals("LATE", tester.deadLetters().get(0).reason());
        assertTrue(tester.deadLetters().get(0).detail().contains("2026-01-01T00:00:00Z, 2026-01-01T00:00:10Z"),
                tester.deadLetters().get(0).detail());
        assertEquals(2, tester.closedWindows().size());
    }

    @Test
    void aQuietDevicesLastWindowClosesByTheWallClock() {
        WindowTester<Reading, Stats, WindowResult<Stats>> tester = statsTester(TEN_SECONDS);
        tester.clock().set(T0.plusSeconds(5));
        tester.send("dev-1", reading(20), T0.plusSeconds(5));
        tester.advance(Duration.ofMillis(6_999)); // time 11.999 s: within the grace
        assertEquals(0, tester.closedWindows().size());
        tester.advance(Duration.ofMillis(1)); // 12 s: window end 10 s + grace 2 s
        assertEquals(1, tester.closedWindows().size());
        assertEquals(0, tester.openWindows());
    }

    @Test
    void timeDoesNotGoBackWhenOlderEventsArrive() {
        WindowTester<Reading, Long, WindowResult<Long>> tester = WindowTester.of(WindowedFunction.of(
                Codec.json(Reading.class), Window.tumbling(Duration.ofSeconds(1)), Aggregate.count()));
        tester.send("k", reading(1), T0.plusSeconds(100));
        tester.send("k", reading(1), T0.plusSeconds(50)); // 50 s behind, no grace: late
        assertEquals("LATE", tester.deadLetters().get(0).reason());
        assertEquals(0, tester.closedWindows().size()); // the 100 s window waits for time to pass 101 s
    }

    @Test
    void hoppingWindowsCountAnEventInEachWindowItFallsInto() {
        Window window = Window.hopping(Duration.ofSeconds(10), Duration.ofSeconds(5));
        assertArrayEquals(new long[] {0, 5_000}, window.startsOf(7_000));
        assertArrayEquals(new long[] {0}, window.startsOf(3_000));
        assertArrayEquals(new long[] {5_000, 10_000}, window.startsOf(10_000));
        WindowTester<Reading, Long, WindowResult<Long>> tester = WindowTester.of(WindowedFunction.of(
                Codec.json(Reading.class), window, Aggregate.count()));
        tester.send("k", reading(1), T0.plusSeconds(7));
        tester.send("k", reading(1), T0.plusSeconds(12));
        tester.advance(Duration.ofMinutes(1)); // quiet: everything closes
        Map<Long, Long> counts = new HashMap<>();
        tester.closedWindows().forEach(w -> counts.put((w.start() - T0.toEpochMilli()) / 1000, w.value()));
        assertEquals(Map.of(0L, 1L, 5L, 2L, 10L, 1L), counts);
    }

    @Test
    void sessionsMergeWhenAnEventBridgesThem() {
        WindowTester<Reading, Stats, WindowResult<Stats>> tester =
                statsTester(Window.session(Duration.ofSeconds(5)).grace(Duration.ofSeconds(10)));
        tester.send("u", reading(1), T0.plusSeconds(0));
        tester.send("u", reading(2), T0.plusSeconds(8)); // 8 s after: a second session
        assertEquals(2, tester.openWindows());
        tester.send("u", reading(3), T0.plusSeconds(4)); // within 5 s of both: one session from 0 s to 8 s
        assertEquals(1, tester.openWindows());
        tester.send("u", reading(4), T0.plusSeconds(13)); // exactly the gap after the last: joins
        tester.advance(Duration.ofMinutes(1));
        List<WindowResult<Stats>> closed = tester.closedWindows();
        assertEquals(1, closed.size(), closed.toString());
        assertEquals(T0.toEpochMilli(), closed.get(0).start());
        assertEquals(T0.plusSeconds(13).toEpochMilli(), closed.get(0).end());
        assertEquals(Stats.of(4, 10, 1, 4), closed.get(0).value());
    }

    @Test
    void sessionWindowsNeedAnAggregateThatMerges() {
        WindowTester<Reading, Long, WindowResult<Long>> tester = WindowTester.of(WindowedFunction.of(
                Codec.json(Reading.class), Window.session(Duration.ofSeconds(5)),
                Aggregate.of(() -> 0L, (n, r) -> n + 1, null, Aggregate.longCodec())));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> tester.send("u", reading(1), T0));
        assertTrue(refused.getMessage().contains("merge"), refused.getMessage());
    }

    @Test
    void updatesComeAfterEveryEventAndTheFinalResultOnce() {
        WindowTester<Reading, Long, WindowResult<Long>> tester = WindowTester.of(WindowedFunction.of(
                Codec.json(Reading.class), Window.tumbling(Duration.ofSeconds(10)).emit(Window.Emit.UPDATES),
                Aggregate.count()));
        tester.send("k", reading(1), T0.plusSeconds(1));
        tester.send("k", reading(1), T0.plusSeconds(2));
        tester.advance(Duration.ofSeconds(30));
        List<WindowResult<Long>> all = tester.windows();
        assertEquals(List.of(1L, 2L, 2L), all.stream().map(WindowResult::value).toList());
        assertEquals(List.of(false, false, true), all.stream().map(WindowResult::closed).toList());
    }

    @Test
    void eventsWithoutKeyOrUndecodableAreDeadLettered() {
        WindowTester<Reading, Long, WindowResult<Long>> tester = WindowTester.of(WindowedFunction.of(
                Codec.json(Reading.class), Window.tumbling(Duration.ofSeconds(1)), Aggregate.count()));
        tester.send(Event.of((byte[]) null, reading(1).getBytes(StandardCharsets.UTF_8)));
        tester.send(Event.of("k", "not json"));
        assertEquals(List.of("UNDECODABLE", "UNDECODABLE"),
                tester.deadLetters().stream().map(WindowTester.DeadLetter::reason).toList());
        assertTrue(tester.deadLetters().get(0).detail().contains("no"), tester.deadLetters().get(0).detail());
        assertEquals(0, tester.openWindows());
    }

    @Test
    void customResultsAreEncodedByTheirCodec() {
        WindowTester<Reading, Long, String> tester = WindowTester.of(WindowedFunction.of(Codec.json(Reading.class),
                Window.tumbling(Duration.ofSeconds(1)), Aggregate.count(), Codec.string(),
                w -> w.key() + "=" + w.value()));
        tester.send("k", reading(1), T0);
        tester.send("k", reading(1), T0);
        tester.advance(Duration.ofSeconds(5));
        assertEquals(List.of("k=2"), tester.results());
    }

    @Test
    void windowsAreCheckedWithTheValueAndWhatIsValid() {
        IllegalArgumentException advance = assertThrows(IllegalArgumentException.class,
                () -> Window.hopping(Duration.ofSeconds(5), Duration.ofSeconds(10)));
        assertTrue(advance.getMessage().contains("at most its size"), advance.getMessage());
        IllegalArgumentException grace = assertThrows(IllegalArgumentException.class,
                () -> Window.tumbling(Duration.ofSeconds(5)).grace(Duration.ofSeconds(-1)));
        assertTrue(grace.getMessage().contains("PT-1S") && grace.getMessage().contains("0 to 365 days"),
                grace.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Window.session(Duration.ZERO));
    }

    /** A reference count over random, shuffled events: every window's count is exact, whatever the order. */
    @Test
    void countsMatchAReferenceOverShuffledEvents() {
        Window window = Window.tumbling(Duration.ofSeconds(1)).grace(Duration.ofSeconds(30));
        WindowTester<Reading, Long, WindowResult<Long>> tester = WindowTester.of(WindowedFunction.of(
                Codec.json(Reading.class), window, Aggregate.count()));
        Random random = new Random(7);
        Map<String, Long> expected = new HashMap<>();
        for (int i = 0; i < 2_000; i++) {
            String key = "d" + random.nextInt(20);
            long at = T0.toEpochMilli() + random.nextInt(20_000);
            expected.merge(key + "@" + at / 1000 * 1000, 1L, Long::sum);
            tester.send(key, reading(1), Instant.ofEpochMilli(at));
        }
        tester.advance(Duration.ofMinutes(5));
        Map<String, Long> counted = new HashMap<>();
        tester.closedWindows().forEach(w -> assertEquals(null, counted.put(w.key() + "@" + w.start(), w.value())));
        assertEquals(expected, counted);
        assertTrue(tester.deadLetters().isEmpty());
    }

    @Test
    void aRestartGoesOnFromTheTimeTheWindowsWereClosedThrough() {
        MemoryWindowStore store = new MemoryWindowStore();
        Window window = Window.tumbling(Duration.ofSeconds(10));
        Windowing<Long, Long> first = new Windowing<>(window, Aggregate.count(), store, 0);
        List<WindowResult<Long>> results = new java.util.ArrayList<>();
        first.add(key("k"), 1L, 25_000, 0, (k, r) -> results.add(r));
        first.closeDue(3_000, (k, r) -> results.add(r)); // time 28 s
        assertEquals(28_000, store.closedThrough());

        Windowing<Long, Long> restarted = new Windowing<>(window, Aggregate.count(), store, 100_000);
        assertEquals(28_000, restarted.time(100_000)); // the restart's own pause does not count
        assertFalse(restarted.add(key("k"), 1L, 19_000, 100_000, (k, r) -> results.add(r)).isEmpty(),
                "an event for a window closed before the restart is late after it");
        restarted.closeDue(102_000, (k, r) -> results.add(r)); // 30 s: [20, 30) closes
        assertEquals(1, results.size());
        assertEquals(1L, results.get(0).value());
    }

    /**
     * Deployed, a partition's time goes on by the wall clock only once it has read everything there is and had no
     * event for a while: a backlog read after a pause goes by its events' time alone.
     */
    @Test
    void aPartitionWorkingThroughABacklogGoesByItsEventsTimeAlone() {
        MemoryWindowStore store = new MemoryWindowStore();
        java.util.concurrent.atomic.AtomicBoolean caughtUp = new java.util.concurrent.atomic.AtomicBoolean();
        Windowing<Long, Long> windowing = new Windowing<>(Window.tumbling(Duration.ofSeconds(10)), Aggregate.count(),
                store, 0, 500, caughtUp::get);
        List<WindowResult<Long>> results = new java.util.ArrayList<>();
        windowing.add(key("k"), 1L, 5_000, 0, (k, r) -> results.add(r));
        assertEquals(5_000, windowing.time(60_000), "a minute of the wall clock with a backlog does not count");
        assertEquals(List.of(), windowing.add(key("k"), 1L, 6_000, 60_000, (k, r) -> results.add(r)));
        caughtUp.set(true);
        assertEquals(6_000, windowing.time(60_500), "caught up, not quiet yet");
        assertEquals(0, windowing.closeDue(64_499, (k, r) -> results.add(r)));
        assertEquals(1, windowing.closeDue(64_500, (k, r) -> results.add(r)), "quiet 4 s after 500 ms: time 10 s");
        assertEquals(2L, results.get(0).value());
        caughtUp.set(false);
        assertEquals(10_000, windowing.time(70_000), "never back: closed through 10 s");
    }

    private static byte[] key(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }
}
