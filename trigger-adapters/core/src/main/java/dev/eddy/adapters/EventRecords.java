package dev.eddy.adapters;

import dev.eddy.observability.Tracing;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.events.HttpRequest;
import dev.eddy.schemas.serde.AvroEventBinding;
import dev.eddy.schemas.serde.AvroSerde;
import dev.eddy.sdk.Codec;
import dev.eddy.sdk.events.AdapterEvents;
import dev.eddy.sdk.spi.JsonBinding;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The Kafka records every adapter writes: events with CloudEvents headers in either {@link EventFormat}, and dead
 * letters. Made through an {@link EventWriter}.
 */
public final class EventRecords {

    /** JSON as the functions read it: the SDK's binding (Jackson), times as ISO-8601 text, bytes as base64. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final Codec<Object> JSON = (Codec) JsonBinding.find().codec(Object.class);

    static final String DLQ_REASON = "eddy.dlq.reason";
    static final String DLQ_MESSAGE = "eddy.dlq.exception.message";
    static final String DLQ_ADAPTER = "eddy.dlq.adapter";

    private EventRecords() {
    }

    /**
     * An event in a format, with the CloudEvents Kafka binding's headers: as JSON, the envelope's data as the value
     * (an HTTP request's body as it came); as Avro, the envelope in the Confluent wire format under {@code
     * <topic>-value}. The record's timestamp is when it is sent (the event's own time is in {@code ce_time}): a
     * source's clock, or an event from the past or the future, must not make Kafka refuse the record. The record
     * carries the {@code traceparent} of a publish span whose parent is {@code trace} (a new trace when it is the
     * root context).
     *
     * @param serde the Avro serde, for {@link EventFormat#AVRO} only
     * @throws dev.eddy.schemas.serde.SerdeException when the envelope cannot be written or its schema registered
     */
    static ProducerRecord<byte[], byte[]> of(AvroSerde serde, EventFormat format, String topic, String key,
            Envelope event, Context trace) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("ce_specversion", utf8(event.getSpecversion()));
        headers.add("ce_id", utf8(event.getId()));
        headers.add("ce_source", utf8(event.getSource()));
        headers.add("ce_type", utf8(event.getType()));
        headers.add("ce_time", utf8(event.getTime().toString()));
        if (event.getSubject() != null) {
            headers.add("ce_subject", utf8(event.getSubject()));
        }
        byte[] value;
        if (format == EventFormat.AVRO) {
            value = serde.serialize(topic + "-value", event);
            headers.add("content-type", utf8(event.getDatacontenttype()));
        } else if (event.getData() instanceof HttpRequest request) {
            ByteBuffer body = request.getBody().duplicate();
            value = new byte[body.remaining()];
            body.get(value);
            headers.add(AdapterEvents.HTTP_METHOD, utf8(request.getMethod()));
            headers.add(AdapterEvents.HTTP_PATH, utf8(request.getPath()));
            if (!request.getQuery().isEmpty()) {
                headers.add(AdapterEvents.HTTP_QUERY, utf8(query(request.getQuery())));
            }
            if (request.getContentType() != null) {
                headers.add("content-type", utf8(request.getContentType()));
            }
        } else {
            value = JSON.encode(AvroEventBinding.data(event));
            headers.add("content-type", utf8("application/json"));
        }
        Span publish = AdapterTracing.tracer().spanBuilder("publish " + topic).setSpanKind(SpanKind.PRODUCER)
                .setParent(trace).setAttribute(AdapterTracing.DESTINATION, topic)
                .setAttribute(AdapterTracing.EVENT_ID, event.getId()).startSpan();
        Tracing.inject(publish, headers);
        publish.end();
        return new ProducerRecord<>(topic, null, null, key == null ? null : utf8(key), value, headers);
    }

    /** Query parameters as a query string, each name and value URL-encoded. */
    private static String query(Map<? extends CharSequence, ? extends CharSequence> parameters) {
        StringBuilder query = new StringBuilder();
        parameters.forEach((name, value) -> {
            if (!query.isEmpty()) {
                query.append('&');
            }
            query.append(URLEncoder.encode(name.toString(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(value.toString(), StandardCharsets.UTF_8));
        });
        return query.toString();
    }

    /** What could not be made into an event, as it came, with why and where from. */
    static ProducerRecord<byte[], byte[]> deadLetter(String topic, String adapter, String key, byte[] payload,
            String reason, String message, Map<String, String> context) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DLQ_ADAPTER, utf8(adapter));
        headers.add(DLQ_REASON, utf8(reason));
        headers.add(DLQ_MESSAGE, utf8(message));
        context.forEach((name, value) -> headers.add(name, utf8(value)));
        return new ProducerRecord<>(topic, null, null, key == null ? null : utf8(key), payload, headers);
    }

    /** About how many bytes a record takes in a produce request (key, value, headers, and their framing). */
    static int size(ProducerRecord<byte[], byte[]> record) {
        int size = 64 + (record.key() == null ? 0 : record.key().length)
                + (record.value() == null ? 0 : record.value().length);
        for (org.apache.kafka.common.header.Header header : record.headers()) {
            size += 8 + header.key().length() + (header.value() == null ? 0 : header.value().length);
        }
        return size;
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
