package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.sdk.Codec;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;
import dev.eddy.sdk.Output;
import io.cloudevents.CloudEvent;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The records a function emits are CloudEvents in the Kafka binding, as the CloudEvents Java SDK reads them: a new
 * id, source and type for each emitted event (not the input's), the handler's own attributes kept, and the same id
 * when a retry emits an event again.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class CloudEventsIT {

    record Note(String text) {
    }

    static final Output<Note> NOTES = Output.named("notes", Codec.json(Note.class));

    /** A note per event; "custom" also emits an event of its own type; "flaky" fails its first attempt. */
    static final class Noting implements Handler {
        @Override
        public void handle(Event event, Context context) {
            context.emit(NOTES, event, new Note(event.valueAsString()));
            if (event.valueAsString().equals("custom")) {
                context.emit("notes", event.withHeader("ce_type", "com.acme.custom"));
            }
            if (event.valueAsString().equals("flaky") && context.attempt() == 1) {
                throw new IllegalStateException("first attempt fails");
            }
        }
    }

    @Test
    void shouldEmitEveryEventAsANewCloudEventWithAnIdThatARetryRepeats(TestKafka kafka) {
        String input = kafka.newTopic("ce-in", 1);
        String output = kafka.newTopic("ce-out", 1);
        RecordHeaders upstream = new RecordHeaders();
        upstream.add("ce_specversion", utf8("1.0"));
        upstream.add("ce_id", utf8("reading-42"));
        upstream.add("ce_source", utf8("/sensors/d1"));
        upstream.add("ce_type", utf8("sensor.reading"));
        upstream.add("ce_subject", utf8("d1"));
        upstream.add("content-type", utf8("text/plain"));
        kafka.produce(List.of(
                new ProducerRecord<>(input, null, utf8("plain"), utf8("plain")),
                new ProducerRecord<>(input, null, null, utf8("upstream"), utf8("upstream"), upstream),
                new ProducerRecord<>(input, null, utf8("custom"), utf8("custom")),
                new ProducerRecord<>(input, null, utf8("flaky"), utf8("flaky"))));
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("ce"))
                .input(input).output("notes", output).handler(new Noting()).cloudEvents(CloudEventsMode.ALWAYS)
                .retry(RetryPolicy.DEFAULT.withBackoff(Duration.ofMillis(10), Duration.ofMillis(100)))
                .build();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            engine.deploy(function);
            await().until(() -> kafka.committedSum(function.groupId(), input) == 4);
        }

        Map<String, List<CloudEvent>> byId = new HashMap<>();
        int count = 0;
        try (CloudEventDeserializer reader = new CloudEventDeserializer()) {
            for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(output)) {
                CloudEvent event = reader.deserialize(output, record.headers(), record.value());
                byId.computeIfAbsent(event.getId(), id -> new ArrayList<>()).add(event);
                count++;
            }
        }
        assertEquals(6, count, "a note each, a custom event, and the flaky note again: " + byId);
        URI source = URI.create("/eddy/functions/" + function.name());
        String type = "dev.eddy." + function.name() + ".notes";
        byId.values().stream().flatMap(List::stream).forEach(event -> {
            assertEquals("1.0", event.getSpecVersion().toString());
            assertEquals(source, event.getSource());
        });

        CloudEvent plain = only(byId, input + ":0:0:0");
        assertEquals(type, plain.getType());
        assertEquals("application/json", plain.getDataContentType());
        assertEquals("{\"text\":\"plain\"}", new String(plain.getData().toBytes(), StandardCharsets.UTF_8));

        CloudEvent derived = only(byId, input + ":0:1:0"); // a new event, not the input's reading-42
        assertEquals(type, derived.getType(), "not the input's sensor.reading");
        assertEquals("d1", derived.getSubject(), "the input's subject is the output's too");
        assertEquals("application/json", derived.getDataContentType(), "the output's codec says what the data is");

        assertEquals(type, only(byId, input + ":0:2:0").getType());
        CloudEvent custom = only(byId, input + ":0:2:1"); // the call's second emit
        assertEquals("com.acme.custom", custom.getType(), "the type the handler gave is kept");
        assertNull(custom.getDataContentType());

        assertEquals(2, byId.get(input + ":0:3:0").size(), "the retry's emit repeats the first one's id");
        assertEquals(5, byId.size(), byId.keySet().toString());
    }

    private static CloudEvent only(Map<String, List<CloudEvent>> byId, String id) {
        List<CloudEvent> events = byId.get(id);
        assertEquals(1, events == null ? 0 : events.size(), "events with id " + id + " among " + byId.keySet());
        return events.get(0);
    }

    @Test
    void shouldKeepACloudEventsStreamOneAndAPlainStreamPlainUnlessToldOtherwise(TestKafka kafka) {
        String input = kafka.newTopic("ce-auto-in", 1);
        String auto = kafka.newTopic("ce-auto-out", 1);
        String never = kafka.newTopic("ce-never-out", 1);
        RecordHeaders upstream = new RecordHeaders();
        upstream.add("ce_specversion", utf8("1.0"));
        upstream.add("ce_id", utf8("reading-42"));
        upstream.add("ce_source", utf8("/sensors/d1"));
        upstream.add("ce_type", utf8("sensor.reading"));
        kafka.produce(List.of(new ProducerRecord<>(input, utf8("plain"), utf8("plain")),
                new ProducerRecord<>(input, null, null, utf8("event"), utf8("event"), upstream)));
        FunctionDefinition autoFunction = FunctionDefinition.builder(kafka.uniqueName("ce-auto"))
                .input(input).output(auto).handler((event, context) -> context.emit(event)).build();
        FunctionDefinition neverFunction = FunctionDefinition.builder(kafka.uniqueName("ce-never"))
                .input(input).output(never).handler((event, context) -> context.emit(event))
                .cloudEvents(CloudEventsMode.NEVER).build();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            engine.deploy(autoFunction);
            engine.deploy(neverFunction);
            await().until(() -> kafka.committedSum(autoFunction.groupId(), input) == 2
                    && kafka.committedSum(neverFunction.groupId(), input) == 2);
        }
        Map<String, ConsumerRecord<byte[], byte[]>> autoByKey = byKey(kafka.readAll(auto));
        assertEquals(0, autoByKey.get("plain").headers().toArray().length, "a plain input makes a plain output");
        assertEquals(input + ":0:1:0", header(autoByKey.get("event"), "ce_id"));
        assertEquals("/eddy/functions/" + autoFunction.name(), header(autoByKey.get("event"), "ce_source"));
        assertEquals(4, autoByKey.get("event").headers().toArray().length, "one of each attribute, none twice");

        Map<String, ConsumerRecord<byte[], byte[]>> neverByKey = byKey(kafka.readAll(never));
        assertEquals(0, neverByKey.get("plain").headers().toArray().length);
        assertEquals("reading-42", header(neverByKey.get("event"), "ce_id"), "the event's headers, as they were");
    }

    private static Map<String, ConsumerRecord<byte[], byte[]>> byKey(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, ConsumerRecord<byte[], byte[]>> byKey = new HashMap<>();
        records.forEach(record -> byKey.put(new String(record.key(), StandardCharsets.UTF_8), record));
        assertEquals(records.size(), byKey.size(), "one output per input");
        return byKey;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
