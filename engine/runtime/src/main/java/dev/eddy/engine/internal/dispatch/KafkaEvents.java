package dev.eddy.engine.internal.dispatch;

import dev.eddy.sdk.Event;
import dev.eddy.sdk.Header;
import dev.eddy.sdk.Headers;
import dev.eddy.sdk.Origin;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Converts between Kafka records and the SDK's {@link Event}, the one place where the two meet. */
final class KafkaEvents {

    private KafkaEvents() {
    }

    static Event toEvent(ConsumerRecord<byte[], byte[]> record) {
        return Event.of(record.key(), record.value(), headers(record.headers().toArray()),
                Math.max(record.timestamp(), Event.NO_TIMESTAMP),
                new Origin(record.topic(), record.partition(), record.offset()));
    }

    private static Headers headers(org.apache.kafka.common.header.Header[] kafkaHeaders) {
        if (kafkaHeaders.length == 0) {
            return Headers.empty();
        }
        List<Header> headers = new ArrayList<>(kafkaHeaders.length);
        for (org.apache.kafka.common.header.Header header : kafkaHeaders) {
            headers.add(new Header(header.key(), header.value()));
        }
        return Headers.of(headers);
    }

    static ProducerRecord<byte[], byte[]> toRecord(String topic, Event event) {
        RecordHeaders headers = null;
        if (!event.headers().isEmpty()) {
            headers = new RecordHeaders();
            for (Header header : event.headers().all()) {
                headers.add(header.name(), header.value());
            }
        }
        Long timestamp = event.timestampMillis() == Event.NO_TIMESTAMP ? null : event.timestampMillis();
        return new ProducerRecord<>(topic, null, timestamp, event.key(), event.value(), headers);
    }
}
