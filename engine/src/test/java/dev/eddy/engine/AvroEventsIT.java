package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.schemas.events.Reading;
import dev.eddy.schemas.events.Telemetry;
import dev.eddy.schemas.serde.AvroCodec;
import dev.eddy.schemas.serde.AvroSerde;
import dev.eddy.schemas.serde.MemorySchemaLookup;
import dev.eddy.schemas.serde.WireFormat;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.sdk.Codec;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
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

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
