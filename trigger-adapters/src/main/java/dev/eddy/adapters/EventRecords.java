package dev.eddy.adapters;

import dev.eddy.observability.Tracing;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.serde.AvroSerde;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The Kafka records every adapter writes: events as envelopes with CloudEvents headers, and dead letters. For an
 * adapter that writes its own transactions (the timer); the others go through {@link EventPublisher} or
 * {@link AtomicPublisher}.
 */
public final class EventRecords {

    static final String DLQ_REASON = "eddy.dlq.reason";
    static final String DLQ_MESSAGE = "eddy.dlq.exception.message";
    static final String DLQ_ADAPTER = "eddy.dlq.adapter";

    private EventRecords() {
    }

    /**
     * An event: the envelope in the Confluent wire format under {@code <topic>-value}, with the CloudEvents Kafka
     * binding's headers. The record's timestamp is when it is sent (the event's own time is in {@code ce_time}):
     * a source's clock, or an event from the past or the future, must not make Kafka refuse the record.
     *
     * @throws dev.eddy.schemas.serde.SerdeException when the envelope cannot be written or its schema registered
     */
    public static ProducerRecord<byte[], byte[]> of(AvroSerde serde, String topic, String key, Envelope event) {
        return of(serde, topic, key, event, Context.root());
    }

    /**
     * An event as {@link #of(AvroSerde, String, String, Envelope)} makes it, continuing a trace: the record carries
     * the {@code traceparent} of a publish span whose parent is {@code trace} (a new trace when it is the root
     * context).
     */
    public static ProducerRecord<byte[], byte[]> of(AvroSerde serde, String topic, String key, Envelope event,
            Context trace) {
        byte[] value = serde.serialize(topic + "-value", event);
        RecordHeaders headers = new RecordHeaders();
        headers.add("ce_specversion", utf8(event.getSpecversion()));
        headers.add("ce_id", utf8(event.getId()));
        headers.add("ce_source", utf8(event.getSource()));
        headers.add("ce_type", utf8(event.getType()));
        headers.add("ce_time", utf8(event.getTime().toString()));
        if (event.getSubject() != null) {
            headers.add("ce_subject", utf8(event.getSubject()));
        }
        headers.add("content-type", utf8(event.getDatacontenttype()));
        Span publish = AdapterTracing.tracer().spanBuilder("publish " + topic).setSpanKind(SpanKind.PRODUCER)
                .setParent(trace).setAttribute(AdapterTracing.DESTINATION, topic)
                .setAttribute(AdapterTracing.EVENT_ID, event.getId()).startSpan();
        Tracing.inject(publish, headers);
        publish.end();
        return new ProducerRecord<>(topic, null, null, key == null ? null : utf8(key), value, headers);
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
