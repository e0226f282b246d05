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
 * @param shared         the shared subscription this adapter is one instance of, or null when it runs alone
 */
public record MqttSettings(String server, String host, int port, String clientId, String username, String password,
        Duration sessionExpiry, Duration keepAlive, int receiveMaximum, MqttClientSslConfig tls, Shared shared,
        List<MqttRoute> routes) {

    /**
     * Two or more adapters taking turns at the same routes: each subscribes to {@code $share/<group>/<filter>}, so
     * that the broker hands each message to one of them, and says on {@code <presenceTopic>/<clientId>} (retained)
     * whether it is online; its will says {@code offline}. An instance that reads a peer's {@code offline} holds the
     * peer's session until the peer is back ({@link PeerSessions}).
     *
     * @param group         the share name; the same for every instance of the adapter
     * @param presenceTopic where the instances say they are online; by default {@code $eddy/mqtt/<group>}, which no
     *                      {@code #} filter matches
     */
    public record Shared(String group, String presenceTopic) {

        /** The filter a route subscribes to: the route's own, shared within the group. */
        String subscription(String filter) {
            return "$share/" + group + "/" + filter;
        }

        String presenceOf(String clientId) {
            return presenceTopic + "/" + clientId;
        }
    }

    public static MqttSettings read(Settings mqtt) {
        mqtt.only("server", "clientId", "username", "password", "sessionExpiry", "keepAlive", "receiveMaximum", "tls",
                "shared", "routes");
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
        Shared shared = mqtt.has("shared") ? shared(mqtt.section("shared")) : null;
        String clientId = mqtt.secret("clientId");
        if (shared != null && clientId == null) {
            throw AdapterException.invalid("mqtt.clientId", null, "a client id of each instance's own (such as"
                    + " env:HOSTNAME) when instances share the routes (mqtt.shared)");
        }
        return new MqttSettings(server, uri.getHost(), port,
                clientId == null ? "eddy-mqtt" : clientId, mqtt.text("username", null), mqtt.secret("password"),
                mqtt.duration("sessionExpiry", Duration.ofDays(1), Duration.ofSeconds(1),
                        Duration.ofSeconds(0xFFFF_FFFEL)),
                mqtt.duration("keepAlive", Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(65535)),
                // MQTT's own default. Mosquitto 2.0 sends past a smaller one once acknowledgements flow (EMQX #12922
                // traces it), and the client then disconnects; a crowded adapter is bounded by kafka.maxInFlight.
                mqtt.integer("receiveMaximum", 65535, 1, 65535), tls, shared, List.copyOf(routes));
    }

    private static Shared shared(Settings shared) {
        shared.only("group", "presenceTopic");
        String group = shared.requiredText("group", "the share name all instances use, such as eddy-telemetry");
        if (!group.matches("[^/+#$]+")) {
            throw AdapterException.invalid("mqtt.shared.group", group, "a name without '/', '+', '#' or '$'");
        }
        String presence = shared.text("presenceTopic", "$eddy/mqtt/" + group);
        if (presence.isEmpty() || presence.contains("+") || presence.contains("#") || presence.endsWith("/")) {
            throw AdapterException.invalid("mqtt.shared.presenceTopic", presence, "a topic without wildcards or a"
                    + " trailing '/'");
        }
        return new Shared(group, presence);
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
