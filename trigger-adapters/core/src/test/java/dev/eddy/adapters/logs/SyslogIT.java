package dev.eddy.adapters.logs;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eddy.adapters.EventPublisher;
import dev.eddy.adapters.Settings;
import dev.eddy.adapters.testing.AdapterConfigs;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.events.LogLevel;
import dev.eddy.schemas.events.LogRecord;
import dev.eddy.schemas.registry.SchemaRegistryClient;
import dev.eddy.schemas.registry.server.EmbeddedSchemaRegistry;
import dev.eddy.schemas.serde.AvroSerde;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Syslog over UDP and TCP (octet-counted and a message a line), RFC 5424 and RFC 3164, into log records. */
@ExtendWith(EmbeddedKafkaExtension.class)
class SyslogIT {

    @Test
    void shouldPublishSyslogMessagesOfBothFormsFromUdpAndTcp(TestKafka kafka) throws Exception {
        String topic = kafka.newTopic("syslog", 1);
        try (EmbeddedSchemaRegistry registry = AdapterConfigs.registry(kafka)) {
            Settings settings = Settings.parse(String.join("\n",
                    AdapterConfigs.kafka(kafka, registry),
                    "logs:",
                    "  name: " + kafka.uniqueName("syslog"),
                    "  positionsTopic: " + kafka.uniqueName("positions"),
                    "  syslog: {udp: '127.0.0.1:0', tcp: '127.0.0.1:0', topic: " + topic + "}", ""), name -> null);
            try (LogAdapter adapter = LogAdapter.start(settings.section("logs"), EventPublisher.Options.read("logs",
                    settings.section("kafka")), new SimpleMeterRegistry())) {
                int[] ports = adapter.syslogPorts();
                byte[] udp = "<165>1 2026-11-27T10:15:30.003Z web-1 shop 4242 ID47 [origin ip=\"10.0.0.9\"] order placed"
                        .getBytes(StandardCharsets.UTF_8);
                try (DatagramSocket socket = new DatagramSocket()) {
                    socket.send(new DatagramPacket(udp, udp.length, InetAddress.getLoopbackAddress(), ports[0]));
                }
                try (Socket tcp = new Socket("127.0.0.1", ports[1]); OutputStream out = tcp.getOutputStream()) {
                    String framed = "<11>1 - db-1 postgres - - - disk failure";
                    out.write((framed.getBytes(StandardCharsets.UTF_8).length + " " + framed)
                            .getBytes(StandardCharsets.UTF_8));
                    out.write("<38>Nov 27 10:15:31 gw sshd[77]: Accepted publickey for eddy\n"
                            .getBytes(StandardCharsets.UTF_8));
                    out.write("not syslog at all\n".getBytes(StandardCharsets.UTF_8));
                }
                await().until(() -> kafka.readAll(topic).size() == 4);
            }
            AvroSerde serde = new AvroSerde(SchemaRegistryClient.builder(registry.url()).build());
            Map<String, LogRecord> byMessage = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(topic)) {
                LogRecord log = (LogRecord) serde.deserialize(record.value(), Envelope.class).getData();
                byMessage.put(log.getMessage(), log);
            }
            LogRecord placed = byMessage.get("order placed");
            assertEquals(LogLevel.INFO, placed.getLevel(), "severity 5 (notice)");
            assertEquals("local4", placed.getFields().get("facility"));
            assertEquals("shop", placed.getFields().get("app"));
            assertEquals("4242", placed.getFields().get("procid"));
            assertEquals("[origin ip=\"10.0.0.9\"]", placed.getFields().get("structuredData"));
            assertEquals("web-1", placed.getHost());
            assertEquals(Instant.parse("2026-11-27T10:15:30.003Z"), placed.getTimestamp());
            assertEquals(LogLevel.ERROR, byMessage.get("disk failure").getLevel());
            LogRecord ssh = byMessage.get("Accepted publickey for eddy");
            assertEquals("sshd", ssh.getFields().get("app"));
            assertEquals("77", ssh.getFields().get("procid"));
            assertEquals("gw", ssh.getHost());
            assertEquals(LogLevel.INFO, ssh.getLevel());
            assertEquals("neither RFC 5424 nor RFC 3164",
                    byMessage.get("not syslog at all").getFields().get("eddy.parse.error"));
        }
    }
}
