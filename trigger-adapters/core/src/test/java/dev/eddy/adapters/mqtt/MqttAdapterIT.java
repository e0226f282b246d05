package dev.eddy.adapters.mqtt;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperty;
import dev.eddy.adapters.EventPublisher;
import dev.eddy.adapters.Settings;
import dev.eddy.adapters.testing.AdapterConfigs;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.engine.testing.servers.MosquittoProcess;
import dev.eddy.engine.testing.servers.TestServers;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.events.Reading;
import dev.eddy.schemas.events.Telemetry;
import dev.eddy.schemas.registry.SchemaRegistryClient;
import dev.eddy.schemas.registry.server.EmbeddedSchemaRegistry;
import dev.eddy.schemas.serde.AvroSerde;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The MQTT adapter on the tests' own Mosquitto and a real broker: messages become telemetry
 * envelopes with CloudEvents headers on the route's topic under the device's key, and a payload that is not
 * telemetry goes to the dead-letter topic with its reason while the rest flows on.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class MqttAdapterIT {

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void shouldPublishReadingsAsTelemetryAndDeadLetterWhatIsNotTelemetry(TestKafka kafka) throws Exception {
        String telemetryTopic = kafka.newTopic("telemetry", 2);
        String rawTopic = kafka.newTopic("raw", 1);
        String deadLetters = kafka.newTopic("mqtt-dlq", 1);
        String prefix = kafka.uniqueName("site");
        MosquittoProcess mosquitto = TestServers.mosquitto();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (EmbeddedSchemaRegistry registry = AdapterConfigs.registry(kafka)) {
            Settings settings = Settings.parse(String.join("\n",
                    AdapterConfigs.kafka(kafka, registry),
                    "  deadLetterTopic: " + deadLetters,
                    "mqtt:",
                    "  server: " + mosquitto.url(),
                    "  clientId: " + kafka.uniqueName("bridge"),
                    "  routes:",
                    "    - filter: " + prefix + "/{device}/{quantity}",
                    "      topic: " + telemetryTopic,
                    "      units: {temp: Cel}",
                    "    - filter: " + prefix + "-raw/#",
                    "      topic: " + rawTopic,
                    "      payload: raw", ""), name -> null);
            EventPublisher publisher = new EventPublisher(EventPublisher.Options.read("mqtt",
                    settings.section("kafka")), meters);
            try (MqttAdapter adapter = MqttAdapter.start(MqttSettings.read(settings.section("mqtt")), publisher)) {
                Mqtt5BlockingClient device = Mqtt5Client.builder().identifier(kafka.uniqueName("device"))
                        .serverHost("127.0.0.1").serverPort(mosquitto.port()).buildBlocking();
                device.connect();
                device.publishWith().topic(prefix + "/d-1/temp").qos(MqttQos.AT_LEAST_ONCE)
                        .payload("21.5".getBytes(StandardCharsets.UTF_8))
                        .userProperties(Mqtt5UserProperties.of(Mqtt5UserProperty.of("traceparent", TRACEPARENT)))
                        .send();
                send(device, prefix + "/d-2/env", "{\"temp\": 19.0, \"humidity\": {\"value\": 40, \"unit\": \"%\"},"
                        + " \"ts\": 1795750000000, \"firmware\": \"1.2\"}");
                send(device, prefix + "/d-3/temp", "not json at all");
                send(device, prefix + "/d-4/temp", "[1, 2]");
                send(device, prefix + "-raw/gate/7", "\u0001\u0002binary");
                send(device, prefix + "/d-5/temp", "22");
                device.disconnect();
                await().until(() -> kafka.endOffsetSum(telemetryTopic) == 3 && kafka.endOffsetSum(rawTopic) == 1
                        && kafka.endOffsetSum(deadLetters) == 2);
            }
            assertEquals(6.0, meters.get("eddy.adapter.received.events").counter().count());
            assertEquals(4.0, meters.get("eddy.adapter.published.events").counter().count());
            assertEquals(2.0, meters.get("eddy.adapter.dead.lettered.events").counter().count());

            AvroSerde serde = new AvroSerde(SchemaRegistryClient.builder(registry.url()).build());
            Map<String, Envelope> byKey = new HashMap<>();
            Map<String, String> traceparents = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(telemetryTopic)) {
                Envelope event = serde.deserialize(record.value(), Envelope.class);
                byKey.put(new String(record.key(), StandardCharsets.UTF_8), event);
                traceparents.put(new String(record.key(), StandardCharsets.UTF_8), header(record, "traceparent"));
                assertEquals(event.getId(), header(record, "ce_id"));
                assertEquals("dev.eddy.iot.telemetry", header(record, "ce_type"));
                assertEquals("application/avro", header(record, "content-type"));
                assertEquals(event.getSubject(), header(record, "ce_subject"));
            }
            Telemetry first = (Telemetry) byKey.get("d-1").getData();
            assertEquals(List.of(new Reading("temp", 21.5, "Cel")), first.getReadings());
            String[] traced = traceparents.get("d-1").split("-");
            assertEquals(TRACEPARENT.split("-")[1], traced[1], "the device's trace goes on in Kafka");
            assertTrue(!TRACEPARENT.split("-")[2].equals(traced[2]), "with the adapter's publish span");
            assertTrue(!traceparents.get("d-5").contains(TRACEPARENT.split("-")[1]),
                    "a message without a trace starts its own: " + traceparents.get("d-5"));
            assertEquals(prefix + "/d-1/temp", first.getAttributes().get("mqtt.topic"));
            assertEquals("mqtt://127.0.0.1:" + mosquitto.port() + "/" + prefix + "/d-1/temp", byKey.get("d-1").getSource());
            Telemetry second = (Telemetry) byKey.get("d-2").getData();
            assertEquals(List.of(new Reading("temp", 19.0, "Cel"), new Reading("humidity", 40.0, "%")),
                    second.getReadings());
            assertEquals(Instant.ofEpochMilli(1795750000000L), second.getMeasuredAt());
            assertEquals("1.2", second.getAttributes().get("firmware"));
            assertTrue(byKey.containsKey("d-5"), "the message after the bad ones went on");

            ConsumerRecord<byte[], byte[]> raw = kafka.readAll(rawTopic).get(0);
            Telemetry gate = (Telemetry) serde.deserialize(raw.value(), Envelope.class).getData();
            assertEquals("\u0001\u0002binary", StandardCharsets.UTF_8.decode(gate.getPayload()).toString());
            assertEquals(prefix + "-raw/gate/7", new String(raw.key(), StandardCharsets.UTF_8),
                    "without a {device}, the key is the MQTT topic");

            Map<String, ConsumerRecord<byte[], byte[]>> letters = new HashMap<>();
            kafka.readAll(deadLetters).forEach(r -> letters.put(new String(r.key(), StandardCharsets.UTF_8), r));
            assertEquals("NOT_TELEMETRY", header(letters.get("d-3"), EventPublisher.DLQ_REASON));
            assertTrue(header(letters.get("d-3"), EventPublisher.DLQ_MESSAGE).contains("not JSON"));
            assertEquals("not json at all", new String(letters.get("d-3").value(), StandardCharsets.UTF_8),
                    "kept as it came");
            assertTrue(header(letters.get("d-4"), EventPublisher.DLQ_MESSAGE).contains("neither a number nor an"
                    + " object"));
            assertEquals(prefix + "/d-4/temp", header(letters.get("d-4"), "eddy.mqtt.topic"));
        }
    }

    private static void send(Mqtt5BlockingClient device, String topic, String payload) {
        device.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload.getBytes(StandardCharsets.UTF_8))
                .send();
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
