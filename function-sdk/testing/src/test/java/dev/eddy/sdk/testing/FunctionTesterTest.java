package dev.eddy.sdk.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.sdk.BatchHandler;
import dev.eddy.sdk.BatchResult;
import dev.eddy.sdk.Codec;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Environment;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;
import dev.eddy.sdk.Output;
import dev.eddy.sdk.TypedHandler;
import dev.eddy.sdk.UndecodableEventException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

class FunctionTesterTest {

    record Reading(String device, double celsius, Instant at) {
    }

    record Alert(String device, double celsius, String level) {
    }

    /** A typed handler as a function author writes one: config in open, typed input and output, logs. */
    static final class Monitor implements TypedHandler<Reading> {
        static final Output<Alert> ALERTS = Output.named("alerts", Codec.json(Alert.class));
        private double threshold;
        private boolean closed;

        @Override
        public void open(Environment environment) {
            threshold = environment.config().number("threshold");
            environment.logger().log(System.Logger.Level.INFO, "threshold {0}", threshold);
        }

        @Override
        public Codec<Reading> input() {
            return Codec.json(Reading.class);
        }

        @Override
        public void handle(Reading reading, Event event, Context ctx) {
            if (reading.celsius() > threshold) {
                ctx.emit(ALERTS, event, new Alert(reading.device(), reading.celsius(),
                        ctx.attempt() > 1 ? "retried" : "hot"));
            }
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @org.junit.jupiter.api.Test
    void shouldRunATypedHandlerWithItsConfigAndKeepItsTypedEmitsAndLogs() throws Exception {
        Monitor monitor = new Monitor();
        try (FunctionTester tester = FunctionTester.of(monitor).outputs("alerts").config("threshold", "30")) {
            assertTrue(tester.send(Event.of("dev-1", "{\"device\":\"dev-1\",\"celsius\":31.5,"
                    + "\"at\":\"2026-01-01T00:00:00Z\"}")).succeeded());
            tester.send(Event.of("dev-2", "{\"device\":\"dev-2\",\"celsius\":12.0,\"at\":null}"));
            tester.send(Event.of("dev-3", "{\"device\":\"dev-3\",\"celsius\":40.0,\"extra\":1}"), 2);

            assertEquals(List.of(new Alert("dev-1", 31.5, "hot"), new Alert("dev-3", 40.0, "retried")),
                    tester.emitted(Monitor.ALERTS));
            assertEquals("dev-1", tester.emitted("alerts").get(0).keyAsString(), "the input's key is kept");
            assertEquals("threshold 30", tester.logs().get(0).message());
        }
        assertTrue(monitor.closed);
    }

    @org.junit.jupiter.api.Test
    void shouldReportAnUndecodableEventWithTheCodecAndTheProblem() throws Exception {
        try (FunctionTester tester = FunctionTester.of(new Monitor()).outputs("alerts").config("threshold", "1")) {
            FunctionTester.Call call = tester.send(Event.of("dev-1", "{\"device\":\"dev-1\",\"celsius\":\"hot\"}"));

            UndecodableEventException error = assertInstanceOf(UndecodableEventException.class, call.failure());
            assertEquals("json:Reading", error.codec());
            assertTrue(error.getMessage().contains("celsius") || error.getMessage().contains("hot"),
                    error.getMessage());
            assertTrue(tester.emitted().isEmpty());
        }
    }

    @org.junit.jupiter.api.Test
    void shouldPassTombstonesOverAndRefuseAJsonNullAsUndecodable() throws Exception {
        try (FunctionTester tester = FunctionTester.of(new Monitor()).outputs("alerts").config("threshold", "1")) {
            FunctionTester.Call tombstone = tester.send(Event.of("dev-1".getBytes(StandardCharsets.UTF_8), null));
            assertTrue(tombstone.succeeded(), "a tombstone is passed over: " + tombstone.failure());
            assertTrue(tester.emitted().isEmpty());

            FunctionTester.Call jsonNull = tester.send(Event.of("dev-1", "null"));
            UndecodableEventException error = assertInstanceOf(UndecodableEventException.class, jsonNull.failure());
            assertTrue(error.getMessage().startsWith("json:Reading: cannot decode the event: the value decodes as"
                    + " null"), error.getMessage());
        }
        List<String> deleted = new java.util.ArrayList<>();
        TypedHandler<Reading> deletions = new TypedHandler<>() {
            @Override
            public Codec<Reading> input() {
                return Codec.json(Reading.class);
            }

            @Override
            public void handle(Reading value, Event event, Context context) {
            }

            @Override
            public void tombstone(Event event, Context context) {
                deleted.add(event.keyAsString());
            }
        };
        try (FunctionTester tester = FunctionTester.of(deletions)) {
            assertTrue(tester.send(Event.of("dev-2".getBytes(StandardCharsets.UTF_8), null)).succeeded());
        }
        assertEquals(List.of("dev-2"), deleted, "an overriding handler acts on the deletion");
    }

    @org.junit.jupiter.api.Test
    void shouldRefuseEmitsToUndeclaredOutputsAndAfterTheCallReturned() throws Exception {
        Context[] kept = new Context[1];
        try (FunctionTester tester = FunctionTester.of((event, ctx) -> {
            kept[0] = ctx;
            ctx.emit("nowhere", event);
        })) {
            FunctionTester.Call call = tester.send(Event.of("k", "v"));
            assertTrue(call.failure().getMessage().contains("no output 'nowhere'"), call.failure().getMessage());
            assertThrows(IllegalStateException.class, () -> kept[0].emit(Event.of("k", "late")));
        }
    }

    @org.junit.jupiter.api.Test
    void shouldGiveEachCallADeadlineOnTheTestClock() throws Exception {
        Instant[] deadlines = new Instant[2];
        int[] calls = {0};
        try (FunctionTester tester = FunctionTester.of((event, ctx) -> deadlines[calls[0]++] = ctx.deadline())
                .timeout(Duration.ofSeconds(5))) {
            tester.send(Event.of("k", "1"));
            tester.clock().advance(Duration.ofMinutes(1));
            tester.send(Event.of("k", "2"));
        }
        assertEquals(Duration.ofSeconds(65), Duration.between(Instant.parse("2026-01-01T00:00:00Z"), deadlines[1]));
        assertEquals(Duration.ofMinutes(1), Duration.between(deadlines[0], deadlines[1]));
    }

    @org.junit.jupiter.api.Test
    void shouldRunABatchAndReportItsFailedEvents() throws Exception {
        BatchHandler handler = (events, ctx) -> {
            BatchResult result = BatchResult.success();
            for (int i = 0; i < events.size(); i++) {
                if (events.get(i).valueAsString().startsWith("bad")) {
                    result = result.andFailed(i, new IllegalArgumentException("bad value"));
                } else {
                    ctx.emit(events.get(i));
                }
            }
            return result;
        };
        try (FunctionTester tester = FunctionTester.ofBatch(handler)) {
            FunctionTester.Call call = tester.sendBatch(List.of(Event.of("a", "ok-1"), Event.of("b", "bad-2"),
                    Event.of("c", "ok-3")));
            assertFalse(call.succeeded());
            assertEquals(List.of(1), List.copyOf(call.result().failures().keySet()));
            assertEquals(2, tester.emitted(Output.DEFAULT_NAME).size());
        }
    }

    @org.junit.jupiter.api.Test
    void shouldNameTheMissingSecretAndTheOnesThereAre() throws Exception {
        try (FunctionTester tester = FunctionTester.of((event, ctx) -> ctx.secret("db-password"))
                .secret("api-token", "t")) {
            Throwable failure = tester.send(Event.of("k", "v")).failure();
            assertEquals("function 'function-under-test' has no secret 'db-password'; it has [api-token]",
                    failure.getMessage());
        }
    }

    @org.junit.jupiter.api.Test
    void shouldGiveTheFunctionTheSchemaRegistryItWasToldOf() throws Exception {
        Handler tellsRegistry = (event, ctx) -> ctx.emit(event.withValue(ctx.schemaRegistryUrl().orElse("none")));
        try (FunctionTester tester = FunctionTester.of(tellsRegistry)) {
            assertEquals("none", tester.send(Event.of("k", "v")).emits().get(0).event().valueAsString());
        }
        try (FunctionTester tester = FunctionTester.of(tellsRegistry).schemaRegistryUrl("http://127.0.0.1:8085")) {
            assertEquals("http://127.0.0.1:8085",
                    tester.send(Event.of("k", "v")).emits().get(0).event().valueAsString());
        }
    }

    record Device(String site, double threshold) {
    }

    static final dev.eddy.sdk.TableSpec<Device> DEVICES = dev.eddy.sdk.TableSpec.named("devices",
            Codec.json(Device.class));

    /** Enriches each reading with its device's site, from a table the test fills and changes. */
    static final class Enricher implements Handler {
        @Override
        public void handle(Event event, Context context) {
            String site = context.table(DEVICES).get(event.key()).map(Device::site).orElse("unknown");
            context.emit(event.withValue(event.valueAsString() + "@" + site));
        }

        @Override
        public List<dev.eddy.sdk.TableSpec<?>> tables() {
            return List.of(DEVICES);
        }
    }

    @org.junit.jupiter.api.Test
    void shouldLookKeysUpInTheTablesTheTestFills() {
        try (FunctionTester tester = FunctionTester.of(new Enricher())) {
            tester.table(DEVICES, "dev-1", new Device("lyon", 30));
            assertEquals("20@lyon", tester.send(Event.of("dev-1", "20")).emits().get(0).event().valueAsString());
            assertEquals("21@unknown", tester.send(Event.of("dev-2", "21")).emits().get(0).event().valueAsString());
            tester.table(DEVICES, "dev-1", new Device("paris", 30)); // the table changes between events
            assertEquals("22@paris", tester.send(Event.of("dev-1", "22")).emits().get(0).event().valueAsString());
            tester.table(DEVICES, "dev-1", null); // a tombstone
            assertEquals("23@unknown", tester.send(Event.of("dev-1", "23")).emits().get(0).event().valueAsString());
            IllegalArgumentException undeclared = assertThrows(IllegalArgumentException.class, () -> tester.table(
                    dev.eddy.sdk.TableSpec.named("sites", Codec.string()), "s", "x"));
            assertTrue(undeclared.getMessage().contains("declares no table 'sites'"), undeclared.getMessage());
        }
        try (FunctionTester tester = FunctionTester.of((event, ctx) -> ctx.table(DEVICES))) {
            Throwable failure = tester.send(Event.of("k", "v")).failure();
            assertTrue(failure.getMessage().contains("has no table 'devices'"), failure.getMessage());
        }
    }
}
