package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.testing.CountingHandler;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.EngineProcess;
import dev.eddy.engine.testing.LoadProducer;
import dev.eddy.engine.testing.StateStoresUnderTest;
import dev.eddy.engine.testing.TestKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A counting function (state += 1 per event) in engine processes killed with SIGKILL while records flow, and
 * joined by a second engine: the final count of every key equals the records produced for it — none lost, none
 * applied twice — and no output ever carries a count that did not happen. With Redis and PostgreSQL the function
 * reads two topics whose keys are the same, so that each key's records come from two partitions at once.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class StateCrashIT {

    private static final int RECORDS = 100_000;
    private static final int KEYS = 1_000;
    private static final int RATE = 20_000;
    private static final Duration QUIET = Duration.ofSeconds(120);

    /**
     * Kafka's store in exactly-once mode, and at-least-once (the defaults: exact through the offsets its changelog
     * records carry, as with Redis and PostgreSQL). Redis and PostgreSQL read two topics of half the records each.
     */
    @ParameterizedTest
    @ValueSource(strings = {"kafka:EXACTLY_ONCE", "kafka:AT_LEAST_ONCE", "redis:AT_LEAST_ONCE",
        "postgres:AT_LEAST_ONCE"})
    void shouldCountExactlyWhenTheEngineIsKilled(String storeAndDelivery, TestKafka kafka) throws Exception {
        String store = storeAndDelivery.substring(0, storeAndDelivery.indexOf(':'));
        Delivery delivery = Delivery.valueOf(storeAndDelivery.substring(store.length() + 1));
        int inputs = store.equals("kafka") ? 1 : 2; // the Kafka store keeps the state of one input
        Setup setup = new Setup(kafka, "state-crash-" + store, store, delivery, inputs);
        List<LoadProducer> loads = new ArrayList<>();
        try (EngineProcess engine = setup.engine("a").start()) {
            for (String input : setup.inputs) {
                loads.add(new LoadProducer(kafka.bootstrapServers(), input, RECORDS / inputs, KEYS, RATE / inputs)
                        .start());
            }
            // Killed twice with Kafka's store; once with Redis and PostgreSQL, which read two topics (what they
            // add is a key's records from two partitions at once, which one crash shows as well as two).
            engine.crashEvenlyWhileRecordsFlow(store.equals("kafka") ? 2 : 1, RECORDS, setup::committed, QUIET);
            for (LoadProducer load : loads) {
                load.await(2, TimeUnit.MINUTES);
                assertEquals(0, load.failed());
            }
            engine.awaitWhileRunning("every record committed", QUIET, () -> setup.committed() == RECORDS);
            engine.terminate(Duration.ofSeconds(60));
        } finally {
            for (LoadProducer load : loads) {
                load.close();
            }
        }
        setup.assertExactCounts();
    }

    @Test
    void shouldHandOverPartitionsWithTheirStateToASecondEngine(TestKafka kafka) throws Exception {
        Setup setup = new Setup(kafka, "state-join", "kafka", Delivery.EXACTLY_ONCE, 1);
        // Slower, and only once the first engine consumes, so that the second one joins (which takes a few
        // heartbeats) well before the last record.
        try (EngineProcess first = setup.engine("first").start();
                EngineProcess second = setup.engine("second");
                LoadProducer load = new LoadProducer(kafka.bootstrapServers(), setup.inputs.get(0), RECORDS, KEYS,
                        RATE / 2)) {
            await().atMost(QUIET).until(() -> setup.membersWithPartitions() == 1);
            // Half the records go out before the takeover, whatever the second engine's start takes on a busy
            // machine; the rest once it has partitions.
            load.pauseAt(RECORDS / 2).start();
            first.awaitWhileRunning("a tenth of the records committed", QUIET,
                    () -> setup.committed() >= RECORDS / 10);
            long joining = System.nanoTime();
            second.start();
            await().atMost(QUIET).until(() -> setup.membersWithPartitions() == 2);
            long atTakeover = setup.committed();
            load.resume();
            System.out.printf("[handover] the second engine had partitions %d ms after it started, at %d records"
                    + " committed%n", (System.nanoTime() - joining) / 1_000_000, atTakeover);
            load.await(2, TimeUnit.MINUTES);
            assertEquals(0, load.failed());
            await().atMost(QUIET).until(() -> setup.committed() == RECORDS);
            second.terminate(Duration.ofSeconds(60));
            first.terminate(Duration.ofSeconds(60));
            assertTrue(atTakeover < RECORDS, "the second engine shared the partitions while records flowed");
        }
        setup.assertExactCounts();
    }

    /** One run's topics, function and checks. */
    private static final class Setup {
        final TestKafka kafka;
        final String name;
        final List<String> inputs = new ArrayList<>();
        final String output;
        final String store;
        final Delivery delivery;

        Setup(TestKafka kafka, String prefix, String store, Delivery delivery, int inputs) {
            this.kafka = kafka;
            this.name = kafka.uniqueName(prefix);
            for (int i = 0; i < inputs; i++) {
                this.inputs.add(kafka.newTopic(prefix + "-in" + (i == 0 ? "" : "-" + i), 6));
            }
            this.output = kafka.newTopic(prefix + "-out", 6);
            this.store = store;
            this.delivery = delivery;
        }

        EngineProcess engine(String instance) {
            List<String> args = new ArrayList<>(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--name",
                    name, "--handler", CountingHandler.class.getName(), "--output", output,
                    "--delivery", delivery.name(), "--set", "instance.id=" + instance, "--set",
                    "commit.interval.ms=200"));
            for (String input : inputs) {
                args.addAll(List.of("--input", input));
            }
            args.addAll(StateStoresUnderTest.runArguments(store));
            return new EngineProcess(args, Path.of("target", "engine-processes", name + "-" + instance + ".log"));
        }

        long committed() {
            long committed = 0;
            for (String input : inputs) {
                committed += kafka.committedSum("eddy-" + name, input);
            }
            return committed;
        }

        /** How many members of the function's group have input partitions now (0 before the group exists). */
        int membersWithPartitions() throws Exception {
            try {
                return (int) kafka.admin().describeConsumerGroups(List.of("eddy-" + name)).all()
                        .get(10, TimeUnit.SECONDS).get("eddy-" + name).members().stream()
                        .filter(member -> !member.assignment().topicPartitions().isEmpty()).count();
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) {
                    return 0;
                }
                throw e;
            }
        }

        void assertExactCounts() {
            FunctionBuilder builder = FunctionDefinition.builder(name);
            inputs.forEach(builder::input);
            FunctionDefinition function = builder.output(output).delivery(delivery).stateStore(StateStoresUnderTest.backend(store))
                    .handler(new CountingHandler()).build();
            Map<String, String> counts = StateStoresUnderTest.values(function,
                    kafka.engineConfig(Map.of()), kafka.admin(), "count");
            Map<String, String> expected = new HashMap<>();
            Set<String> expectedOutputs = new HashSet<>();
            for (int k = 0; k < KEYS; k++) {
                expected.put("key-" + k, Integer.toString(RECORDS / KEYS));
                for (int n = 1; n <= RECORDS / KEYS; n++) {
                    expectedOutputs.add("key-" + k + "=" + n);
                }
            }
            assertEquals("", difference(expected, counts), "keys whose count is not " + RECORDS / KEYS + " (" + store
                    + ", " + delivery + ")");
            assertEquals(KEYS, counts.size(), "keys with a count");
            List<String> outputs = kafka.readValues(output);
            assertEquals(expectedOutputs, new HashSet<>(outputs), "every count emitted, and no count that never"
                    + " happened");
            long duplicates = outputs.size() - expectedOutputs.size();
            if (delivery == Delivery.EXACTLY_ONCE) {
                assertEquals(0, duplicates, "read_committed sees each count once");
            }
            System.out.println("[counts] " + store + " store, " + delivery + ", " + inputs.size() + " input topics: "
                    + counts.size() + " keys of "
                    + RECORDS / KEYS + " each, exact; outputs " + outputs.size() + " (" + duplicates
                    + " repeated)");
            StateStoresUnderTest.clear(function, kafka.engineConfig(Map.of()), kafka.admin());
        }

        private static String difference(Map<String, String> expected, Map<String, String> actual) {
            StringBuilder text = new StringBuilder();
            expected.forEach((key, value) -> {
                if (!value.equals(actual.get(key)) && text.length() < 1000) {
                    text.append(key).append(": ").append(actual.get(key)).append("; ");
                }
            });
            return text.toString();
        }
    }
}
