package dev.eddy.adapters.mqtt;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions of peers that are away, held until they are back, so that a shared subscription loses nothing when
 * an instance dies.
 *
 * <p>A broker keeps an instance's persistent session while the instance is away, and Mosquitto goes on handing that
 * session its turn of the shared messages: they queue there, up to the broker's limit ({@code max_queued_messages},
 * 1,000 by default), and the rest are dropped. MQTT 5 lets a broker send a dead instance's unacknowledged messages
 * to another member only once the session has ended, which a persistent session does not. So each instance says on
 * its presence topic, retained, that it is {@code online} once connected, and leaves a will saying {@code offline};
 * an instance that reads a peer's {@code offline} connects with the peer's client id and {@code cleanStart=false},
 * taking the session over: the messages the peer had not acknowledged are sent again to it, the queue drains, and
 * the peer's turns come to it until the peer connects again, which takes the session back (the broker ends the
 * holding connection with "session taken over"). What the holder had passed on without acknowledging then comes
 * again to the peer: at least once, as after any crash.
 */
final class PeerSessions implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PeerSessions.class);
    static final byte[] ONLINE = "online".getBytes(StandardCharsets.US_ASCII);
    static final byte[] OFFLINE = "offline".getBytes(StandardCharsets.US_ASCII);
    /** How long a holding connection lost for another reason than the peer's return waits to connect again. */
    private static final long RETRY_MILLIS = 1_000;

    private final MqttSettings settings;
    private final MqttSettings.Shared shared;
    /** Makes a client for a peer's session, one that does not reconnect by itself. */
    private final Function<String, Mqtt5AsyncClient> clients;
    /** Connects a client to its session and subscribes it to the routes. */
    private final Function<Mqtt5AsyncClient, CompletableFuture<?>> sessions;
    private final Mqtt5AsyncClient own;
    /** The last state each peer said, by client id. */
    private final Map<String, Boolean> online = new ConcurrentHashMap<>();
    /** The connections holding a peer's session, by the peer's client id. */
    private final Map<String, Mqtt5AsyncClient> held = new ConcurrentHashMap<>();
    private volatile boolean closing;

    PeerSessions(MqttSettings settings, Mqtt5AsyncClient own, Function<String, Mqtt5AsyncClient> clients,
            Function<Mqtt5AsyncClient, CompletableFuture<?>> sessions) {
        this.settings = settings;
        this.shared = settings.shared();
        this.own = own;
        this.clients = clients;
        this.sessions = sessions;
    }

    /** The filter of every peer's presence. */
    String presenceFilter() {
        return shared.presenceTopic() + "/+";
    }

    boolean isPresence(String topic) {
        return topic.startsWith(shared.presenceTopic() + "/")
                && topic.indexOf('/', shared.presenceTopic().length() + 1) < 0;
    }

    /** Says, retained, that this instance is online; done at each connection. */
    void announce() {
        own.publishWith().topic(shared.presenceOf(settings.clientId())).qos(MqttQos.AT_LEAST_ONCE).retain(true)
                .payload(ONLINE).send();
    }

    /** A peer's presence, on the intake thread. */
    void presence(Mqtt5Publish message) {
        message.acknowledge();
        String topic = message.getTopic().toString();
        String peer = topic.substring(shared.presenceTopic().length() + 1);
        if (peer.equals(settings.clientId()) || closing) {
            return;
        }
        boolean up = !java.util.Arrays.equals(OFFLINE, message.getPayloadAsBytes());
        Boolean before = online.put(peer, up);
        if (!up && (before == null || before)) {
            log.warn("The MQTT adapter '{}' of the group '{}' is away: holding its session until it is back", peer,
                    shared.group());
        }
        if (!up) {
            hold(peer);
        }
    }

    /** Connects to a peer's session unless already holding it. */
    private void hold(String peer) {
        if (closing || Boolean.TRUE.equals(online.get(peer)) || held.containsKey(peer)) {
            return;
        }
        Mqtt5AsyncClient client = clients.apply(peer);
        if (held.putIfAbsent(peer, client) != null) {
            return;
        }
        sessions.apply(client).whenComplete((ok, failure) -> {
            if (failure != null) {
                held.remove(peer, client);
                log.warn("Cannot hold the session of the MQTT adapter '{}': {}; trying again", peer,
                        failure.toString());
                later(peer);
            } else {
                log.info("Holding the session of the MQTT adapter '{}'", peer);
            }
        });
    }

    /** A holding connection ended: the peer is back, or it is tried again while the peer is away. */
    void ended(String peer, Mqtt5AsyncClient client, MqttClientDisconnectedContext context) {
        held.remove(peer, client);
        if (context.getSource() == MqttDisconnectSource.USER || closing) {
            return;
        }
        if (context.getCause() instanceof Mqtt5DisconnectException disconnect
                && disconnect.getMqttMessage().getReasonCode() == Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER) {
            log.info("The MQTT adapter '{}' took its session back", peer);
            return;
        }
        log.warn("Lost the session of the MQTT adapter '{}' ({}); trying again", peer, context.getCause().toString());
        later(peer);
    }

    private void later(String peer) {
        CompletableFuture.delayedExecutor(RETRY_MILLIS, TimeUnit.MILLISECONDS).execute(() -> hold(peer));
    }

    /** How many peers' sessions this instance holds. */
    int holding() {
        return held.size();
    }

    /**
     * Lets the peers' sessions go and says again, retained, that their owners are offline, so that another instance
     * holds them; what was not acknowledged comes again to that one.
     */
    @Override
    public void close() {
        closing = true;
        for (Map.Entry<String, Mqtt5AsyncClient> entry : held.entrySet()) {
            try {
                entry.getValue().disconnect().get(10, TimeUnit.SECONDS);
                own.publishWith().topic(shared.presenceOf(entry.getKey())).qos(MqttQos.AT_LEAST_ONCE).retain(true)
                        .payload(OFFLINE).send().get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                log.debug("Letting the session of '{}' go: {}", entry.getKey(), e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        held.clear();
    }
}
