package dev.eddy.sdk.events;

import dev.eddy.sdk.Codec;
import dev.eddy.sdk.CodecException;
import dev.eddy.sdk.Environment;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.spi.EventBinding;
import dev.eddy.sdk.spi.JsonBinding;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Codecs of what Eddy's trigger adapters publish, for a {@link dev.eddy.sdk.TypedHandler}'s input:
 *
 * <pre>{@code
 * public final class Monitor implements TypedHandler<Telemetry> {
 *     public Codec<Telemetry> input() { return AdapterEvents.telemetry(); }
 *
 *     public void handle(Telemetry telemetry, Event event, Context ctx) { ... }
 * }
 * }</pre>
 *
 * <p>Each reads both of an adapter's formats: JSON (the default: the CloudEvents Kafka binding in binary mode, the
 * event's data as the record's value, its attributes in {@code ce_*} headers; see {@link CloudEvent}) and the Avro
 * envelope in the Confluent wire format, which the engine reads with its schema registry (its {@link EventBinding}:
 * the function bundles nothing). Bytes of neither, or JSON that is not such an event, fail with a
 * {@link CodecException}: the engine dead-letters the event as {@code UNDECODABLE}. A tombstone (no value, as the
 * CDC adapter writes after each delete) decodes as null. Encoding writes the JSON the adapters write. The codecs are
 * stateless and shared.
 */
public final class AdapterEvents {

    private static final AdapterEventCodec<Telemetry> TELEMETRY = new AdapterEventCodec<>("telemetry",
            EventMaps::telemetry, EventMaps::map);
    private static final AdapterEventCodec<LogLine> LOG_LINES = new AdapterEventCodec<>("log-line",
            EventMaps::logLine, EventMaps::map);
    private static final AdapterEventCodec<RowChange> ROW_CHANGES = new AdapterEventCodec<>("row-change",
            EventMaps::rowChange, EventMaps::map);
    private static final AdapterEventCodec<TimerTick> TIMER_TICKS = new AdapterEventCodec<>("timer-tick",
            EventMaps::timerTick, EventMaps::map);
    private static final AdapterEventCodec<HttpRequest> HTTP_REQUESTS = new AdapterEventCodec<>("http-request",
            EventMaps::httpRequest, EventMaps::map);

    /** The headers an HTTP request's method, path and query travel in when its body is the event's value. */
    public static final String HTTP_METHOD = "ce_httpmethod";
    public static final String HTTP_PATH = "ce_httppath";
    public static final String HTTP_QUERY = "ce_httpquery";

    private AdapterEvents() {
    }

    /** The MQTT adapter's telemetry; also any JSON object of a device's numbers (see {@link Telemetry}). */
    public static Codec<Telemetry> telemetry() {
        return TELEMETRY;
    }

    /** The logs adapter's lines and syslog messages. */
    public static Codec<LogLine> logLines() {
        return LOG_LINES;
    }

    /** The CDC adapter's row changes. */
    public static Codec<RowChange> rowChanges() {
        return ROW_CHANGES;
    }

    /** The timer adapter's ticks. */
    public static Codec<TimerTick> timerTicks() {
        return TIMER_TICKS;
    }

    /** The HTTP adapter's requests: the body with the method, path and query (see {@link HttpRequest}). */
    public static Codec<HttpRequest> httpRequests() {
        return HTTP_REQUESTS;
    }

    /** The bindings, looked up once, when the first event is read (not when the class is loaded). */
    private static final class Bindings {
        @SuppressWarnings({"unchecked", "rawtypes"})
        static final Codec<Object> JSON = (Codec) JsonBinding.find().codec(Object.class);
        static final Optional<EventBinding> AVRO = EventBinding.find();

        private Bindings() {
        }
    }

    /** Whether the bytes look like the Confluent wire format (a zero magic byte, a schema id): not JSON, not text. */
    static boolean isWireFormat(byte[] value) {
        return value != null && value.length >= 5 && value[0] == 0;
    }

    private static final class AdapterEventCodec<T> implements Codec<T> {

        private final String kind;
        private final Function<EventMaps.Input, T> read;
        private final Function<T, Map<String, Object>> write;

        AdapterEventCodec(String kind, Function<EventMaps.Input, T> read, Function<T, Map<String, Object>> write) {
            this.kind = kind;
            this.read = read;
            this.write = write;
        }

        @Override
        public byte[] encode(T value) {
            return value == null ? null : json().encode(write.apply(value));
        }

        @Override
        public T decode(byte[] bytes) {
            return decode(bytes, null, Optional.empty());
        }

        @Override
        public T decode(Event event, Environment environment) {
            return decode(event.value(), event, environment == null ? Optional.empty()
                    : environment.schemaRegistryUrl());
        }

        private T decode(byte[] bytes, Event event, Optional<String> registry) {
            if (bytes == null) {
                return null; // a tombstone, such as the CDC adapter writes after a delete
            }
            Map<String, Object> data;
            if (isWireFormat(bytes)) {
                data = Bindings.AVRO.orElseThrow(() -> new CodecException(name(), "the value is an Avro"
                        + " envelope (Confluent wire format) and no Avro binding is on the class path: the engine"
                        + " brings one; a test can publish the adapter's JSON instead", null)).envelopeData(bytes, registry);
            } else if (kind.equals("http-request") && event != null
                    && event.headers().lastString(HTTP_METHOD).isPresent()) {
                data = null; // the body as sent, the request in headers
            } else {
                data = parse(bytes);
            }
            try {
                return read.apply(new EventMaps.Input(data, event, bytes));
            } catch (IllegalArgumentException | NullPointerException | ClassCastException e) {
                throw new CodecException(name(), "not a " + kind + " event: " + e.getMessage(), e);
            }
        }

        @SuppressWarnings("unchecked")
        private Map<String, Object> parse(byte[] bytes) {
            Object tree;
            try {
                tree = json().decode(bytes);
            } catch (CodecException e) {
                throw new CodecException(name(), "the value is neither JSON nor an Avro envelope: "
                        + preview(bytes), e);
            }
            if (!(tree instanceof Map)) {
                throw new CodecException(name(), "the value is JSON but not an object: " + preview(bytes), null);
            }
            return (Map<String, Object>) tree;
        }

        private static Codec<Object> json() {
            return Bindings.JSON;
        }

        private static String preview(byte[] bytes) {
            String text = new String(bytes, 0, Math.min(bytes.length, 80), StandardCharsets.UTF_8);
            return text.replaceAll("\\p{Cntrl}", "?") + (bytes.length > 80 ? "…" : "");
        }

        @Override
        public String name() {
            return "event:" + kind;
        }

        @Override
        public String contentType() {
            return "application/json";
        }
    }
}
