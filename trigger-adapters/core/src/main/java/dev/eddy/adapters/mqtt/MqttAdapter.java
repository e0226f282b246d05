package dev.eddy.adapters.mqtt;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscription;
import dev.eddy.adapters.TriggerAdapter;
import dev.eddy.adapters.AdapterException;
import dev.eddy.adapters.EventFormat;
import dev.eddy.adapters.EventPublisher;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.events.Telemetry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bridges an MQTT broker to Kafka, keeping QoS 1's promise: a message is acknowledged to the broker only once Kafka
 * has acknowledged its event, so a message the broker sent and the adapter did not pass on (a crash, Kafka away) is
 * sent again. That takes a persistent session — a fixed client id, {@code cleanStart=false} and a session expiry
 * (MQTT 5) — so that the broker keeps the subscriptions and queues what arrives while the adapter is away; and
 * manual acknowledgement. An event Kafka does not take is tried again every 5 s, its message unacknowledged meanwhile.
 * Backpressure from Kafka to the devices: at most {@code kafka.maxInFlight} events wait for
 * Kafka, then the adapter stops taking messages, and the broker holds what it has not sent (it sends at most its own
 * in-flight limit, and never more than {@code receiveMaximum}, unacknowledged). Reconnects with backoff (0.5 s
 * doubling to 30 s).
 *
 * <p>Each message becomes an {@link Envelope} with {@link Telemetry} data on the route's Kafka topic under the route's
 * key; one that cannot be read as telemetry goes, as it came, to the adapter's dead-letter topic with the reason,
 * and is acknowledged once that is in Kafka.
 */
public final class MqttAdapter implements TriggerAdapter {

    private static final Logger log = LoggerFactory.getLogger(MqttAdapter.class);
    /** How long a message Kafka did not take waits before it is tried again. */
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(5);

    private final MqttSettings settings;
    private final EventPublisher publisher;
    private final Mqtt5AsyncClient client;
    /** Takes the messages off the client's threads, one at a time, in the order they came. */
    private final ExecutorService intake;
    /** Tries again what Kafka did not take. */
    private final ExecutorService retries;
    /** The peers' sessions this instance holds while they are away; null when it runs alone. */
    private final PeerSessions peers;
    private volatile boolean closing;

