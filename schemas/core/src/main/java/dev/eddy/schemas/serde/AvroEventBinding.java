package dev.eddy.schemas.serde;

import dev.eddy.schemas.events.Envelope;
import dev.eddy.sdk.CodecException;
import dev.eddy.sdk.spi.EventBinding;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.IndexedRecord;

/**
 * The engine's {@link EventBinding}: an adapter's Avro {@link Envelope}, read with the function's schema registry,
 * its data turned into the plain values the SDK's adapter-event codecs read (maps, lists, text, numbers,
 * {@code byte[]}, {@link java.time.Instant}).
 */
public final class AvroEventBinding implements EventBinding {

    private static final String CODEC = "avro:Envelope";
    /** One serde per registry address, kept for the process: it caches the schemas it has read by. */
    private static final java.util.Map<String, AvroSerde> SERDES = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public Map<String, Object> envelopeData(byte[] value, Optional<String> registryUrl) {
        String url = registryUrl.orElseThrow(() -> new CodecException(CODEC, "the value is an Avro envelope, and the"
                + " engine has no schema registry to read it with: set the engine's schema.registry.url, or have"
                + " the adapter publish JSON (format: json)", null));
        Envelope envelope;
        try {
            envelope = SERDES.computeIfAbsent(url, address -> new AvroSerde(AvroCodec.registry(address)))
                    .deserialize(value, Envelope.class);
        } catch (SerdeException e) {
            throw new CodecException(CODEC, e.reason() + ": " + e.getMessage(), e);
        }
        if (!(envelope.getData() instanceof IndexedRecord)) {
            throw new CodecException(CODEC, "the envelope has no data", null);
        }
        return data(envelope);
    }

    /** An envelope's data as plain values: what an adapter writes as JSON, and what the codecs read. */
    public static Map<String, Object> data(Envelope envelope) {
        return record((IndexedRecord) envelope.getData());
    }

    private static Map<String, Object> record(IndexedRecord record) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (Schema.Field field : record.getSchema().getFields()) {
            map.put(field.name(), plain(record.get(field.pos())));
        }
        return map;
    }

    private static Object plain(Object value) {
        if (value == null || value instanceof Number || value instanceof Boolean || value instanceof java.time.Instant) {
            return value;
        }
        if (value instanceof CharSequence || value instanceof GenericEnumSymbol<?> || value instanceof Enum<?>) {
            return value.toString();
        }
        if (value instanceof ByteBuffer buffer) {
            ByteBuffer copy = buffer.duplicate();
            byte[] bytes = new byte[copy.remaining()];
            copy.get(bytes);
            return bytes;
        }
        if (value instanceof IndexedRecord nested) {
            return record(nested);
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> plain = new LinkedHashMap<>();
            map.forEach((key, item) -> plain.put(key.toString(), plain(item)));
            return plain;
        }
        if (value instanceof Collection<?> items) {
            List<Object> plain = new ArrayList<>(items.size());
            items.forEach(item -> plain.add(plain(item)));
            return plain;
        }
        return value.toString();
    }
}
