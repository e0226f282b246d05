package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.schemas.events.Reading;
import dev.eddy.schemas.events.Telemetry;
import dev.eddy.schemas.registry.SchemaRegistryClient;
import dev.eddy.schemas.registry.server.EmbeddedSchemaRegistry;
import dev.eddy.schemas.serde.AvroCodec;
import dev.eddy.schemas.serde.AvroSerde;
import dev.eddy.schemas.serde.MemorySchemaLookup;
import dev.eddy.schemas.serde.WireFormat;
import dev.eddy.sdk.Codec;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Environment;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Output;
import dev.eddy.sdk.TypedHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A typed handler of Avro telemetry in the Confluent wire format: good records reach it decoded, and a wrong magic
 * byte, an unknown schema id and a truncated record each go to the dead-letter topic at once, saying which.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class AvroEventsIT {

    /** Emits each reading's device and first value. */
    static final class TelemetryHandler implements TypedHandler<Telemetry> {
        private final Codec<Telemetry> input;

        TelemetryHandler(Codec<Telemetry> input) {
            this.input = input;
        }

        @Override
        public Codec<Telemetry> input() {
            return input;
        }

        @Override
        public void handle(Telemetry telemetry, Event event, Context context) {
            context.emit(event.withValue(telemetry.getDevice() + "=" + telemetry.getReadings().get(0).getValue()));
        }
    }

    @Test
    void shouldDeadLetterEachKindOfUndecodableAvroWithItsReason(TestKafka kafka) {
        String input = kafka.newTopic("avro-in", 2);
        String output = kafka.newTopic("avro-out", 2);
        MemorySchemaLookup registry = new MemorySchemaLookup();
        AvroSerde serde = new AvroSerde(registry);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        byte[] good = null;
        for (int i = 0; i < 20; i++) {
            good = serde.serialize(input + "-value", Telemetry.newBuilder().setDevice("d-" + i)
                    .setReadings(List.of(new Reading("temperature", 20.0 + i, "Cel"))).build());
            records.add(record(input, "d-" + i, good));
        }
        records.add(record(input, "bad-magic", "{\"device\":\"d-1\"}".getBytes(StandardCharsets.UTF_8)));
        records.add(record(input, "bad-id", WireFormat.frame(999, Arrays.copyOfRange(good, 5, good.length))));
        records.add(record(input, "bad-cut", Arrays.copyOf(good, good.length - 4)));
        kafka.produce(records);

        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("avro"))
                .input(input).output(output)
                .handler(new TelemetryHandler(AvroCodec.specific(Telemetry.class, registry, input + "-value")))
                .build();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            await().until(() -> kafka.committedSum(function.groupId(), input) == records.size());
            assertEquals(0, running.stats().retries(), "undecodable bytes are not retried");
        }
        assertEquals(20, kafka.readValues(output).size());
        assertTrue(kafka.readValues(output).contains("d-19=39.0"));

        Map<String, String> reasons = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> letter : kafka.readAll(function.deadLetterTopic())) {
            assertEquals("UNDECODABLE", header(letter, DeadLetterHeaders.REASON));
            reasons.put(new String(letter.key(), StandardCharsets.UTF_8),
                    header(letter, DeadLetterHeaders.EXCEPTION_MESSAGE));
        }
        assertEquals(3, reasons.size(), reasons.toString());
        assertTrue(reasons.get("bad-magic").contains("WRONG_MAGIC_BYTE"), reasons.get("bad-magic"));
        assertTrue(reasons.get("bad-id").contains("UNKNOWN_SCHEMA_ID") && reasons.get("bad-id").contains("999"),
                reasons.get("bad-id"));
        assertTrue(reasons.get("bad-cut").contains("TRUNCATED"), reasons.get("bad-cut"));
    }

    /**
     * Reads telemetry in Celsius and writes it in Fahrenheit, both Avro, its codecs made in open() on the schema
     * registry the engine gives it.
     */
    static final class FahrenheitHandler implements TypedHandler<Telemetry> {
        private Codec<Telemetry> input;
        private Output<Telemetry> output;

        @Override
        public void open(Environment environment) {
            input = AvroCodec.specific(Telemetry.class, environment, environment.config().string("input") + "-value");
            output = Output.of(AvroCodec.specific(Telemetry.class, environment,
                    environment.config().string("output") + "-value"));
        }

        @Override
        public Codec<Telemetry> input() {
            return input;
        }

        @Override
        public void handle(Telemetry telemetry, Event event, Context context) {
            List<Reading> fahrenheit = telemetry.getReadings().stream()
                    .map(r -> new Reading(r.getName(), r.getValue() * 9 / 5 + 32, "[degF]")).toList();
            context.emit(output, event, Telemetry.newBuilder(telemetry).setReadings(fahrenheit).build());
        }
    }

    @Test
    void shouldGiveADeployedFunctionTheEnginesRegistryForItsAvroInputAndOutput(TestKafka kafka) throws Exception {
        String input = kafka.newTopic("avro-c", 2);
        String output = kafka.newTopic("avro-f", 2);
        int records = 200;
        try (EmbeddedSchemaRegistry registry = new EmbeddedSchemaRegistry(kafka.engineConfig(Map.of()),
                kafka.admin(), "127.0.0.1", 0);
                SchemaRegistryClient client = SchemaRegistryClient.builder(registry.url()).build()) {
            AvroSerde serde = new AvroSerde(client);
            List<ProducerRecord<byte[], byte[]>> produced = new ArrayList<>();
            for (int i = 0; i < records; i++) {
                produced.add(record(input, "d-" + i, serde.serialize(input + "-value", Telemetry.newBuilder()
                        .setDevice("d-" + i).setReadings(List.of(new Reading("temperature", (double) i, "Cel")))
                        .build())));
            }
            kafka.produce(produced);
            FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("fahrenheit"))
                    .input(input).output(output).handler(new FahrenheitHandler())
                    .config(Map.of("input", input, "output", output)).build();

            try (Engine plain = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
                EddyException refused = assertThrows(EddyException.class, () -> plain.deploy(function));
                assertTrue(refused.getMessage().contains("schema.registry.url"), refused.getMessage());
            }
            try (Engine engine = new Engine(kafka.engineConfig(Map.of(EngineConfig.SCHEMA_REGISTRY_URL,
                    registry.url())), new SimpleMeterRegistry())) {
                engine.deploy(function);
                await().until(() -> kafka.committedSum(function.groupId(), input) == records);
            }

            Map<String, Double> fahrenheit = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> out : kafka.readAll(output)) {
                assertEquals("application/avro", header(out, "content-type"));
                Telemetry telemetry = serde.deserialize(out.value(), Telemetry.class);
                assertEquals("[degF]", telemetry.getReadings().get(0).getUnit());
                fahrenheit.put(telemetry.getDevice(), telemetry.getReadings().get(0).getValue());
            }
            assertEquals(records, fahrenheit.size(), "each device once");
            assertEquals(32.0, fahrenheit.get("d-0"));
            assertEquals(212.0, fahrenheit.get("d-100"));
            assertTrue(client.subjects().contains(output + "-value"), "the output's schema was registered");
        }
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
