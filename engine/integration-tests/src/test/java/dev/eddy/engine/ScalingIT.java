package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.telemetry.ScalingEvent;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.LoadProducer;
import dev.eddy.engine.testing.Tally;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Autoscaling on a real broker, counted: a function at zero woken by a burst, its scaling controller adding
 * workers within seconds, the backlog drained, the workers shed and the function back at zero — every record
 * handled once over the whole ramp; and the worker count changed every couple of seconds while 100,000 records
 * flow, with none lost (and, since every worker that goes commits first, none repeated).
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class ScalingIT {

    /** A handler call's time: a slow downstream, so that one worker's four call slots cannot keep up. */
    private static final long CALL_NANOS = TimeUnit.MILLISECONDS.toNanos(4);

    @Test
    void shouldScaleUpWithinSecondsOfABurstDrainItAndGoBackToZeroHandlingEachRecordOnce(TestKafka kafka)
            throws Exception {
        int records = 8_000;
        String input = kafka.newTopic("ramp-in", 8);
        String output = kafka.newTopic("ramp-out", 8);
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("ramp")).input(input)
                .output(output).handler(new SlowCopy()).maxConcurrency(4).scalingMax(4)
                .scaleToZero(Duration.ofSeconds(2)).build();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of(EngineConfig.SCALING_COOLDOWN_MS, 3_000L)),
                new SimpleMeterRegistry());
                LoadProducer burst = new LoadProducer(kafka.bootstrapServers(), input, records, 500, 1e9)) {
            RunningFunction running = engine.deploy(function);
            assertEquals(FunctionState.IDLE, running.state(), "idle before the burst");

            long start = System.nanoTime();
            burst.start();
            await("the controller to ask for more than one worker").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(20)).until(() -> running.scaling().workers() > 1);
            double decided = (System.nanoTime() - start) / 1e9;
            await("a second worker to hold partitions").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(20)).until(() -> running.workersWithPartitions() > 1);
            double added = (System.nanoTime() - start) / 1e9;
            int mostWorkers = running.workerCount();
            burst.await(1, TimeUnit.MINUTES);
            assertEquals(0, burst.failed(), "the burst was written");
            await("the backlog to drain").atMost(Duration.ofMinutes(2))
                    .until(() -> kafka.endOffsetSum(output) >= records);
            double drained = (System.nanoTime() - start) / 1e9;
            await("the function to scale to zero").atMost(Duration.ofMinutes(1))
                    .until(() -> running.state() == FunctionState.IDLE);
            double zero = (System.nanoTime() - start) / 1e9;
            System.out.printf("[ramp] %d records: more workers asked for after %.1f s, a second one had partitions"
                    + " after %.1f s (%d workers at most), drained after %.1f s, at zero after %.1f s%n", records,
                    decided, added, mostWorkers, drained, zero);
            assertTrue(decided <= 5, "scale-up asked for within 5 s of the burst, not " + decided + " s");
            assertTrue(added <= 10, "another worker took partitions within 10 s, not " + added + " s");
            assertTrue(kafka.admin().describeConsumerGroups(List.of(function.groupId())).all()
                    .get(10, TimeUnit.SECONDS).get(function.groupId()).members().isEmpty(),
                    "at zero, the function has no consumer in its group");

            Tally tally = Tally.of(burst.acknowledged(), kafka.readValues(output));
            System.out.println("[counts] ramp: " + tally);
            assertEquals(0, tally.lost(), tally.toString());
            assertEquals(0, tally.duplicates(), tally.toString());
            assertEquals(records, tally.delivered());

            List<ScalingEvent> events = events(kafka, function.name());
            assertTrue(events.stream().anyMatch(e -> e.kind().equals(ScalingEvent.DESIRED) && e.to() > 1),
                    "the decision to scale up is on the events topic: " + events);
            assertTrue(events.stream().anyMatch(e -> e.kind().equals(ScalingEvent.WORKERS) && e.from() == 0),
                    "the wake-up is on the events topic: " + events);
            assertTrue(events.stream().anyMatch(e -> e.kind().equals(ScalingEvent.WORKERS) && e.to() == 0),
                    "the scale to zero is on the events topic: " + events);

            java.io.StringWriter printed = new java.io.StringWriter();
            picocli.CommandLine cli = dev.eddy.engine.cli.EddyCli.commandLine();
            cli.setOut(new java.io.PrintWriter(printed, true));
            assertEquals(0, cli.execute("events", function.name(), "--bootstrap-servers", kafka.bootstrapServers()));
            List<String> lines = printed.toString().lines().toList();
            // Each event once: none twice, none of those read above missing (the controller may have decided once
            // more since: its last "desired 1 → 0" can follow the scale to zero by up to a tick).
            assertEquals(lines.size(), new java.util.HashSet<>(lines).size(), "./eddy events prints each event once:\n"
                    + printed);
            assertTrue(lines.size() >= events.size(), "./eddy events prints every event:\n" + printed);
            assertTrue(lines.stream().allMatch(line -> line.contains(function.name())), printed.toString());
            assertTrue(lines.stream().anyMatch(line -> line.contains("workers here 0 → 1")), printed.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Delivery.class, names = {"AT_LEAST_ONCE", "EXACTLY_ONCE"})
    void shouldLoseNothingWhileTheWorkerCountChurns(Delivery delivery, TestKafka kafka) throws Exception {
        int records = 100_000;
        String input = kafka.newTopic("churn-in", 6);
        String output = kafka.newTopic("churn-out", 6);
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("churn")).input(input)
                .output(output).handler(new dev.eddy.engine.testing.CopyHandler()).delivery(delivery)
                .scalingMax(4).build();
        int[] counts = {3, 1, 4, 2, 4, 1, 2, 3};
        try (Engine engine = new Engine(kafka.engineConfig(Map.of(EngineConfig.COMMIT_INTERVAL_MS, 200L)),
                new SimpleMeterRegistry());
                LoadProducer load = new LoadProducer(kafka.bootstrapServers(), input, records, 1_000, 5_000)) {
            RunningFunction running = engine.deploy(function);
            load.start();
            List<Integer> changedAt = new ArrayList<>();
            for (int change = 0; !load.done() || change < 3; change++) {
                int count = counts[change % counts.length];
                running.pinWorkers(count);
                long outputs = kafka.endOffsetSum(output);
                changedAt.add((int) outputs);
                // The next change once the workers have settled and records flowed through them.
                await().atMost(Duration.ofMinutes(1)).until(() -> running.workerCount() == count
                        && running.workersWithPartitions() == count && kafka.endOffsetSum(output) > outputs);
            }
            load.await(1, TimeUnit.MINUTES);
            assertEquals(0, load.failed(), "the load was written");
            running.pinWorkers(1);
            await("every record handled and committed").atMost(Duration.ofMinutes(2)).until(() ->
                    kafka.committedSum(function.groupId(), input) >= records || running.failure().isPresent());
            assertTrue(running.failure().isEmpty(), () -> "the function failed: " + running.failure());
            System.out.printf("[churn] %s: %d changes of the worker count, at %s outputs; %d partitions revoked%n",
                    delivery, changedAt.size(), changedAt, running.stats().partitionsRevoked());
            assertTrue(changedAt.size() >= 5, "the worker count changed while the records flowed");
            Tally tally = Tally.of(load.acknowledged(), kafka.readValues(output)); // read_committed
            System.out.println("[counts] churn " + delivery + ": " + tally);
            assertEquals(records, tally.expected());
            assertEquals(0, tally.lost(), tally.toString());
            assertEquals(0, tally.duplicates(), tally.toString());
            assertEquals(0, tally.unexpected(), tally.toString());
        }
    }

    /** The function's scaling events on the events topic. */
    private static List<ScalingEvent> events(TestKafka kafka, String function) {
        byte[] key = function.getBytes(StandardCharsets.UTF_8);
        List<ScalingEvent> events = new ArrayList<>();
        await("the events on the events topic").atMost(Duration.ofSeconds(30)).until(() -> {
            events.clear();
            for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(dev.eddy.engine.kafka.Names.DEFAULT.events())) {
                if (Arrays.equals(key, record.key())) {
                    events.add(ScalingEvent.fromJson(record.value()));
                }
            }
            return events.stream().anyMatch(e -> e.to() == 0);
        });
        return events;
    }

    /** Copies each event, after {@link #CALL_NANOS} of waiting on a slow downstream. */
    static final class SlowCopy implements Handler {
        @Override
        public void handle(Event event, Context context) {
            LockSupport.parkNanos(CALL_NANOS); // the call's own work, not a wait for a condition
            context.emit(event);
        }
    }
}
