package dev.eddy.adapters.mqtt;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import dev.eddy.adapters.AdapterException;
import dev.eddy.adapters.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The {@code mqtt} section of the adapter's configuration.
 *
 * @param server         {@code tcp://host:port}, or {@code ssl://host:port} for TLS
 * @param clientId       the client id, which is also the name of the persistent session on the broker: keep it
 *                       the same across restarts, and give each adapter its own
 * @param sessionExpiry  how long the broker keeps the session (and queues messages) while the adapter is away
 * @param receiveMaximum how many messages the broker may send before the adapter acknowledges them (65535, MQTT's
 *                       default, unless set)
 * @param tls            the TLS settings, or null for plain TCP
 */
public record MqttSettings(String server, String host, int port, String clientId, String username, String password,
        Duration sessionExpiry, Duration keepAlive, int receiveMaximum, MqttClientSslConfig tls,
        List<MqttRoute> routes) {

    public static MqttSettings read(Settings mqtt) {
        mqtt.only("server", "clientId", "username", "password", "sessionExpiry", "keepAlive", "receiveMaximum", "tls",
                "routes");
        String server = mqtt.requiredText("server", "the broker, as tcp://host:port or ssl://host:port");
        URI uri;
        try {
            uri = new URI(server);
        } catch (java.net.URISyntaxException e) {
            throw AdapterException.invalid("mqtt.server", server, "tcp://host:port or ssl://host:port");
        }
        boolean ssl = "ssl".equals(uri.getScheme()) || "mqtts".equals(uri.getScheme());
        if (uri.getHost() == null || !(ssl || "tcp".equals(uri.getScheme()) || "mqtt".equals(uri.getScheme()))) {
            throw AdapterException.invalid("mqtt.server", server, "tcp://host:port or ssl://host:port");
        }
        int port = uri.getPort() > 0 ? uri.getPort() : ssl ? 8883 : 1883;
        Settings tlsSettings = mqtt.section("tls");
        MqttClientSslConfig tls = ssl || mqtt.has("tls") ? tls(tlsSettings) : null;
        List<MqttRoute> routes = new ArrayList<>();
        for (Settings route : mqtt.list("routes")) {
            routes.add(MqttRoute.read(route));
        }
        if (routes.isEmpty()) {
            throw AdapterException.invalid("mqtt.routes", null, "at least one route: filter, topic (and key, payload)");
        }
        return new MqttSettings(server, uri.getHost(), port,
                mqtt.text("clientId", "eddy-mqtt"), mqtt.text("username", null), mqtt.secret("password"),
                mqtt.duration("sessionExpiry", Duration.ofDays(1), Duration.ofSeconds(1),
                        Duration.ofSeconds(0xFFFF_FFFEL)),
                mqtt.duration("keepAlive", Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(65535)),
                // MQTT's own default. Mosquitto 2.0 sends past a smaller one once acknowledgements flow (EMQX #12922
                // traces it), and the client then disconnects; a crowded adapter is bounded by kafka.maxInFlight.
                mqtt.integer("receiveMaximum", 65535, 1, 65535), tls, List.copyOf(routes));
    }

    /** TLS with the JVM's trusted authorities, or a trust store; a key store for a client certificate. */
    private static MqttClientSslConfig tls(Settings tls) {
        tls.only("trustStore", "trustStorePassword", "keyStore", "keyStorePassword");
        try {
            var builder = MqttClientSslConfig.builder();
            String trustStore = tls.text("trustStore", null);
            if (trustStore != null) {
                TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(load(trustStore, tls.secret("trustStorePassword")));
                builder = builder.trustManagerFactory(trust);
            }
            String keyStore = tls.text("keyStore", null);
            if (keyStore != null) {
                String password = tls.secret("keyStorePassword");
                KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(load(keyStore, password), password == null ? new char[0] : password.toCharArray());
                builder = builder.keyManagerFactory(keys);
            }
            return builder.build();
        } catch (GeneralSecurityException | IOException e) {
            throw new AdapterException("The TLS settings under 'mqtt.tls' cannot be used: " + e.getMessage(), e);
        }
    }

    private static KeyStore load(String path, String password) throws GeneralSecurityException, IOException {
        try (InputStream in = Files.newInputStream(Path.of(path))) {
            KeyStore store = KeyStore.getInstance(path.endsWith(".jks") ? "JKS" : "PKCS12");
            store.load(in, password == null ? null : password.toCharArray());
            return store;
        }
    }
}
