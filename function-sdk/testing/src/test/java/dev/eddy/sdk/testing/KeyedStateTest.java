package dev.eddy.sdk.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.sdk.Codec;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;
import dev.eddy.sdk.MapState;
import dev.eddy.sdk.StateSpec;
import dev.eddy.sdk.ValueState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Keyed state as the test kit keeps it: per key, typed, kept only when a call succeeds, expiring by the clock. */
class KeyedStateTest {

    /** Counts events per key; fails (after counting) on values that say "fail". */
    static final class Counter implements Handler {
        static final ValueState<Long> COUNT = ValueState.named("count", Codec.json(Long.class));
        static final ValueState<String> LAST = ValueState.named("last", Codec.string())
                .expireAfterWrite(Duration.ofMinutes(5));
        static final ValueState<String> SEEN = ValueState.named("seen", Codec.string())
                .expireAfterAccess(Duration.ofMinutes(5));
        static final MapState<String, Double> READINGS = MapState.named("readings", Codec.string(),
                Codec.json(Double.class)).expireAfterWrite(Duration.ofMinutes(1));

        @Override
        public List<StateSpec> state() {
            return List.of(COUNT, LAST, SEEN, READINGS);
        }

        @Override
        public void handle(Event event, Context ctx) {
            long count = ctx.state().get(COUNT).orElse(0L) + 1;
            ctx.state().set(COUNT, count);
            ctx.state().set(LAST, event.valueAsString());
            if (ctx.state().get(SEEN).isEmpty()) {
                ctx.state().set(SEEN, event.valueAsString());
            }
            String[] sensorValue = event.valueAsString().split("=");
            if (sensorValue.length == 2) {
                ctx.state().put(READINGS, sensorValue[0], Double.parseDouble(sensorValue[1]));
            }
            if (event.valueAsString().equals("list")) {
                ctx.emit(event.withValue(new java.util.TreeMap<>(ctx.state().entries(READINGS)).toString()));
            }
            if (event.valueAsString().equals("fail")) {
                throw new IllegalStateException("failing after the state was changed");
            }
            ctx.emit(event.withValue(event.keyAsString() + ":" + count));
        }
    }

    private final FunctionTester tester = FunctionTester.of(new Counter());

    @Test
    void shouldKeepOneCountPerKey() {
        for (int i = 0; i < 30; i++) {
            tester.send(Event.of("k" + i % 3, "v" + i));
        }
        assertEquals(Optional.of(10L), tester.state("k0", Counter.COUNT));
        assertEquals(Optional.of(10L), tester.state("k2", Counter.COUNT));
        assertEquals("k1:10", tester.emitted("default").get(28).valueAsString());
    }

    @Test
    void shouldLeaveTheStateAsItWasWhenACallFails() {
        tester.send(Event.of("k", "a"));
        assertTrue(tester.send(Event.of("k", "fail")).failure() != null);
        assertEquals(Optional.of(1L), tester.state("k", Counter.COUNT));
        assertEquals(Optional.of("a"), tester.state("k", Counter.LAST));
    }

    @Test
    void shouldRefuseStateToAnEventWithoutAKey() {
        Throwable failure = tester.send(Event.of((String) null, "v")).failure();
        assertTrue(failure instanceof IllegalStateException && failure.getMessage().contains("without a key"),
                String.valueOf(failure));
        assertEquals(0, tester.storedStateCount());
    }

    @Test
    void shouldExpireAfterWriteAndRenewOnAccessByTheClock() {
        tester.send(Event.of("k", "first"));
        tester.clock().advance(Duration.ofMinutes(4));
        tester.send(Event.of("k", "second")); // rewrites LAST, reads SEEN (renewing it)
        tester.clock().advance(Duration.ofMinutes(4));
        assertEquals(Optional.of("second"), tester.state("k", Counter.LAST), "written 4 minutes ago");
        assertEquals(Optional.of("first"), tester.state("k", Counter.SEEN), "read 4 minutes ago");
        tester.clock().advance(Duration.ofMinutes(2));
        assertEquals(Optional.empty(), tester.state("k", Counter.LAST), "written 6 minutes ago");
        assertEquals(Optional.empty(), tester.state("k", Counter.SEEN), "not read for 6 minutes");
        assertEquals(Optional.of(2L), tester.state("k", Counter.COUNT), "no time-to-live");
    }

    @Test
    void shouldExpireMapEntriesEachOnItsOwnAndDeleteThem() {
        tester.send(Event.of("dev", "temp=20.5"));
        tester.clock().advance(Duration.ofSeconds(40));
        tester.send(Event.of("dev", "hum=0.4"));
        assertEquals(Map.of("temp", 20.5, "hum", 0.4), tester.state("dev", Counter.READINGS));
        tester.clock().advance(Duration.ofSeconds(30));
        assertEquals(Map.of("hum", 0.4), tester.state("dev", Counter.READINGS));

        int before = tester.storedStateCount(); // count, last, seen, and both entries: the expired one too
        tester.send(Event.of("dev", "list"));
        assertEquals("{hum=0.4}", tester.emitted("default").get(2).valueAsString());
        assertEquals(before - 1, tester.storedStateCount(), "the expired entry is gone from the store");
    }

    @Test
    void shouldRefuseStateTheFunctionDidNotDeclare() {
        ValueState<Long> other = ValueState.named("other", Codec.json(Long.class));
        try (FunctionTester undeclared = FunctionTester.of((event, ctx) -> ctx.state().get(other))) {
            Throwable failure = undeclared.send(Event.of("k", "v")).failure();
            assertEquals("function 'function-under-test' did not declare the state 'other': list it in its handler's"
                    + " state()", failure.getMessage());
        }
    }
}
