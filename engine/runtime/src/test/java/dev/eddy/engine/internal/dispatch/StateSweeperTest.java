package dev.eddy.engine.internal.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eddy.engine.state.KeyState;
import dev.eddy.engine.state.KeyedStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class StateSweeperTest {

    private final ManualTime time = new ManualTime();
    private final SweptStore store = new SweptStore();

    @Test
    void sweepsOncePerIntervalWithTheTickersWallClock() {
        StateSweeper sweeper = new StateSweeper("f", store, time, TimeUnit.SECONDS.toNanos(10), time.nanoTime());

        sweeper.turn(time.nanoTime());
        time.advance(Duration.ofMillis(9_999));
        sweeper.turn(time.nanoTime());
        assertEquals(List.of(), store.sweptAt, "not before the interval has passed");

        time.advance(Duration.ofMillis(1));
        sweeper.turn(time.nanoTime());
        sweeper.turn(time.nanoTime());
        assertEquals(List.of(time.millis()), store.sweptAt, "once when it has, at the ticker's time");

        time.advance(Duration.ofSeconds(10));
        sweeper.turn(time.nanoTime());
        assertEquals(2, store.sweptAt.size());
    }

    @Test
    void aStoreThatFailsIsTriedAgainAtTheNextInterval() {
        StateSweeper sweeper = new StateSweeper("f", store, time, TimeUnit.SECONDS.toNanos(1), time.nanoTime());
        store.failing = true;

        time.advance(Duration.ofSeconds(1));
        sweeper.turn(time.nanoTime());
        store.failing = false;
        sweeper.turn(time.nanoTime());
        assertEquals(1, store.sweptAt.size(), "a failed sweep waits for the next interval like any other");

        time.advance(Duration.ofSeconds(1));
        sweeper.turn(time.nanoTime());
        assertEquals(2, store.sweptAt.size());
    }

    @Test
    void noIntervalOrNoStoreNeverSweeps() {
        new StateSweeper("f", store, time, 0, time.nanoTime()).turn(time.nanoTime() + TimeUnit.DAYS.toNanos(1));
        new StateSweeper("f", null, time, 1, time.nanoTime()).turn(time.nanoTime() + TimeUnit.DAYS.toNanos(1));
        assertEquals(List.of(), store.sweptAt);
    }

    /** Records when it was swept; fails on demand. */
    private static final class SweptStore implements KeyedStore {
        final List<Long> sweptAt = new ArrayList<>();
        boolean failing;

        @Override
        public KeyState load(TopicPartition source, String key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Void> save(TopicPartition source, String key, byte[] recordKey, KeyState state,
                CompletableFuture<Void> emitted, Remake remake) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int sweep(long nowMillis) {
            sweptAt.add(nowMillis);
            if (failing) {
                throw new IllegalStateException("the store is unreachable");
            }
            return 0;
        }

        @Override
        public void close() {
        }
    }
}
