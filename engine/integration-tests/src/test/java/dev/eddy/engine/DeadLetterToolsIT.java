package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.cli.EddyCli;
import dev.eddy.engine.dlq.DeadLetterTopic;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.Tally;
import dev.eddy.engine.testing.TestKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code ./eddy dlq list|show|replay} against a real broker and a running function. */
@ExtendWith(EmbeddedKafkaExtension.class)
class DeadLetterToolsIT {

    @Test
    void shouldListShowAndReplayDeadLettersThroughTheFunctionOnce(TestKafka kafka) {
        String input = kafka.newTopic("in", 2);
        String output = kafka.newTopic("out", 2);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        Set<String> all = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            String value = (i % 4 == 1 ? "bad-" : "good-") + i;
            records.add(new ProducerRecord<>(input, bytes("key-" + i), bytes(value)));
            all.add(value);
        }
        kafka.produce(records);
        AtomicBoolean fixed = new AtomicBoolean();
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("fixable"))
                .input(input).output(output).retry(RetryPolicy.NONE)
                .handler((event, ctx) -> {
                    if (event.valueAsString().startsWith("bad") && !fixed.get()) {
                        throw new IllegalStateException("cannot handle\r\n" + event.valueAsString());
                    }
                    ctx.emit(event);
                })
                .build();
        String[] target = {function.name(), "--bootstrap-servers", kafka.bootstrapServers()};
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            await().atMost(Duration.ofSeconds(60)).until(() -> running.stats().deadLettered() == 5);

            String list = cli("dlq", "list", target[0], target[1], target[2]);
            assertTrue(list.contains("5 dead letter(s)"), list);
            assertTrue(list.contains("HANDLER_FAILED"), list);
            assertTrue(list.contains("IllegalStateException: cannot handle\\u000d\\u000abad-"),
                    "the message is shown, its line breaks escaped: " + list);

            String id = list.lines().filter(line -> line.contains("HANDLER_FAILED")).findFirst().orElseThrow()
                    .split(" ")[0];
            String shown = cli("dlq", "show", target[0], id, target[1], target[2]);
            assertTrue(shown.contains("value      bad-"), shown);
            assertTrue(shown.contains(DeadLetterHeaders.SOURCE_TOPIC + " = " + input), shown);

            fixed.set(true);
            String replayed = cli("dlq", "replay", target[0], "--all", target[1], target[2]);
            assertTrue(replayed.contains("Replayed 5 dead letter(s)"), replayed);
            await().atMost(Duration.ofSeconds(60)).until(() -> kafka.endOffsetSum(output) == 20);
        }
        List<ConsumerRecord<byte[], byte[]>> outputs = kafka.readAll(output);
        Tally tally = Tally.of(all, outputs.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList());
        assertEquals(0, tally.lost() + tally.duplicates() + tally.unexpected(), tally.toString());
        long marked = outputs.stream().filter(r -> r.headers().lastHeader(DeadLetterTopic.REPLAYED_FROM) != null).count();
        assertEquals(5, marked, "replayed records say which dead letter they were");
    }

    @Test
    void shouldSayWhatIsWrongWhenTheFunctionHasNoDeadLetterTopic(TestKafka kafka) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = EddyCli.commandLine().setErr(new java.io.PrintWriter(err, true))
                .execute("dlq", "list", "nobody", "--bootstrap-servers", kafka.bootstrapServers());
        assertEquals(1, status);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no dead-letter topic 'eddy.dlq.nobody'"),
                err.toString(StandardCharsets.UTF_8));
    }

    private static String cli(String... args) {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream original = System.out;
        try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            int status = EddyCli.commandLine().execute(args);
            assertEquals(0, status, printed.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
        return printed.toString(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
