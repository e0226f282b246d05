package dev.eddy.adapters;

import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.registry.SchemaRegistryClient;
import dev.eddy.schemas.serde.AvroSerde;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Makes an adapter's events into Kafka records in the format asked for ({@link EventFormat}), with the schema
 * registry client that Avro needs made only when an event is written in Avro. Thread-safe; closed by its owner.
 */
public final class EventWriter implements AutoCloseable {

    private final EventPublisher.Options options;
    private SchemaRegistryClient registry;
    private AvroSerde serde;

    public EventWriter(EventPublisher.Options options) {
        this.options = options;
    }

    /** The adapter's own format, unless a route says otherwise. */
    public EventFormat format() {
        return options.format();
    }

    /** An event in the adapter's format (see {@link EventRecords#of}). */
    public ProducerRecord<byte[], byte[]> record(String topic, String key, Envelope event,
            io.opentelemetry.context.Context trace) {
        return record(topic, key, event, trace, options.format());
    }

    /** An event in that format (see {@link EventRecords#of}). */
    public ProducerRecord<byte[], byte[]> record(String topic, String key, Envelope event,
            io.opentelemetry.context.Context trace, EventFormat format) {
        return EventRecords.of(format == EventFormat.AVRO ? serde() : null, format, topic, key, event, trace);
    }

    /** The registry's client, made on first use. */
    synchronized SchemaRegistryClient registry() {
        if (registry == null) {
            if (options.schemaRegistryUrl() == null) {
                throw AdapterException.invalid("kafka.schemaRegistry", null, "the schema registry's URL (such as"
                        + " http://127.0.0.1:8085): events written as Avro (format: avro) need one");
            }
            registry = SchemaRegistryClient.builder(options.schemaRegistryUrl()).build();
        }
        return registry;
    }

    private synchronized AvroSerde serde() {
        if (serde == null) {
            serde = new AvroSerde(registry());
        }
        return serde;
    }

    @Override
    public synchronized void close() {
        if (registry != null) {
            registry.close();
        }
    }
}
