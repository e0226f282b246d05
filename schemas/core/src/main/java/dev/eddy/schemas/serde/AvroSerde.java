package dev.eddy.schemas.serde;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro records to and from the Confluent wire format, generic or specific (generated classes). Writing registers
 * the record's schema under a subject (once: ids are cached by the lookup); reading resolves the writer's schema,
 * by the id in the bytes, against the reader's — so that records written with an older compatible schema read with
 * a newer class. Readers and writers are cached per schema pair.
 *
 * <p>Thread-safe.
 */
public final class AvroSerde {

    /** The package of Eddy's generated event classes. */
    private static final String EVENTS = "dev.eddy.schemas.events";

    /** The packages {@link #trust} was given; read by Avro's class checks on any thread. */
    private static final java.util.Set<String> TRUSTED = ConcurrentHashMap.newKeySet();

    static {
        ClassSecurityValidator.ClassSecurityPredicate before = ClassSecurityValidator.getGlobal();
        ClassSecurityValidator.setGlobal(type -> TRUSTED.contains(type.getPackageName()) || before.isTrusted(type));
        trust(EVENTS);
    }

    private final SchemaLookup lookup;
    private final Map<Schema, DatumWriter<Object>> writers = new ConcurrentHashMap<>();
    private final Map<ReaderKey, DatumReader<?>> readers = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, Integer> registered = new ConcurrentHashMap<>();

    private record ReaderKey(Schema writer, Schema reader, boolean specific) {
    }

    private record SubjectSchema(String subject, Schema schema) {
    }

    public AvroSerde(SchemaLookup lookup) {
        this.lookup = lookup;
    }

    /**
     * Lets Avro load the generated classes of a package when it reads records by class. Avro 1.12 refuses classes it
     * was not told to trust (a reader whose schema names a class could otherwise make it load any class); Eddy's own
     * event classes are trusted from the start.
     */
    public static void trust(String packageName) {
        TRUSTED.add(packageName);
    }

    /**
     * Writes a record (generated class or {@link GenericRecord}) framed with its schema's id under the subject,
     * e.g. {@code <topic>-value}.
     *
     * @throws SerdeException UNWRITABLE when the schema cannot be registered or the record does not fit it
     */
    public byte[] serialize(String subject, GenericContainer record) {
        Schema schema = record.getSchema();
        int id = registered.computeIfAbsent(new SubjectSchema(subject, schema), key -> lookup.register(subject, schema));
        DatumWriter<Object> writer = writers.computeIfAbsent(schema, key -> writer(record));
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException | AvroRuntimeException | ClassCastException | NullPointerException e) {
            throw new SerdeException(SerdeException.Reason.UNWRITABLE, "a " + schema.getFullName()
                    + " record does not fit its schema: " + e.getMessage(), e);
        }
        return WireFormat.frame(id, out.toByteArray());
    }

    @SuppressWarnings("unchecked")
    private static DatumWriter<Object> writer(GenericContainer record) {
        return record instanceof SpecificRecord
                ? (DatumWriter<Object>) (DatumWriter<?>) new SpecificDatumWriter<>(record.getClass())
                : new GenericDatumWriter<>(record.getSchema());
    }

    /**
     * Reads a record with the schema it was written with.
     *
     * @throws SerdeException WRONG_MAGIC_BYTE, UNKNOWN_SCHEMA_ID, TRUNCATED or MALFORMED
     */
    public GenericRecord deserialize(byte[] bytes) {
        WireFormat.Framed framed = WireFormat.parse(bytes);
        Schema writer = lookup.schema(framed.schemaId());
        return (GenericRecord) read(framed, writer, writer, null);
    }

    /**
     * Reads a record as a generated class: the writer's schema, by the id in the bytes, resolved against the
     * class's.
     *
     * @throws SerdeException WRONG_MAGIC_BYTE, UNKNOWN_SCHEMA_ID, TRUNCATED or MALFORMED (also when the writer's
     *                        schema cannot be read as the class's)
     */
    public <T extends SpecificRecord> T deserialize(byte[] bytes, Class<T> type) {
        WireFormat.Framed framed = WireFormat.parse(bytes);
        Schema writer = lookup.schema(framed.schemaId());
        return type.cast(read(framed, writer, SpecificData.get().getSchema(type), type));
    }

    /** @param type the generated class to read as, or null for a generic record */
    private Object read(WireFormat.Framed framed, Schema writer, Schema reader, Class<?> type) {
        DatumReader<?> datumReader;
        try {
            datumReader = readers.computeIfAbsent(new ReaderKey(writer, reader, type != null), key -> {
                if (type == null) {
                    return new GenericDatumReader<>(writer, reader);
                }
                SpecificDatumReader<?> specific = new SpecificDatumReader<>(type);
                specific.setSchema(writer);
                return specific;
            });
        } catch (AvroRuntimeException e) {
            throw new SerdeException(SerdeException.Reason.MALFORMED, "schema id " + framed.schemaId() + " ("
                    + writer.getFullName() + ") cannot be read as " + reader.getFullName() + ": " + e.getMessage(), e);
        }
        ByteBuffer avro = framed.avro();
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(avro.array(), avro.arrayOffset() + avro.position(),
                avro.remaining(), null);
        Object record;
        try {
            record = datumReader.read(null, decoder);
        } catch (EOFException e) {
            throw new SerdeException(SerdeException.Reason.TRUNCATED, "the record ends too soon: " + avro.remaining()
                    + " bytes after the header are not a whole " + writer.getFullName() + " (schema id "
                    + framed.schemaId() + ")", e);
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new SerdeException(SerdeException.Reason.MALFORMED, "the bytes after the header are not a "
                    + writer.getFullName() + " (schema id " + framed.schemaId() + "): " + e, e);
        }
        try {
            if (!decoder.isEnd()) {
                throw new SerdeException(SerdeException.Reason.MALFORMED, "bytes are left after the "
                        + writer.getFullName() + " record (schema id " + framed.schemaId() + "): not one record");
            }
        } catch (IOException e) {
            throw new SerdeException(SerdeException.Reason.MALFORMED, "cannot read past the record: " + e, e);
        }
        return record;
    }
}
