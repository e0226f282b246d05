package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.kafka.Names;
import dev.eddy.engine.telemetry.ScalingEvent;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.LoadProducer;
import dev.eddy.engine.testing.Tally;
import dev.eddy.engine.testing.TestKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Three engines running one function decide its workers together, on a real broker: one count for the cluster,
 * decided by the engine with the smallest instance id and split between the three, so that they run no more workers
 * in all than the function's bound (each deciding alone could run that many each); the lead passes to the next
 * engine when the leader stops; only the leader tells of the counts; and every record is handled once.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class ClusterScalingIT {

    /** The most workers the function may have: fewer than its 12 partitions, so that the bound is the cluster's. */
    private static final int SCALING_MAX = 6;

    @Test
    void shouldRunOneCountForTheClusterSplitBetweenTheEnginesAndHandTheLeadOnWhenTheLeaderStops(TestKafka kafka)
            throws Exception {
        int records = 40_000;
        String input = kafka.newTopic("pooled-in", 12);
        String output = kafka.newTopic("pooled-out", 12);
        String name = kafka.uniqueName("pooled");
        // 4 ms calls, 4 at a time: a worker handles about 1,000 records/s, and the load is 4,000/s.
        FunctionDefinition function = FunctionDefinition.builder(name).input(input).output(output)
                .handler(new ScalingIT.SlowCopy()).maxConcurrency(4).scalingMax(SCALING_MAX).build();
        List<String> ids = List.of(name + "-1", name + "-2", name + "-3");
        Map<String, Engine> engines = new LinkedHashMap<>();
        Map<String, RunningFunction> running = new ConcurrentHashMap<>(); // sampled on Awaitility's thread
        Samples samples = new Samples(running);
        try (LoadProducer load = new LoadProducer(kafka.bootstrapServers(), input, records, 1_000, 4_000)) {
            for (String id : ids) {
                Engine engine = new Engine(kafka.engineConfig(Map.of(EngineConfig.INSTANCE_ID, id,
                        EngineConfig.SCALING_COOLDOWN_MS, 3_000L)), new SimpleMeterRegistry());
                engines.put(id, engine);
                running.put(id, engine.deploy(function));
            }
            await("every engine to follow one decision for the cluster, by " + ids.get(0))
                    .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> samples.take() && samples.allDecidedBy(ids.get(0)));

            load.start();
            await("half the records written").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50))
                    .until(() -> samples.take() && load.sent() >= records / 2);
            int agreedBeforeStop = samples.mostAgreed;

            long stopped = System.nanoTime();
            engines.remove(ids.get(0)).close(); // drains and commits what it holds; its reports stop
            running.remove(ids.get(0));
            await("the next engine to lead").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> samples.take() && samples.allDecidedBy(ids.get(1)));
            double takeover = (System.nanoTime() - stopped) / 1e9;

            load.await(1, TimeUnit.MINUTES);
            assertEquals(0, load.failed(), "the load was written");
            await("every record handled").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50))
                    .until(() -> samples.take() && kafka.endOffsetSum(output) >= records);

            System.out.printf("[cluster scaling] 3 engines, %d records at 4,000/s: the engines agreed on up to %d"
                    + " workers, ran %d at most in all (bound %d); the lead passed %.1f s after the leader stopped%n",
                    records, agreedBeforeStop, samples.mostWorkers, SCALING_MAX, takeover);
            assertTrue(agreedBeforeStop > ids.size(), "the engines agreed on more workers than one each: "
                    + agreedBeforeStop);
            assertTrue(samples.mostWorkers <= SCALING_MAX, "no more workers in all than scaling.max: "
                    + samples.mostWorkers);
            assertTrue(samples.mostWorkers > ids.size(), "an engine ran more than one worker: its share");
            assertTrue(takeover < 10, "the lead passed within 10 s, not " + takeover + " s");

            Tally tally = Tally.of(load.acknowledged(), kafka.readValues(output));
            System.out.println("[counts] cluster scaling: " + tally);
            assertEquals(0, tally.lost(), tally.toString());
            assertEquals(0, tally.duplicates(), tally.toString());
            assertEquals(records, tally.delivered(), tally.toString());

            TreeSet<String> deciders = new TreeSet<>();
            byte[] key = name.getBytes(StandardCharsets.UTF_8);
            for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(Names.DEFAULT.events())) {
                ScalingEvent event = ScalingEvent.fromJson(record.value());
                if (Arrays.equals(key, record.key()) && event.kind().equals(ScalingEvent.DESIRED)) {
                    deciders.add(event.engine());
                }
            }
            assertTrue(deciders.contains(ids.get(0)) && !deciders.contains(ids.get(2)),
                    "the leaders tell of the counts, the others follow quietly: " + deciders);
        } finally {
            engines.values().forEach(Engine::close);
        }
    }

    /** What the engines run and agree on, sampled while the test waits. */
    private static final class Samples {
        final Map<String, RunningFunction> running;
        int mostWorkers;
        int mostAgreed;

        Samples(Map<String, RunningFunction> running) {
            this.running = running;
        }

        /** Takes a sample; always true, to be called in a waiting condition. */
        boolean take() {
            int workers = running.values().stream().mapToInt(RunningFunction::workerCount).sum();
            mostWorkers = Math.max(mostWorkers, workers);
            long counts = running.values().stream().mapToInt(f -> f.scaling().workers()).distinct().count();
            if (counts == 1) {
                mostAgreed = Math.max(mostAgreed, running.values().iterator().next().scaling().workers());
            }
            return true;
        }

        boolean allDecidedBy(String leader) {
            return running.values().stream().allMatch(f -> f.scaling().reason().startsWith("decided by " + leader));
        }
    }
}
