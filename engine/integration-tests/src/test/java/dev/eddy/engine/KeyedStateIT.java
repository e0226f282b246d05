package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.testing.CountingHandler;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.StateStoresUnderTest;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.sdk.Codec;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;
import dev.eddy.sdk.StateSpec;
import dev.eddy.sdk.ValueState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Keyed state on a real broker, with each store on its real server: counts per key are exact, survive a redeploy
 * (the Kafka store restores them from its changelog), and expired state leaves the store in real time.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class KeyedStateIT {

    private static final Duration QUIET = Duration.ofSeconds(60);

    @ParameterizedTest
    @ValueSource(strings = {"kafka", "redis", "postgres"})
    void shouldCountEveryKeysEventsExactlyAcrossARedeploy(String store, TestKafka kafka) {
        String input = kafka.newTopic("count-in", 4);
        String output = kafka.newTopic("count-out", 4);
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("count-" + store))
                .input(input).output(output).stateStore(StateStoresUnderTest.backend(store))
                .handler(new CountingHandler()).build();
        Map<String, Long> expected = new HashMap<>();
        produce(kafka, input, 0, 10_000, 200, expected);
        EngineConfig config = kafka.engineConfig(Map.of());
        try (Engine engine = new Engine(config, new SimpleMeterRegistry())) {
            engine.deploy(function);
            await().atMost(QUIET).until(() -> kafka.committedSum(function.groupId(), input) == 10_000);
        }
        assertEquals(strings(expected), StateStoresUnderTest.values(function, config, kafka.admin(), "count"));

        produce(kafka, input, 10_000, 2_000, 200, expected);
        try (Engine engine = new Engine(config, new SimpleMeterRegistry())) {
            engine.deploy(function); // a new engine: the Kafka store reads the counts back from the changelog
            await().atMost(QUIET).until(() -> kafka.committedSum(function.groupId(), input) == 12_000);
        }
        assertEquals(strings(expected), StateStoresUnderTest.values(function, config, kafka.admin(), "count"));
        assertEquals(12_000, kafka.endOffsetSum(output));
        StateStoresUnderTest.clear(function, config, kafka.admin());
    }

    /**
     * Two engines run one function, each on its own input topic (one group, two subscriptions), both on the same keys:
     * their held-back writes meet, the losing calls are made again on the state that won, and every count is exact.
     */
    @ParameterizedTest
    @ValueSource(strings = {"redis", "postgres"})
    void shouldCountExactlyWhenTwoEnginesWriteTheSameKeys(String store, TestKafka kafka) {
        String name = kafka.uniqueName("shared-" + store);
        String output = kafka.newTopic("shared-out", 4);
        List<String> inputs = List.of(kafka.newTopic("shared-a", 4), kafka.newTopic("shared-b", 4));
        Map<String, Long> expected = new HashMap<>();
        EngineConfig config = kafka.engineConfig(Map.of());
        List<SimpleMeterRegistry> registries = List.of(new SimpleMeterRegistry(), new SimpleMeterRegistry());
        FunctionDefinition function = null;
        try (Engine a = new Engine(config, registries.get(0)); Engine b = new Engine(config, registries.get(1))) {
            List<Engine> engines = List.of(a, b);
            List<RunningFunction> running = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                function = FunctionDefinition.builder(name).input(inputs.get(i)).output(output)
                        .stateStore(StateStoresUnderTest.backend(store)).handler(new CountingHandler()).build();
                running.add(engines.get(i).deploy(function));
            }
            // Both at work before the first record, so that their calls of each key overlap.
            await().atMost(QUIET).until(() -> running.stream().allMatch(r -> r.assignedPartitions() >= 4));
            for (int round = 0; round < 10; round++) { // the two topics take turns, so that both engines are busy
                for (String input : inputs) {
                    produce(kafka, input, round * 2_000, 2_000, 50, expected);
                }
            }
            String group = function.groupId();
            await().atMost(QUIET).until(() -> kafka.committedSum(group, inputs.get(0))
                    + kafka.committedSum(group, inputs.get(1)) == 40_000);
        }
        long deadLettered = kafka.endOffsetSum(function.deadLetterTopic());
        assertEquals(0, deadLettered, "no call lost to the other engine so often that it was dead-lettered");
        assertEquals(strings(expected), StateStoresUnderTest.values(function, config, kafka.admin(), "count"));
        long remade = registries.stream().mapToLong(registry -> (long) registry.get("eddy.state.conflicted.calls")
                .counter().count()).sum();
        assertTrue(kafka.endOffsetSum(output) >= 40_000, "every call's emits, and a remade call's again");
        assertTrue(remade > 0, "the two engines' writes of one key met (else this test shows nothing)");
        StateStoresUnderTest.clear(function, config, kafka.admin());
    }

    @org.junit.jupiter.api.Test
    void shouldSendAReplayedRecordBackToThePartitionItsKeysStateIsWith(TestKafka kafka) {
        String input = kafka.newTopic("replay-in", 4);
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("replay-count"))
                .input(input).handler(new KeyCounterWithoutOutput()).build();
        Map<String, Long> expected = new HashMap<>();
        produce(kafka, input, 0, 100, 5, expected);
        EngineConfig config = kafka.engineConfig(Map.of());
        try (Engine engine = new Engine(config, new SimpleMeterRegistry())) {
            engine.deploy(function);
            await().atMost(QUIET).until(() -> kafka.committedSum(function.groupId(), input) == 100);
            // As ./eddy dlq replay sends a dead letter: to the function's replay topic, which has one partition.
            produce(kafka, function.replayTopic(), 100, 1, 5, expected);
            await().atMost(QUIET).until(() -> kafka.committedSum(function.groupId(), input) == 101);
        }
        assertEquals(strings(expected), StateStoresUnderTest.values(function, config, kafka.admin(), "count"));
        assertEquals(101, kafka.endOffsetSum(input), "the replayed record went back to the input topic");
    }

    /** Counts each key's events; emits nothing. */
    static final class KeyCounterWithoutOutput implements Handler {
        @Override
        public List<StateSpec> state() {
            return List.of(CountingHandler.COUNT);
        }

        @Override
        public void handle(Event event, Context context) {
            context.state().set(CountingHandler.COUNT, context.state().get(CountingHandler.COUNT).orElse(0L) + 1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"kafka", "redis", "postgres"})
    void shouldRemoveExpiredStateFromTheStoreInRealTime(String store, TestKafka kafka) {
        String input = kafka.newTopic("ttl-in", 2);
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("ttl-" + store))
                .input(input).stateStore(StateStoresUnderTest.backend(store)).handler(new LastSeen()).build();
        EngineConfig config = kafka.engineConfig(Map.of(EngineConfig.STATE_SWEEP_INTERVAL_MS, 100L));
        try (Engine engine = new Engine(config, new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            produce(kafka, input, 0, 50, 50, new HashMap<>());
            await().atMost(QUIET).until(() -> kafka.committedSum(function.groupId(), input) == 50);
            long written = System.nanoTime();
            Map<String, String> seen = StateStoresUnderTest.values(function, config, kafka.admin(), "last");
            // Read back within the time-to-live: every key's state is there (unless this machine was slow).
            if (System.nanoTime() - written < LastSeen.TTL.toNanos() / 2) {
                assertEquals(50, seen.size(), seen.toString());
            }
            // Then the sweep removes it from the store itself (the query counts raw keys, expired or not).
            await().atMost(QUIET).until(() -> storedKeys(function, config, kafka) == 0);
            // Every key counted as swept (Redis deletes keys itself; the engine notices them at its next sweeps).
            await().atMost(QUIET).until(() -> running.stats().stateExpired() >= 50);
        }
    }

    private static int storedKeys(FunctionDefinition function, EngineConfig config, TestKafka kafka) {
        try (var query = dev.eddy.engine.state.StateStores.query(function, config, kafka.admin(),
                java.time.Clock.systemUTC())) {
            return query.keys(null, 1000).keys().size();
        }
    }

    /** Remembers each key's last value for two seconds after it was written. */
    static final class LastSeen implements Handler {
        static final Duration TTL = Duration.ofSeconds(2);
        static final ValueState<String> LAST = ValueState.named("last", Codec.string()).expireAfterWrite(TTL);

        @Override
        public List<StateSpec> state() {
            return List.of(LAST);
        }

        @Override
        public void handle(Event event, Context context) {
            context.state().set(LAST, event.valueAsString());
        }
    }

    /** Produces records {@code from..from+count} on {@code keys} keys, and counts them per key. */
    static void produce(TestKafka kafka, String topic, int from, int count, int keys, Map<String, Long> perKey) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(count);
        for (int i = from; i < from + count; i++) {
            String key = "key-" + i % keys;
            perKey.merge(key, 1L, Long::sum);
            records.add(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
                    ("id-" + i).getBytes(StandardCharsets.UTF_8)));
        }
        kafka.produce(records);
    }

    static Map<String, String> strings(Map<String, Long> counts) {
        Map<String, String> strings = new HashMap<>();
        counts.forEach((key, count) -> strings.put(key, Long.toString(count)));
        return strings;
    }
}
