package dev.eddy.adapters.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.eddy.adapters.AdapterException;
import dev.eddy.adapters.AtomicPublisher;
import dev.eddy.adapters.EventPublisher;
import dev.eddy.adapters.PublishingAdapter;
import dev.eddy.observability.Tracing;
import dev.eddy.observability.http.HttpExchanges;
import dev.eddy.observability.http.HttpExchanges.Refused;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.serde.SerdeException;
import io.opentelemetry.context.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes events over HTTP and answers {@code 202 Accepted} only once Kafka has them:
 * <pre>
 * POST /v1/events/{topic}          one event (JSON or any body; a CloudEvent in structured or binary mode)
 * POST /v1/events/{topic}/batch    a JSON array of events, all or none
 * POST /v1/invoke/{function}       one event to the function, answered with what the function emits for it
 * </pre>
 * A request with an {@code Idempotency-Key} header is taken once: its events and its key are written in one Kafka
 * transaction, so a client that retries after a timeout, a 5xx or a crash of the adapter gets the first answer again
 * ({@code Idempotent-Replayed: true}) and makes no second event. A body over {@code maxBodyBytes} is refused with 413
 * before it is read; with tokens configured, a request without {@code Authorization: Bearer <token>} gets 401.
 */
public final class HttpAdapter extends PublishingAdapter {

