package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.local.EmbeddedKafka;
import dev.eddy.engine.testing.CopyHandler;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.EngineProcess;
import dev.eddy.engine.testing.KafkaReader;
import dev.eddy.engine.testing.LoadProducer;
import dev.eddy.engine.testing.Tally;
import dev.eddy.engine.testing.TestKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The engine as a process of its own, killed, stopped and cut off from its broker while records flow; then
 * everything is counted as RELIABILITY.md says: acknowledged (A), delivered once (D), lost, duplicated.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class CrashRecoveryIT {

    private static final int RATE = 20_000;
    private static final long COMMIT_INTERVAL_MS = 200;
    private static final Duration QUIET = Duration.ofSeconds(120);
    /**
     * What one crash may replay at most: the records in flight (at most the default max.buffered.records, 10,000)
     * and those completed since the last commit (a commit goes out once 10,000 have completed, at most every 50 ms),
     * with room for the records that complete while that commit is on its way.
     */
    private static final long REPLAY_PER_CRASH = 30_000;

    @Test
    void shouldLoseNothingWhenTheEngineIsKilledThreeTimes(TestKafka kafka) throws Exception {
        int records = 200_000;
        String input = kafka.newTopic("crash-in", 6);
        String output = kafka.newTopic("crash-out", 6);
        String name = kafka.uniqueName("crash");
        try (EngineProcess engine = engine(kafka.bootstrapServers(), name, input, output).start();
                LoadProducer load = new LoadProducer(kafka.bootstrapServers(), input, records, 1000, RATE).start()) {
            engine.crashEvenlyWhileRecordsFlow(3, records, () -> kafka.endOffsetSum(output), QUIET);
            load.await(2, TimeUnit.MINUTES);
            assertEquals(0, load.failed());
            await().atMost(QUIET).until(() -> kafka.committedSum("eddy-" + name, input) == records);
            engine.terminate(Duration.ofSeconds(60));

            Tally tally = Tally.of(load.acknowledged(), kafka.readValues(output));
            assertEquals(records, tally.expected(), "every record was acknowledged");
            assertEquals(0, tally.lost(), tally.toString());
            assertEquals(0, tally.unexpected(), tally.toString());
            assertTrue(tally.duplicates() <= 3 * REPLAY_PER_CRASH,
                    "duplicates beyond three crashes' replay window of " + REPLAY_PER_CRASH + ": " + tally);
            report("kill -9 three times", tally);
        }
    }

    @Test
    void shouldDuplicateNothingWhenTheEngineIsStoppedWithSigterm(TestKafka kafka) throws Exception {
        int records = 100_000;
        String input = kafka.newTopic("term-in", 6);
        String output = kafka.newTopic("term-out", 6);
        String name = kafka.uniqueName("term");
        try (EngineProcess engine = engine(kafka.bootstrapServers(), name, input, output).start();
                LoadProducer load = new LoadProducer(kafka.bootstrapServers(), input, records, 1000, RATE).start()) {
            await().atMost(QUIET).until(() -> kafka.endOffsetSum(output) >= records / 2);
            engine.terminate(Duration.ofSeconds(60));
            assertTrue(engine.output().contains("Stopped."), "no orderly stop after SIGTERM: " + engine.output());
            engine.start();
            load.await(2, TimeUnit.MINUTES);
            await().atMost(QUIET).until(() -> kafka.committedSum("eddy-" + name, input) == records);
            engine.terminate(Duration.ofSeconds(60));

            Tally tally = Tally.of(load.acknowledged(), kafka.readValues(output));
            assertEquals(records, tally.expected());
            assertEquals(0, tally.lost(), tally.toString());
            assertEquals(0, tally.duplicates(), "a clean stop commits everything it finished: " + tally);
            report("SIGTERM", tally);
        }
    }

    @Test
    void shouldLoseNothingWhenTheBrokerRestarts() throws Exception {
        int records = 100_000;
        Path dir = Files.createTempDirectory("eddy-restart-");
        EmbeddedKafka broker = EmbeddedKafka.start(dir, 0, false, Map.of());
        int port = Integer.parseInt(broker.bootstrapServers().substring(broker.bootstrapServers().indexOf(':') + 1));
        String bootstrap = broker.bootstrapServers();
        try (Admin admin = broker.admin()) {
            dev.eddy.engine.kafka.Topics.create(admin, "restart-in", 6);
            dev.eddy.engine.kafka.Topics.create(admin, "restart-out", 6);
        }
        try (EngineProcess engine = engine(bootstrap, "restart", "restart-in", "restart-out").start();
                LoadProducer load = new LoadProducer(bootstrap, "restart-in", records, 1000, RATE).start()) {
            try (KafkaReader reader = new KafkaReader(bootstrap)) {
                await().atMost(QUIET).until(() -> reader.endOffsetSum("restart-out") >= records / 3);
            }
            broker.close();
            broker = EmbeddedKafka.start(dir, port, false, Map.of());
            load.await(3, TimeUnit.MINUTES);
            assertEquals(0, load.failed(), "the producer's own retries ride out a broker restart: " + load.firstError());
            try (KafkaReader reader = new KafkaReader(bootstrap)) {
                await().atMost(QUIET).until(() -> reader.committedSum("eddy-restart", "restart-in") == records);
                engine.terminate(Duration.ofSeconds(60));

                Tally tally = Tally.of(load.acknowledged(), reader.readValues("restart-out"));
                assertEquals(records, tally.expected());
                assertEquals(0, tally.lost(), tally.toString());
                report("broker restart", tally);
            }
        } finally {
            broker.close();
            deleteRecursively(dir);
        }
    }

    private static EngineProcess engine(String bootstrap, String name, String input, String output) {
        return new EngineProcess(List.of("--bootstrap-servers", bootstrap, "--name", name,
                "--handler", CopyHandler.class.getName(), "--input", input, "--output", output,
                "--set", "commit.interval.ms=" + COMMIT_INTERVAL_MS),
                Path.of("target", "engine-processes", name + ".log"));
    }

    private static void report(String fault, Tally tally) {
        System.out.println("[counts] " + fault + ": " + tally);
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