    private MqttAdapter(MqttSettings settings, EventPublisher publisher) {
        this.settings = settings;
        this.publisher = publisher;
        // After close, the client may still hand over work (its session ending when the session expiry passes):
        // dropped, as a message arriving then would be. It is not lost: the broker keeps the session's messages.
        this.intake = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(),
                Thread.ofPlatform().name("eddy-mqtt-intake").daemon().factory(),
                new java.util.concurrent.ThreadPoolExecutor.DiscardPolicy());
        this.retries = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("eddy-mqtt-retry").daemon()
                .factory());
        this.client = builder(settings.clientId())
                .automaticReconnect().initialDelay(500, TimeUnit.MILLISECONDS).maxDelay(30, TimeUnit.SECONDS)
                .applyAutomaticReconnect()
                .addConnectedListener(context -> connected())
                .addDisconnectedListener(context -> {
                    if (!closing) {
                        log.warn("Disconnected from the MQTT broker at {}:{} ({}); reconnecting", settings.host(),
                                settings.port(), context.getCause().toString());
                    }
                })
                .buildAsync();
        this.peers = settings.shared() == null ? null
                : new PeerSessions(settings, client, this::peerClient, peer -> session(peer, false));
    }

    private void connected() {
        log.info("Connected to the MQTT broker at {}:{} as '{}'", settings.host(), settings.port(), settings.clientId());
        if (peers != null) {
            peers.announce();
        }
    }

    /** A client of the broker under the given id, with the settings' TLS and credentials. */
    private Mqtt5ClientBuilder builder(String clientId) {
        Mqtt5ClientBuilder builder = Mqtt5Client.builder()
                .identifier(clientId)
                .serverHost(settings.host())
                .serverPort(settings.port());
        if (settings.tls() != null) {
            builder = builder.sslConfig(settings.tls());
        }
        if (settings.username() != null) {
            builder = builder.simpleAuth().username(settings.username())
                    .password(settings.password() == null ? new byte[0]
                            : settings.password().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                    .applySimpleAuth();
        }
        return builder;
    }

    /** A client for a peer's session, its messages taken as this instance's own; it does not reconnect by itself. */
    private Mqtt5AsyncClient peerClient(String peer) {
        Mqtt5AsyncClient[] made = new Mqtt5AsyncClient[1];
        made[0] = builder(peer).addDisconnectedListener(context -> peers.ended(peer, made[0], context)).buildAsync();
        made[0].publishes(MqttGlobalPublishFilter.ALL, this::arrived, intake, true);
        return made[0];
    }

    /**
     * Connects, subscribes to every route's filter and starts passing messages on; returns once subscribed.
     *
     * @throws AdapterException when the topics, the registry or the broker cannot be reached, saying which
     */
    public static MqttAdapter start(MqttSettings settings, EventPublisher publisher) {
        List<String> fixedTopics = new ArrayList<>();
        List<String> avroTopics = new ArrayList<>();
        for (MqttRoute route : settings.routes()) {
            EventFormat format = route.format() != null ? route.format() : publisher.options().format();
            if (format == EventFormat.AVRO && publisher.options().schemaRegistryUrl() == null) {
                throw AdapterException.invalid("kafka.schemaRegistry", null, "the schema registry's URL, such as"
                        + " http://127.0.0.1:8085: the route " + route.template() + " writes Avro (format: avro)");
            }
            if (!route.topicVaries()) {
                fixedTopics.add(route.topic());
                if (format == EventFormat.AVRO) {
                    avroTopics.add(route.topic());
                }
            }
        }
        publisher.check(fixedTopics, avroTopics);
        MqttAdapter adapter = new MqttAdapter(settings, publisher);
        // Before connecting: a persistent session's queued messages come right after the broker's answer.
        adapter.client.publishes(MqttGlobalPublishFilter.ALL, adapter::arrived, adapter.intake, true);
        try {
            adapter.connect();
        } catch (RuntimeException e) {
            adapter.close();
            throw e;
        }
        return adapter;
    }

    private void connect() {
        try {
            session(client, true).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AdapterException("Cannot connect to the MQTT broker at " + settings.server() + " as '"
                    + settings.clientId() + "': " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new AdapterException("The MQTT broker at " + settings.server() + " did not answer within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdapterException("Interrupted while connecting to the MQTT broker", e);
        }
        log.info("Passing MQTT messages on to Kafka: {}{}", settings.routes().stream()
                .map(r -> r.template() + " -> " + r.topic()).toList(), settings.shared() == null ? ""
                : ", one of the group '" + settings.shared().group() + "'");
    }

    /**
     * Connects a client to its persistent session and subscribes it to the routes; this instance's own client also
     * leaves its will (offline) and follows its peers' presence when it shares the routes.
     */
    private CompletableFuture<?> session(Mqtt5AsyncClient client, boolean own) {
        var connect = client.connectWith()
                .cleanStart(false)
                .sessionExpiryInterval(settings.sessionExpiry().toSeconds())
                .keepAlive((int) settings.keepAlive().toSeconds())
                .restrictions().receiveMaximum(settings.receiveMaximum()).applyRestrictions();
        MqttSettings.Shared shared = settings.shared();
        if (own && shared != null) {
            connect = connect.willPublish().topic(shared.presenceOf(settings.clientId())).qos(MqttQos.AT_LEAST_ONCE)
                    .retain(true).payload(PeerSessions.OFFLINE).applyWillPublish();
        }
        List<Mqtt5Subscription> subscriptions = new ArrayList<>();
        for (MqttRoute route : settings.routes()) {
            subscriptions.add(Mqtt5Subscription.builder().topicFilter(shared == null ? route.filter()
                    : shared.subscription(route.filter())).qos(MqttQos.AT_LEAST_ONCE).build());
        }
        if (own && shared != null) {
            subscriptions.add(Mqtt5Subscription.builder().topicFilter(peers.presenceFilter())
                    .qos(MqttQos.AT_LEAST_ONCE).build());
        }
        return connect.send().thenCompose(ack -> client.subscribeWith().addSubscriptions(subscriptions).send());
    }

    /** One message from the broker, on the intake thread. */
    private void arrived(Mqtt5Publish message) {
        if (peers != null && peers.isPresence(message.getTopic().toString())) {
            peers.presence(message);
            return;
        }
        publisher.received();
        attempt(message);
    }

    /** Passes a message on; acknowledges it once Kafka has it, or tries again later. */
    private void attempt(Mqtt5Publish message) {
        String mqttTopic = message.getTopic().toString();
        CompletableFuture<Void> taken;
        try {
            taken = pass(mqttTopic, message.getPayloadAsBytes(), trace(message));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // closing: not acknowledged, so the broker sends it again at the next start
        } catch (RuntimeException e) {
            taken = CompletableFuture.failedFuture(e); // a callback that throws would end the client's flow
        }
        taken.whenComplete((ok, failure) -> {
            if (failure == null) {
                message.acknowledge();
            } else {
                retryLater(message, failure);
            }
        });
    }

    /**
     * Kafka did not take a message's event (the producer gave up after its own retries): it stays unacknowledged,
     * and so do the later ones (acknowledgements go in order), and it is tried again after a pause. (The client
     * does not hand a message out twice in one session, so the broker's redelivery cannot be waited for.) While it
     * waits, later messages go on: one device's events may then reach Kafka out of order.
     */
    private void retryLater(Mqtt5Publish message, Throwable failure) {
        if (closing) {
            return; // not acknowledged: the broker sends it again at the next start
        }
        log.warn("Kafka did not take the event of MQTT topic '{}' ({}); trying again in {} s; the message stays"
                + " unacknowledged until then", message.getTopic(), failure.toString(), RETRY_PAUSE.toSeconds());
        CompletableFuture.delayedExecutor(RETRY_PAUSE.toMillis(), TimeUnit.MILLISECONDS, retries)
                .execute(() -> attempt(message));
    }

    /** The trace an MQTT 5 message brings in its {@code traceparent} user property; a new one without. */
    private static io.opentelemetry.context.Context trace(Mqtt5Publish message) {
        java.util.Map<String, String> properties = new java.util.HashMap<>();
        message.getUserProperties().asList().forEach(property -> properties.put(property.getName().toString(),
                property.getValue().toString()));
        return properties.isEmpty() ? io.opentelemetry.context.Context.root()
                : dev.eddy.observability.Tracing.parentOf(properties::get);
    }

    private CompletableFuture<Void> pass(String mqttTopic, byte[] payload, io.opentelemetry.context.Context trace)
            throws InterruptedException {
        for (MqttRoute route : settings.routes()) {
            Map<String, String> names = route.match(mqttTopic);
            if (names == null) {
                continue;
            }
            String key = MqttRoute.fill(route.key(), names, mqttTopic);
            String topic = MqttRoute.fill(route.topic(), names, mqttTopic);
            Map<String, String> where = Map.of("eddy.mqtt.topic", mqttTopic);
            if (!MqttRoute.validKafkaTopic(topic)) {
                return publisher.deadLetter(key, payload, "BAD_TOPIC", "the route " + route.template() + " makes the"
                        + " Kafka topic '" + topic + "' of it, which is not a valid topic name", where);
            }
            String device = names.getOrDefault("device", key);
            Telemetry telemetry;
            try {
                telemetry = TelemetryReader.read(route, device, mqttTopic, names, payload);
            } catch (TelemetryReader.NotTelemetry e) {
                return publisher.deadLetter(key, payload, "NOT_TELEMETRY", e.getMessage(), where);
            }
            Envelope event = Envelope.newBuilder()
                    .setId(UUID.randomUUID().toString())
                    .setSource("mqtt://" + settings.host() + ":" + settings.port() + "/" + mqttTopic)
                    .setType(route.type())
                    .setTime(Instant.now())
                    .setSubject(device)
                    .setData(telemetry)
                    .build();
            return publisher.publish(topic, key, event, trace,
                    route.format() != null ? route.format() : publisher.options().format());
        }
        // The broker sent what no route's filter matches (a subscription left in the session from an earlier
        // configuration): kept, not dropped.
        return publisher.deadLetter(mqttTopic, payload, "NO_ROUTE", "no route's filter matches the MQTT topic '"
                + mqttTopic + "'", Map.of("eddy.mqtt.topic", mqttTopic));
    }

    @Override
    public java.util.List<String> problems() {
        java.util.List<String> problems = new java.util.ArrayList<>(publisher.problems());
        if (!client.getState().isConnected()) {
            problems.add("not connected to the MQTT broker at " + settings.host() + ":" + settings.port());
        }
        return problems;
    }

    /**
     * Stops taking messages, lets what Kafka has acknowledged be acknowledged to the broker, and disconnects; the
     * session stays, so what was not passed on comes again at the next start. Closes the publisher.
     */
    @Override
    public void close() {
        closing = true;
        retries.shutdownNow();
        intake.shutdown();
        try {
            intake.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        publisher.close(Duration.ofSeconds(10)); // acknowledgements follow Kafka's answers
        if (peers != null) {
            peers.close();
        }
        try {
            // Sharing: the will says this instance is offline, so that a peer holds its session meanwhile.
            client.disconnectWith().reasonCode(peers == null ? Mqtt5DisconnectReasonCode.NORMAL_DISCONNECTION
                    : Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.debug("Disconnecting from the MQTT broker: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
