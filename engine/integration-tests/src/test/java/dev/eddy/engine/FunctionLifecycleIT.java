package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.sdk.Codec;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Environment;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Output;
import dev.eddy.sdk.TypedHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A function's environment, typed input and output, and its open/close hooks, on a real broker. */
@ExtendWith(EmbeddedKafkaExtension.class)
class FunctionLifecycleIT {

    private static final Duration QUIET = Duration.ofSeconds(60);

    record Order(String id, int quantity) {
        Order {
            if (id == null || quantity < 1) {
                throw new IllegalArgumentException("an order has an id and a quantity of at least 1");
            }
        }
    }

    record Line(String order, int quantity, String by, int attempt) {
    }

    /** Fails each order's first attempt, so that the second shows its attempt number. */
    static final class Orders implements TypedHandler<Order> {
        static final Output<Line> LINES = Output.of(Codec.json(Line.class));
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        final List<Instant> deadlines = new ArrayList<>();
        private String by;

        @Override
        public void open(Environment environment) {
            opened.incrementAndGet();
            by = environment.config().string("by") + "/" + environment.secret("token").length();
        }

        @Override
        public Codec<Order> input() {
            return Codec.json(Order.class);
        }

        @Override
        public void handle(Order order, Event event, Context ctx) {
            synchronized (deadlines) {
                deadlines.add(ctx.deadline());
            }
            if (ctx.attempt() == 1) {
                throw new IllegalStateException("first attempts fail");
            }
            ctx.emit(LINES, event, new Line(order.id(), order.quantity(), by, ctx.attempt()));
        }

        @Override
        public void close() {
            closed.incrementAndGet();
        }
    }

    @Test
    void shouldGiveTheHandlerItsEnvironmentAndDeadLetterUndecodableEventsWithoutRetrying(TestKafka kafka) {
        String input = kafka.newTopic("in", 3);
        String output = kafka.newTopic("out", 3);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            records.add(record(input, "o-" + i, "{\"id\":\"o-" + i + "\",\"quantity\":" + (i + 1) + "}"));
        }
        records.add(record(input, "bad-1", "{\"id\":\"bad-1\",\"quantity\":0}"));
        records.add(record(input, "bad-2", "not json"));
        records.add(record(input, "bad-3", "null")); // JSON null: no Order, though it decodes
        // A tombstone: passed over (completed, nothing emitted, not dead-lettered).
        records.add(new ProducerRecord<>(input, "gone".getBytes(java.nio.charset.StandardCharsets.UTF_8), null));
        kafka.produce(records);
        Orders handler = new Orders();
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("orders"))
                .input(input).output(output).version("7")
                .config(Map.of("by", "shop")).secrets(Map.of("token", "s3cret"))
                .retry(RetryPolicy.attempts(3).withBackoff(Duration.ofMillis(5), Duration.ofMillis(20)))
                .timeout(Duration.ofSeconds(20))
                .handler(handler)
                .build();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            await().atMost(QUIET).until(() -> kafka.committedSum(function.groupId(), input) == records.size());
            assertEquals(100, running.stats().retries(), "one retry per good order, none for the undecodable ones");
            assertEquals(3, running.stats().deadLettered(), "the tombstone is not dead-lettered");
            assertEquals(1, handler.opened.get());
            assertEquals(0, handler.closed.get());
        }
        assertEquals(1, handler.closed.get(), "closed once the function stopped");

        List<String> lines = kafka.readValues(output);
        assertEquals(100, lines.size());
        assertTrue(lines.contains("{\"order\":\"o-0\",\"quantity\":1,\"by\":\"shop/6\",\"attempt\":2}"), lines.get(0));
        synchronized (handler.deadlines) {
            Instant first = handler.deadlines.get(0);
            assertTrue(Duration.between(Instant.now(), first).compareTo(Duration.ofSeconds(20)) < 0
                    && first.isAfter(Instant.now().minus(QUIET)), "deadline " + first);
        }

        List<ConsumerRecord<byte[], byte[]>> letters = kafka.readAll(function.deadLetterTopic());
        assertEquals(3, letters.size(), "the two undecodable orders and the JSON null");
        for (ConsumerRecord<byte[], byte[]> letter : letters) {
            assertEquals(FailureReason.UNDECODABLE.name(), header(letter, DeadLetterHeaders.REASON));
            assertEquals("1", header(letter, DeadLetterHeaders.ATTEMPTS));
            assertTrue(header(letter, DeadLetterHeaders.EXCEPTION_MESSAGE).startsWith("json:Order: cannot decode"),
                    header(letter, DeadLetterHeaders.EXCEPTION_MESSAGE));
        }
    }

    @Test
    void shouldFailTheDeployWhenOpenFailsAndStartNothing(TestKafka kafka) {
        String input = kafka.newTopic("in", 1);
        Orders handler = new Orders(); // asks for a secret this function is not given
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("no-secret"))
                .input(input).config(Map.of("by", "shop")).handler(handler).build();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            EddyException error = assertThrows(EddyException.class, () -> engine.deploy(function));
            assertTrue(error.getMessage().contains("failed in open()")
                    && error.getMessage().contains("has no secret 'token'; it has none"), error.getMessage());
            assertTrue(engine.functions().isEmpty(), "nothing deployed");
        }
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, String value) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
