package dev.eddy.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.adapters.mqtt.MqttSettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {

    private static final String ROUTES = "  routes:\n    - filter: a/{device}\n      topic: t\n";

    @Test
    void shouldReadTheMqttSectionWithItsDefaults() {
        MqttSettings mqtt = MqttSettings.read(Settings.parse("mqtt:\n  server: tcp://broker.local\n" + ROUTES,
                name -> null).section("mqtt"));
        assertEquals("broker.local", mqtt.host());
        assertEquals(1883, mqtt.port());
        assertEquals("eddy-mqtt", mqtt.clientId());
        assertEquals(Duration.ofDays(1), mqtt.sessionExpiry());
        assertEquals(65535, mqtt.receiveMaximum());
        assertEquals(null, mqtt.tls());
        MqttSettings tls = MqttSettings.read(Settings.parse("mqtt:\n  server: ssl://broker.local\n  username: eddy\n"
                + "  password: env:MQTT_PASSWORD\n  sessionExpiry: 2h\n" + ROUTES,
                Map.of("MQTT_PASSWORD", "s3cret")::get).section("mqtt"));
        assertEquals(8883, tls.port());
        assertEquals("s3cret", tls.password());
        assertEquals(Duration.ofHours(2), tls.sessionExpiry());
        assertTrue(tls.tls() != null);
    }

    @Test
    void shouldNameTheSettingTheValueAndWhatWouldBeValid() {
        assertEquals("'mqtt.server' is 'http://x': it must be tcp://host:port or ssl://host:port",
                assertThrows(AdapterException.class, () -> MqttSettings.read(Settings.parse(
                        "mqtt:\n  server: http://x\n" + ROUTES, name -> null).section("mqtt"))).getMessage());
        assertEquals("'mqtt.sessionExpiry' is 'soon': it must be a duration from PT1S to PT1193046H28M14S, such as"
                + " 500ms, 20s, 5m or 1h", assertThrows(AdapterException.class, () -> MqttSettings.read(
                        Settings.parse("mqtt:\n  server: tcp://x\n  sessionExpiry: soon\n" + ROUTES, name -> null)
                                .section("mqtt"))).getMessage());
        assertEquals("'mqtt.routes' is missing: give at least one route: filter, topic (and key, payload)",
                assertThrows(AdapterException.class, () -> MqttSettings.read(Settings.parse(
                        "mqtt:\n  server: tcp://x\n", name -> null).section("mqtt"))).getMessage());
        assertTrue(assertThrows(AdapterException.class, () -> MqttSettings.read(Settings.parse(
                "mqtt:\n  server: tcp://x\n  passwd: y\n" + ROUTES, name -> null).section("mqtt"))).getMessage()
                .startsWith("'mqtt.passwd' is not a setting here; the settings of 'mqtt' are clientId, keepAlive"));
        assertEquals("'mqtt.password' names a secret that cannot be read: the environment variable NOPE is not set",
                assertThrows(AdapterException.class, () -> MqttSettings.read(Settings.parse(
                        "mqtt:\n  server: tcp://x\n  username: u\n  password: env:NOPE\n" + ROUTES, name -> null)
                        .section("mqtt"))).getMessage());
        assertEquals("'kafka.maxInFlight' is 0: it must be a whole number from 1 to 1000000",
                assertThrows(AdapterException.class, () -> EventPublisher.Options.read("mqtt", Settings.parse(
                        "kafka:\n  bootstrapServers: x:9092\n  schemaRegistry: http://r\n  maxInFlight: 0\n",
                        name -> null).section("kafka"))).getMessage());
        assertTrue(assertThrows(AdapterException.class, () -> Settings.parse("mqtt: [", name -> null)).getMessage()
                .startsWith("The configuration is not valid YAML"));
    }
}
