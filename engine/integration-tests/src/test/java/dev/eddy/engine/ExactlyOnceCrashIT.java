package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eddy.engine.testing.CopyHandler;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.EngineProcess;
import dev.eddy.engine.testing.LoadProducer;
import dev.eddy.engine.testing.Tally;
import dev.eddy.engine.testing.TestKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * EXACTLY_ONCE engines as processes of their own, killed and frozen while records flow; the outputs are read with
 * read_committed and counted: nothing lost, nothing twice.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class ExactlyOnceCrashIT {

    private static final int RATE = 20_000;
    private static final Duration QUIET = Duration.ofSeconds(120);

    @Test
    void shouldCommitNothingTwiceWhenTheEngineIsKilledThreeTimes(TestKafka kafka) throws Exception {
        int records = 200_000;
        String input = kafka.newTopic("eos-crash-in", 6);
        String output = kafka.newTopic("eos-crash-out", 6);
        String name = kafka.uniqueName("eos-crash");
        try (EngineProcess engine = engine(kafka, name, input, output, "a").start();
                LoadProducer load = new LoadProducer(kafka.bootstrapServers(), input, records, 1000, RATE).start()) {
            engine.crashEvenlyWhileRecordsFlow(3, records, () -> kafka.endOffsetSum(output), QUIET);
            load.await(2, TimeUnit.MINUTES);
            assertEquals(0, load.failed());
            await().atMost(QUIET).until(() -> kafka.committedSum("eddy-" + name, input) == records);
            engine.terminate(Duration.ofSeconds(60));

            Tally tally = Tally.of(load.acknowledged(), kafka.readValues(output));
            assertEquals(records, tally.expected());
            assertEquals(0, tally.lost(), tally.toString());
            assertEquals(0, tally.duplicates(), "read_committed sees each record's outputs once: " + tally);
            System.out.println("[counts] EXACTLY_ONCE, kill -9 three times: " + tally);
        }
    }

    @Test
    void shouldFenceAFrozenEngineThatWakesUpAfterAnotherTookOver(TestKafka kafka) throws Exception {
        int records = 100_000;
        String input = kafka.newTopic("eos-zombie-in", 6);
        String output = kafka.newTopic("eos-zombie-out", 6);
        String name = kafka.uniqueName("eos-zombie");
        // The frozen engine's open transaction holds back the successor's committed offsets until Kafka aborts it:
        // a short transaction timeout bounds that wait (the default, 300 s, outlasts the test's patience).
        List<String> shortTransactions = List.of("--set", "producer.transaction.timeout.ms=20000");
        try (EngineProcess zombie = engine(kafka, name, input, output, "zombie", shortTransactions).start();
                EngineProcess successor = engine(kafka, name, input, output, "successor", shortTransactions);
                LoadProducer load = new LoadProducer(kafka.bootstrapServers(), input, records, 1000, RATE).start()) {
            await().atMost(QUIET).until(() -> kafka.endOffsetSum(output) >= records / 4);
            zombie.freeze();
            successor.start();
            // The frozen engine misses its heartbeats; the successor gets its partitions and moves on.
            long before = kafka.committedSum("eddy-" + name, input);
            await().atMost(QUIET).until(() -> kafka.committedSum("eddy-" + name, input) > before + 10_000);
            zombie.resume(); // it wakes up mid-transaction, with outputs it thinks it may commit
            load.await(2, TimeUnit.MINUTES);
            await().atMost(QUIET).until(() -> kafka.committedSum("eddy-" + name, input) == records);
            successor.terminate(Duration.ofSeconds(60));
            zombie.close();

            Tally tally = Tally.of(load.acknowledged(), kafka.readValues(output));
            assertEquals(records, tally.expected());
            assertEquals(0, tally.lost(), tally.toString());
            assertEquals(0, tally.duplicates(), "the zombie's late writes never became visible: " + tally);
            System.out.println("[counts] EXACTLY_ONCE, frozen engine resumed after a takeover: " + tally);
        }
    }

    private static EngineProcess engine(TestKafka kafka, String name, String input, String output, String instance) {
        return engine(kafka, name, input, output, instance, List.of());
    }

    private static EngineProcess engine(TestKafka kafka, String name, String input, String output, String instance,
            List<String> more) {
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--name", name,
                "--handler", CopyHandler.class.getName(), "--input", input, "--output", output,
                "--delivery", "EXACTLY_ONCE", "--set", "instance.id=" + instance, "--set", "commit.interval.ms=200"));
        args.addAll(more);
        return new EngineProcess(args, Path.of("target", "engine-processes", name + "-" + instance + ".log"));
    }
}
