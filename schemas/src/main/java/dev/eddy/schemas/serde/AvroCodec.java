package dev.eddy.schemas.serde;

import dev.eddy.sdk.Codec;
import dev.eddy.sdk.CodecException;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro in the Confluent wire format as an SDK {@link Codec}, so that a typed handler's input or output is a
 * generated class or a generic record. Bytes that do not decode fail with a {@link CodecException} whose message
 * starts with the {@link SerdeException.Reason} ({@code WRONG_MAGIC_BYTE}, {@code UNKNOWN_SCHEMA_ID}, {@code
 * TRUNCATED}, {@code MALFORMED}): the engine dead-letters such an event at once as {@code UNDECODABLE}, with that
 * message.
 *
 * @param <T> the record type
 */
public final class AvroCodec<T extends GenericContainer> implements Codec<T> {

    private final AvroSerde serde;
    private final String subject;
    private final Class<T> type;
    private final String name;

    private AvroCodec(AvroSerde serde, String subject, Class<T> type, String name) {
        this.serde = serde;
        this.subject = subject;
        this.type = type;
        this.name = name;
    }

    /**
     * Records of a generated class.
     *
     * @param subject the registry subject records written with this codec are registered under, e.g. {@code
     *                <topic>-value}
     */
    public static <T extends SpecificRecord> AvroCodec<T> specific(Class<T> type, SchemaLookup lookup,
            String subject) {
        return new AvroCodec<>(new AvroSerde(lookup), subject, type, "avro:" + type.getSimpleName());
    }

    /** Generic records, read with the schema each was written with. */
    public static AvroCodec<GenericRecord> generic(SchemaLookup lookup, String subject) {
        return new AvroCodec<>(new AvroSerde(lookup), subject, null, "avro:generic");
    }

    @Override
    public byte[] encode(T value) {
        if (value == null) {
            return null;
        }
        try {
            return serde.serialize(subject, value);
        } catch (SerdeException e) {
            throw new CodecException(name, e.reason() + ": " + e.getMessage(), e);
        }
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public T decode(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return type == null ? (T) serde.deserialize(bytes) : (T) serde.deserialize(bytes, (Class) type);
        } catch (SerdeException e) {
            throw new CodecException(name, e.reason() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return name;
    }

    /** Avro binary, framed in the Confluent wire format (the schema id names its schema). */
    @Override
    public String contentType() {
        return "application/avro";
    }
}
