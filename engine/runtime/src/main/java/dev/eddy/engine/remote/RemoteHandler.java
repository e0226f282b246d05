package dev.eddy.engine.remote;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.manifest.Manifest.Format;
import dev.eddy.sdk.BatchHandler;
import dev.eddy.sdk.BatchResult;
import dev.eddy.sdk.CodecException;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Header;
import dev.eddy.sdk.Headers;
import dev.eddy.sdk.UndecodableEventException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A function in any language behind an HTTP endpoint: each batch of events is POSTed to it as JSON and its answer
 * says, per event, what to emit or why the event failed. The protocol (README, "Remote functions"):
 *
 * <pre>{@code
 * POST <url>   {"function": "enrich", "version": "1", "attempt": 1, "deadline": "2026-...Z",
 *               "events": [{"key": "d-1", "value": {...}, "headers": {"h": "v"},
 *                           "topic": "in", "partition": 0, "offset": 42, "timestamp": 1767225600000}]}
 * 200          {"results": [{"emits": [{"output": "default", "key": "d-1", "value": {...}, "headers": {}}]},
 *                           {"error": "why event 2 failed"}]}
 * }</pre>
 *
 * <p>Keys and values are written per the manifest's formats: {@code string} as JSON text, {@code json} as the JSON
 * value itself, {@code bytes} as base64. An emit without {@code key} or {@code headers} keeps the input's. A
 * non-200 answer, a timeout, or an answer outside the protocol fails every event of the batch (they are retried
 * per the function's retry policy, each alone); an {@code error} fails its event only. An event whose value is not
 * of its format never goes out: it is dead-lettered as {@code UNDECODABLE}.
 */
public final class RemoteHandler implements BatchHandler, dev.eddy.engine.FollowsWorkers {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ERROR_BODY = 500;

    /**
     * Where the function answers: one URL, or a pool of processes the engine runs ({@code runtime: python|node}),
     * which picks a live one for each call and is told when a call to it failed.
     */
    public interface Endpoints {
        /**
         * The endpoint for the next call, waiting at most this long for one to be up (what is left of the call's
         * time, read on the function's clock).
         *
         * @throws IOException when none is up by then
         */
        URI pick(Duration wait) throws IOException, InterruptedException;

        /** A call to the endpoint failed without an answer (it timed out, or its connection was lost). */
        default void failed(URI endpoint, Exception failure) {
        }

        /** Started with the function, before its first call. */
        default void open() throws Exception {
        }

        default void close() {
        }

        /** The function runs this many workers on this engine now ({@link dev.eddy.engine.FollowsWorkers}). */
        default void workers(int count) {
        }

        /** A fixed URL. */
        static Endpoints at(URI url) {
            return new Endpoints() {
                @Override
                public URI pick(Duration wait) {
                    return url;
                }

                @Override
                public String toString() {
                    return "remote function at " + url;
                }
            };
        }
    }

    private final Endpoints endpoints;
    /** How errors name the function: "Remote function at <url>", or its pool of processes. */
    private final String who;
    private final Format keyFormat;
    private final Format valueFormat;
    private final Duration timeout;
    private final HttpClient client;

    public RemoteHandler(URI url, Format keyFormat, Format valueFormat, Duration timeout) {
        this(Endpoints.at(url), keyFormat, valueFormat, timeout);
    }

    public RemoteHandler(Endpoints endpoints, Format keyFormat, Format valueFormat, Duration timeout) {
        this.endpoints = endpoints;
        String named = endpoints.toString();
        this.who = Character.toUpperCase(named.charAt(0)) + named.substring(1);
        this.keyFormat = keyFormat;
        this.valueFormat = valueFormat;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout : Duration.ofSeconds(10))
                .build();
    }

    @Override
    public BatchResult handle(List<Event> events, Context context) throws Exception {
        BatchResult result = BatchResult.success();
        Instant deadline = context.deadline();
        ObjectNode request = request(context, deadline);
        ArrayNode sent = request.putArray("events");
        List<Integer> indexes = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            try {
                sent.add(toJson(events.get(i)));
                indexes.add(i);
            } catch (UndecodableEventException e) {
                result = result.andFailed(i, e);
            }
        }
        if (indexes.isEmpty()) {
            return result;
        }
        JsonNode answer = call(request, deadline, context.clock());
        JsonNode results = answer.path("results");
        if (!results.isArray() || results.size() != indexes.size()) {
            throw new RemoteFunctionException(who + " answered outside the protocol: expected"
                    + " {\"results\": [...]} with " + indexes.size() + " entries, one per event, got "
                    + abbreviate(answer.toString()));
        }
        for (int i = 0; i < indexes.size(); i++) {
            int index = indexes.get(i);
            JsonNode entry = results.get(i);
            log(entry, context);
            if (entry.hasNonNull("error")) {
                result = result.andFailed(index, failure(entry));
                continue;
            }
            try {
                for (JsonNode emit : entry.path("emits")) {
                    context.emit(emit.path("output").asText(FunctionDefinition.DEFAULT_OUTPUT),
                            fromJson(events.get(index), emit));
                }
            } catch (RemoteFunctionException | IllegalArgumentException e) {
                result = result.andFailed(index, e); // a malformed emit, or one to an output the function lacks
            }
        }
        return result;
    }

    /**
     * One event with its key's state, for a remote function with state: the event goes out with {@code "state"},
     * its emits are sent, and the state its answer gives back is returned.
     *
     * @param state the key's state, by name
     * @return the answer's {@code "state"}: changed values by name, null for a value cleared; empty when unchanged
     * @throws RemoteFunctionException when the function failed the event or answered outside the protocol
     */
    public JsonNode handle(Event event, ObjectNode state, Context context) throws Exception {
        Instant deadline = context.deadline();
        ObjectNode request = request(context, deadline);
        request.putArray("events").add(toJson(event).set("state", state));
        JsonNode answer = call(request, deadline, context.clock());
        JsonNode results = answer.path("results");
        if (!results.isArray() || results.size() != 1) {
            throw new RemoteFunctionException(who + " answered outside the protocol: expected"
                    + " {\"results\": [...]} with 1 entry, got " + abbreviate(answer.toString()));
        }
        JsonNode entry = results.get(0);
        log(entry, context);
        if (entry.hasNonNull("error")) {
            throw failure(entry);
        }
        JsonNode changed = entry.path("state");
        if (!changed.isMissingNode() && !changed.isObject()) {
            throw new RemoteFunctionException(who + " answered a \"state\" that is not an"
                    + " object of values by name: " + abbreviate(changed.toString()));
        }
        for (JsonNode emit : entry.path("emits")) {
            context.emit(emit.path("output").asText(FunctionDefinition.DEFAULT_OUTPUT), fromJson(event, emit));
        }
        return changed.isMissingNode() ? JSON.createObjectNode() : changed;
    }

    /**
     * Why the function failed an event: its {@code error}, with its {@code stack} when given; {@code "reason":
     * "UNDECODABLE"} makes it undecodable (dead-lettered at once, not retried).
     */
    private RuntimeException failure(JsonNode entry) {
        String message = who + " failed the event: " + entry.get("error").asText()
                + (entry.hasNonNull("stack") ? "\n" + entry.get("stack").asText() : "");
        if ("UNDECODABLE".equals(entry.path("reason").asText())) {
            return new UndecodableEventException(new CodecException("remote", message, null));
        }
        return new RemoteFunctionException(message);
    }

    /** The lines the function logged during the call, to the function's log (and ./eddy logs). */
    private static void log(JsonNode entry, Context context) {
        for (JsonNode line : entry.path("logs")) {
            System.Logger.Level level = switch (line.path("level").asText("INFO")) {
                case "DEBUG", "TRACE" -> System.Logger.Level.DEBUG;
                case "WARNING", "WARN" -> System.Logger.Level.WARNING;
                case "ERROR", "CRITICAL", "FATAL" -> System.Logger.Level.ERROR;
                default -> System.Logger.Level.INFO;
            };
            context.logger().log(level, line.path("message").asText(""));
        }
    }

    private static ObjectNode request(Context context, Instant deadline) {
        return JSON.createObjectNode()
                .put("function", context.functionName())
                .put("version", context.version())
                .put("attempt", context.attempt())
                .put("deadline", deadline.toString());
    }

    /** @param clock the function's clock, which the deadline is on (a test's, stepped, or the system's) */
    private JsonNode call(ObjectNode request, Instant deadline, java.time.Clock clock)
            throws IOException, InterruptedException {
        URI endpoint = endpoints.pick(Duration.between(clock.instant(), deadline));
        Duration left = Duration.between(clock.instant(), deadline);
        HttpRequest http = HttpRequest.newBuilder(endpoint)
                .timeout(left.isNegative() || left.isZero() ? Duration.ofMillis(1) : left)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(request)))
                .build();
        HttpResponse<byte[]> response;
        try {
            response = client.send(http, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            endpoints.failed(endpoint, e);
            throw e;
        }
        String body = new String(response.body(), StandardCharsets.UTF_8);
        if (response.statusCode() != 200) {
            throw new RemoteFunctionException(who + " answered " + response.statusCode()
                    + ": " + abbreviate(body));
        }
        try {
            return JSON.readTree(response.body());
        } catch (JsonProcessingException e) {
            throw new RemoteFunctionException(who + " answered with what is not JSON: "
                    + abbreviate(body), e);
        }
    }

    private ObjectNode toJson(Event event) {
        ObjectNode node = JSON.createObjectNode();
        node.set("key", encode(event.key(), keyFormat, "key"));
        node.set("value", encode(event.value(), valueFormat, "value"));
        ObjectNode headers = node.putObject("headers");
        for (Header header : event.headers().all()) {
            headers.put(header.name(), header.valueAsString());
        }
        event.origin().ifPresent(origin -> node.put("topic", origin.topic()).put("partition", origin.partition())
                .put("offset", origin.offset()));
        if (event.timestampMillis() != Event.NO_TIMESTAMP) {
            node.put("timestamp", event.timestampMillis());
        }
        return node;
    }

    private static JsonNode encode(byte[] bytes, Format format, String what) {
        if (bytes == null) {
            return JSON.nullNode();
        }
        return switch (format) {
            case BYTES -> JSON.getNodeFactory().textNode(Base64.getEncoder().encodeToString(bytes));
            case STRING -> JSON.getNodeFactory().textNode(utf8(bytes, what));
            case JSON -> {
                try {
                    yield JSON.readTree(bytes);
                } catch (IOException e) {
                    throw new UndecodableEventException(new CodecException("json", "the " + what + " is not JSON ("
                            + e.getMessage().lines().findFirst().orElse("") + "); the function's formats."
                            + what + " is json", e));
                }
            }
        };
    }

    private static String utf8(byte[] bytes, String what) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new UndecodableEventException(new CodecException("string", "the " + what
                    + " is not valid UTF-8; the function's formats." + what + " is string", e));
        }
    }

    private Event fromJson(Event input, JsonNode emit) {
        Event out = input;
        if (emit.has("key")) {
            out = out.withKey(decode(emit.get("key"), keyFormat, "key"));
        }
        out = out.withValue(decode(emit.get("value"), valueFormat, "value"));
        if (emit.has("headers")) {
            if (!emit.get("headers").isObject()) {
                throw new RemoteFunctionException(who + ": an emit's headers must be an"
                        + " object of names to text, got " + abbreviate(emit.get("headers").toString()));
            }
            List<Header> headers = new ArrayList<>();
            Iterator<Map.Entry<String, JsonNode>> fields = emit.get("headers").fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                headers.add(Header.of(field.getKey(), field.getValue().asText()));
            }
            out = out.withHeaders(Headers.of(headers));
        }
        return out;
    }

    private byte[] decode(JsonNode node, Format format, String what) {
        if (node == null || node.isNull()) {
            return null;
        }
        return switch (format) {
            case BYTES -> {
                try {
                    yield Base64.getDecoder().decode(node.asText());
                } catch (IllegalArgumentException e) {
                    throw new RemoteFunctionException(who + ": an emit's " + what
                            + " is not base64, as the function's formats." + what + " (bytes) requires", e);
                }
            }
            case STRING -> {
                if (!node.isTextual()) {
                    throw new RemoteFunctionException(who + ": an emit's " + what
                            + " must be text, as the function's formats." + what + " (string) requires; got "
                            + abbreviate(node.toString()));
                }
                yield node.asText().getBytes(StandardCharsets.UTF_8);
            }
            case JSON -> {
                try {
                    yield JSON.writeValueAsBytes(node);
                } catch (JsonProcessingException e) {
                    throw new RemoteFunctionException("cannot write an emit's " + what + " as JSON", e);
                }
            }
        };
    }

    private static String abbreviate(String text) {
        return text.length() <= MAX_ERROR_BODY ? text : text.substring(0, MAX_ERROR_BODY) + "…";
    }

    /** Starts the endpoints the engine runs itself (a language function's processes). */
    @Override
    public void open(dev.eddy.sdk.Environment environment) throws Exception {
        endpoints.open();
    }

    @Override
    public void workers(int count) {
        endpoints.workers(count);
    }

    /** Lets go of the HTTP client's connections once the function has stopped, and of the endpoints. */
    @Override
    public void close() {
        client.close();
        endpoints.close();
    }

    @Override
    public String toString() {
        return endpoints.toString();
    }
}
