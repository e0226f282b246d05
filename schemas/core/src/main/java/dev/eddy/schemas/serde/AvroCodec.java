package dev.eddy.schemas.serde;

import dev.eddy.sdk.Codec;
import dev.eddy.sdk.CodecException;
import dev.eddy.sdk.Environment;
import dev.eddy.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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

    /**
     * Records of a generated class, with the schema registry the engine gives the function, for a handler to make
     * in its {@code open}:
     *
     * <pre>{@code
     * private Codec<Telemetry> input;
     *
     * public void open(Environment environment) {
     *     input = AvroCodec.specific(Telemetry.class, environment, "iot.telemetry-value");
     * }
     * }</pre>
     *
     * The class's package is trusted to be loaded by Avro (see {@link AvroSerde#trust}).
     *
     * @throws IllegalStateException when the engine has no schema registry, saying how to give it one
     */
    public static <T extends SpecificRecord> AvroCodec<T> specific(Class<T> type, Environment environment,
            String subject) {
        AvroSerde.trust(type.getPackageName());
        return specific(type, registry(environment), subject);
    }

    /**
     * Generic records, with the schema registry the engine gives the function.
     *
     * @throws IllegalStateException when the engine has no schema registry, saying how to give it one
     */
    public static AvroCodec<GenericRecord> generic(Environment environment, String subject) {
        return generic(registry(environment), subject);
    }

    /** One client per registry address, shared by every codec of the process: schemas and ids are cached once. */
    private static final Map<String, SchemaRegistryClient> REGISTRIES = new ConcurrentHashMap<>();

    private static SchemaLookup registry(Environment environment) {
        String url = environment.schemaRegistryUrl().orElseThrow(() -> new IllegalStateException("function '"
                + environment.functionName() + "' reads or writes Avro, but the engine has no schema registry: set"
                + " the engine's schema.registry.url (./eddy dev and the demo start one and set it)"));
        return registry(url);
    }

    /** The process's client of the registry at that address. */
    static SchemaRegistryClient registry(String url) {
        return REGISTRIES.computeIfAbsent(url, address -> SchemaRegistryClient.builder(address).build());
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
