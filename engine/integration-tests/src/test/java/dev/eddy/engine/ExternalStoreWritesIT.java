package dev.eddy.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eddy.engine.state.KeyState;
import dev.eddy.engine.state.KeyedStore;
import dev.eddy.engine.state.PostgresKeyedStore;
import dev.eddy.engine.state.RedisKeyedStore;
import dev.eddy.engine.state.StateConflictException;
import dev.eddy.engine.state.StateMetrics;
import dev.eddy.engine.state.StateQuery;
import dev.eddy.engine.testing.StateStoresUnderTest;
import dev.eddy.sdk.runtime.StateStore.Stored;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Writes of one key that meet in one batch of a Redis or PostgreSQL store: each is checked against the key's version
 * on its own, so that of many writes made from the same read exactly one applies — whatever the batching.
 */
class ExternalStoreWritesIT {

    private static final int WRITERS = 50;

    @ParameterizedTest
    @ValueSource(strings = {"redis", "postgres"})
    void ofManyWritesFromTheSameReadExactlyOneApplies(String kind) throws Exception {
        String function = "writes-" + UUID.randomUUID().toString().substring(0, 8);
        TopicPartition source = new TopicPartition("in", 0);
        try (KeyedStore store = kind.equals("redis")
                ? new RedisKeyedStore(function, StateStoresUnderTest.redisUrl(), 64, StateMetrics.none())
                : new PostgresKeyedStore(function, StateStoresUnderTest.postgresUrl(), 64, StateMetrics.none());
                ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int round = 0; round < 2; round++) { // a new key (an insert), then a key that exists (an update)
                KeyState read = store.load(source, "k");
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Boolean>> outcomes = new ArrayList<>();
                for (int writer = 0; writer < WRITERS; writer++) {
                    KeyState mine = read.copy();
                    mine.put("k", "count", null, new Stored(("w" + writer).getBytes(StandardCharsets.UTF_8),
                            Long.MAX_VALUE));
                    outcomes.add(writers.submit(() -> {
                        go.await();
                        try {
                            store.save(source, "k", "k".getBytes(StandardCharsets.UTF_8), mine, null, null)
                                    .get(30, TimeUnit.SECONDS);
                            return true;
                        } catch (StateConflictException e) {
                            return false;
                        }
                    }));
                }
                go.countDown();
                int applied = 0;
                for (Future<Boolean> outcome : outcomes) {
                    applied += outcome.get(60, TimeUnit.SECONDS) ? 1 : 0;
                }
                assertEquals(1, applied, kind + ", round " + round + ": writes applied from one read");
            }
            ((StateQuery) store).deleteAll();
        }
    }
}