    private static final Logger log = LoggerFactory.getLogger(HttpAdapter.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final HttpSettings settings;
    private final IdempotencyKeys keys;
    private final HttpServer server;
    private final List<byte[]> tokens;
    /** Replies to invocations; null when no function is configured. */
    private final ReplyListener replies;

    private HttpAdapter(HttpSettings settings, AtomicPublisher publisher, IdempotencyKeys keys, HttpServer server,
            ReplyListener replies) {
        super(publisher);
        this.settings = settings;
        this.keys = keys;
        this.server = server;
        this.replies = replies;
        this.tokens = settings.tokens().stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
    }

    /**
     * Reads the idempotency keys, checks the topics, and starts listening.
     *
     * @throws AdapterException when the topics, the registry or the port cannot be had, saying which
     */
    public static HttpAdapter start(HttpSettings settings, EventPublisher.Options options,
            io.micrometer.core.instrument.MeterRegistry meters) {
        HttpServer server;
        try {
            server = HttpServer.create(settings.listen(), 0);
        } catch (IOException e) {
            throw new AdapterException("The HTTP adapter cannot listen on " + settings.listen() + ": " + e.getMessage(),
                    e);
        }
        // Several adapters with one configuration are told apart by where they run: each its own transactional id
        // (one would fence the other) and its own replies topic.
        String transactionalId = settings.transactionalId() != null ? settings.transactionalId()
                : "eddy-http-" + dev.eddy.adapters.AdapterInstance.name(server.getAddress().getPort());
        AtomicPublisher publisher = null;
        ReplyListener replies = null;
        IdempotencyKeys keys = null;
        try {
            // The publisher first: it aborts what a killed former instance left open, which would otherwise hold
            // the keys topic's committed end until its transaction timed out.
            publisher = new AtomicPublisher(options, transactionalId, meters);
            keys = IdempotencyKeys.load(options, settings.keysTopic(), settings.idempotencyWindow());
            java.util.Set<String> topics = new java.util.HashSet<>(settings.topics());
            topics.addAll(settings.functions().values());
            publisher.check(topics);
            if (!settings.functions().isEmpty()) {
                replies = ReplyListener.start(options, "eddy.replies." + transactionalId);
            }
        } catch (RuntimeException e) {
            server.stop(0);
            if (keys != null) {
                keys.close();
            }
            if (publisher != null) {
                publisher.close();
            }
            if (replies != null) {
                replies.close();
            }
            throw e;
        }
        HttpAdapter adapter = new HttpAdapter(settings, publisher, keys, server, replies);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", adapter::handle);
        server.start();
        if (settings.tokens().isEmpty()) {
            log.warn("The HTTP adapter asks no token: anyone who reaches {} can publish to {} and invoke {}",
                    adapter.address(), settings.topics(), settings.functions().keySet());
        }
        log.info("Taking events over HTTP at http://{}:{}/v1/events/<topic> for {} as {}; {} idempotency keys known",
                adapter.address().getHostString(), adapter.address().getPort(), settings.topics(), transactionalId,
                keys.size());
        return adapter;
    }

    /** Where it listens (the port, when 0 was asked for). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private void handle(HttpExchange exchange) {
        try (exchange) {
            try {
                answer(exchange);
            } catch (Unavailable e) {
                unavailable(exchange, e.getMessage());
            } catch (Refused e) { // a request that Kafka, or this adapter, would never take as it is
                HttpExchanges.refuse(exchange, e.status(), "application/json", JSON.writeValueAsBytes(
                        error(e.getMessage())));
            } catch (RuntimeException e) {
                log.error("An HTTP request failed", e);
                reply(exchange, 500, error("the adapter failed: " + e));
            }
        } catch (IOException e) {
            log.debug("The HTTP client went away: {}", e.toString());
        }
    }

    private void answer(HttpExchange exchange) throws IOException, Refused {
        String[] path = exchange.getRequestURI().getRawPath().split("/");
        // "", "v1", "events", topic[, "batch"] or "", "v1", "invoke", function
        boolean publish = path.length >= 4 && path.length <= 5 && path[1].equals("v1") && path[2].equals("events")
                && (path.length == 4 || path[4].equals("batch"));
        boolean invoke = path.length == 4 && path[1].equals("v1") && path[2].equals("invoke");
        if (!publish && !invoke) {
            reply(exchange, 404, error("no such endpoint; POST /v1/events/{topic}, /v1/events/{topic}/batch or"
                    + " /v1/invoke/{function}"));
            return;
        }
        if (!tokens.isEmpty()) {
            HttpExchanges.requireBearer(exchange, tokens, "the adapter's settings name its tokens");
        }
        if (!exchange.getRequestMethod().equals("POST")) {
            exchange.getResponseHeaders().set("Allow", "POST");
            reply(exchange, 405, error("only POST takes events"));
            return;
        }
        String topic = URLDecoder.decode(path[3], StandardCharsets.UTF_8);
        if (invoke) {
            invoke(exchange, topic);
            return;
        }
        if (!settings.topics().contains(topic)) {
            reply(exchange, 404, error("no topic '" + HttpEvents.clean(topic) + "' here; the topics are "
                    + new java.util.TreeSet<>(settings.topics())));
            return;
        }
        String key = exchange.getRequestHeaders().getFirst(IDEMPOTENCY_KEY);
        if (key != null && (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f))) {
            reply(exchange, 400, error("the Idempotency-Key header must be 1 to 255 visible ASCII characters"));
            return;
        }
        Taken taken = take(exchange, path.length == 5, key);
        if (taken == null) {
            return;
        }
        List<Envelope> events = taken.events();
        String recordKey = taken.recordKey();
        if (key == null) {
            IdempotencyKeys.Accepted done = publish(topic, recordKey, events, null, trace(exchange));
            accepted(exchange, done, false);
            return;
        }
        publishOnce(exchange, key, topic, recordKey, events, trace(exchange));
    }

    /** One event to a function, answered with the function's reply: 200, 502 when it failed, 504 when none came. */
    private void invoke(HttpExchange exchange, String function) throws IOException, Refused {
        String topic = settings.functions().get(function);
        if (topic == null) {
            reply(exchange, 404, error("no function '" + HttpEvents.clean(function) + "' to invoke here; the"
                    + " functions are " + new java.util.TreeSet<>(settings.functions().keySet())));
            return;
        }
        Taken taken = take(exchange, false, null);
        if (taken == null) {
            return;
        }
        String correlationId = java.util.UUID.randomUUID().toString();
        AtomicPublisher.Outgoing request;
        try {
            request = publisher.event(topic, taken.recordKey(), taken.events().get(0), trace(exchange));
        } catch (SerdeException e) {
            throw new Unavailable("the event cannot be written (the schema registry?): " + e.getMessage());
        }
        request.record().headers().add(ReplyListener.REPLY_TO, replies.topic().getBytes(StandardCharsets.UTF_8));
        request.record().headers().add(ReplyListener.CORRELATION_ID, correlationId.getBytes(StandardCharsets.UTF_8));
        CompletableFuture<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> answer =
                replies.expect(correlationId);
        try {
            try {
                publisher.publishAndWait(List.of(request), settings.timeout());
            } catch (ExecutionException e) {
                throw new Unavailable("Kafka did not take the event: " + e.getCause().getMessage());
            } catch (TimeoutException e) {
                throw new Unavailable("Kafka did not take the event within " + settings.timeout().toSeconds() + " s");
            }
            org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> reply;
            try {
                reply = answer.get(settings.invokeTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                reply(exchange, 504, error("function '" + function + "' did not reply within "
                        + settings.invokeTimeout().toMillis() + " ms (the event is in Kafka and will be handled)"));
                return;
            }
            exchange.getResponseHeaders().set("Eddy-Correlation-Id", correlationId);
            org.apache.kafka.common.header.Header failed = reply.headers().lastHeader(ReplyListener.REPLY_ERROR);
            if (failed != null) {
                reply(exchange, 502, error("function '" + function + "' failed (" + new String(failed.value(),
                        StandardCharsets.UTF_8) + "): " + new String(reply.value(), StandardCharsets.UTF_8)));
                return;
            }
            org.apache.kafka.common.header.Header type = reply.headers().lastHeader("content-type");
            byte[] value = reply.value() == null ? new byte[0] : reply.value();
            exchange.getResponseHeaders().set("Content-Type", type == null ? "application/octet-stream"
                    : new String(type.value(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(200, value.length == 0 ? -1 : value.length);
            if (value.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(value);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("the adapter is stopping");
        } finally {
            replies.forget(correlationId);
        }
    }

    /** A request's events and the record key it asks for ({@code ?key=}, or null). */
    private record Taken(List<Envelope> events, String recordKey) {
    }

    /**
     * Reads a request's body and makes its events.
     *
     * @return null when the request was answered already (400 for a bad one)
     * @throws Refused 413 for a body over the limit, 400 for a malformed length
     */
    private Taken take(HttpExchange exchange, boolean batch, String idempotencyKey)
            throws IOException, Refused {
        byte[] body = HttpExchanges.body(exchange, settings.maxBodyBytes(), "maxBodyBytes");
        publisher.received();
        HttpEvents.Request request = new HttpEvents.Request(exchange.getRequestURI().getRawPath(),
                HttpExchanges.query(exchange), exchange.getRequestHeaders(), body,
                exchange.getRemoteAddress().getAddress().getHostAddress(), "http://" + host(exchange));
        try {
            return new Taken(HttpEvents.read(request, batch, idempotencyKey), request.query().get("key"));
        } catch (HttpEvents.BadRequest e) {
            reply(exchange, 400, error(e.getMessage()));
            return null;
        }
    }

    /** The trace a request brings in its {@code traceparent} header; the root context (a new trace) without. */
    private static Context trace(HttpExchange exchange) {
        return Tracing.parentOf(name -> exchange.getRequestHeaders().getFirst(name));
    }

    /** A request with a key: the first with it publishes; a retry gets its answer. */
    private void publishOnce(HttpExchange exchange, String key, String topic, String recordKey,
            List<Envelope> events, Context trace) throws IOException, Refused {
        for (int attempt = 0; attempt < 3; attempt++) {
            IdempotencyKeys.Accepted known = known(key);
            if (known != null) {
                accepted(exchange, known, true);
                return;
            }
            CompletableFuture<IdempotencyKeys.Accepted> mine = new CompletableFuture<>();
            CompletableFuture<IdempotencyKeys.Accepted> earlier = keys.claim(key, mine);
            if (earlier != null) {
                IdempotencyKeys.Accepted outcome = await(earlier);
                if (outcome != null) {
                    accepted(exchange, outcome, true);
                    return;
                }
                continue; // the earlier request failed: this one may try
            }
            IdempotencyKeys.Accepted outcome = null;
            try {
                outcome = publish(topic, recordKey, events, key, trace);
                accepted(exchange, outcome, false);
            } finally {
                keys.done(key, mine, outcome);
            }
            return;
        }
        unavailable(exchange, "requests with this Idempotency-Key keep failing");
    }

    /** What a key's earlier request made, at this instance or another; null when there was none. */
    private IdempotencyKeys.Accepted known(String key) {
        try {
            return keys.find(key, settings.timeout());
        } catch (TimeoutException e) {
            throw new Unavailable("the idempotency keys were not read within " + settings.timeout().toSeconds()
                    + " s: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("the adapter is stopping");
        }
    }

    /**
     * Publishes the events (and the key) and waits for the commit.
     *
     * @return what was accepted, or null after answering 503
     */
    private IdempotencyKeys.Accepted publish(String topic, String recordKey, List<Envelope> events, String key,
            Context trace) throws Refused {
        IdempotencyKeys.Accepted outcome = new IdempotencyKeys.Accepted(topic,
                events.stream().map(Envelope::getId).toList(), keys.now());
        List<AtomicPublisher.Outgoing> records = new ArrayList<>();
        try {
            for (Envelope event : events) {
                records.add(publisher.event(topic, recordKey, event, trace));
            }
        } catch (SerdeException e) {
            throw new Unavailable("the events cannot be written (the schema registry?): " + e.getMessage());
        }
        if (key != null) {
            records.add(AtomicPublisher.record(keys.record(key, outcome)));
        }
        try {
            publisher.publishAndWait(records, settings.timeout());
            return outcome;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AtomicPublisher.TooLarge tooLarge) {
                throw new Refused(413, tooLarge.getMessage());
            }
            throw new Unavailable("Kafka did not take the events: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new Unavailable("Kafka did not take the events within " + settings.timeout().toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("the adapter is stopping");
        }
    }

    /** Kafka did not take a request's events: 503, try again (with the same key). */
    private static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message, null, false, false);
        }
    }

    private IdempotencyKeys.Accepted await(CompletableFuture<IdempotencyKeys.Accepted> earlier) {
        try {
            return earlier.get(settings.timeout().toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private void accepted(HttpExchange exchange, IdempotencyKeys.Accepted outcome, boolean replayed)
            throws IOException {
        ObjectNode body = JSON.createObjectNode().put("topic", outcome.topic());
        outcome.ids().forEach(body.putArray("ids")::add);
        if (replayed) {
            exchange.getResponseHeaders().set("Idempotent-Replayed", "true");
        }
        reply(exchange, 202, body);
    }

    private void unavailable(HttpExchange exchange, String message) throws IOException {
        exchange.getResponseHeaders().set("Retry-After", "1");
        reply(exchange, 503, error(message + "; nothing was published: send it again"));
    }

    private String host(HttpExchange exchange) {
        String host = exchange.getRequestHeaders().getFirst("Host");
        return host != null && host.matches("[A-Za-z0-9.:\\[\\]-]{1,255}") ? host
                : address().getHostString() + ":" + address().getPort();
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("error", message);
    }

    private static void reply(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        HttpExchanges.sendJson(exchange, status, JSON.writeValueAsBytes(body));
    }

    /** Stops taking requests, lets those in flight finish (at most 10 s), commits, and lets go of Kafka. */
    @Override
    public void close() {
        server.stop(10);
        publisher.close(Duration.ofSeconds(10));
        keys.close();
        if (replies != null) {
            replies.close();
        }
    }
}
