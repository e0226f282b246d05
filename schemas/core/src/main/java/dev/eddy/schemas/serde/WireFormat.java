package dev.eddy.schemas.serde;

import java.nio.ByteBuffer;

/**
 * The Confluent wire format: a magic byte 0, the schema's registry id as a 4-byte big-endian integer, then the
 * record in Avro binary. Karapace, Redpanda and Apicurio (in its Confluent mode) frame records the same way.
 */
public final class WireFormat {

    /** The first byte of every framed record. */
    public static final byte MAGIC_BYTE = 0;
    /** The magic byte and the schema id. */
    public static final int HEADER_BYTES = 5;

    private WireFormat() {
    }

    /** A framed record: the writer's schema id, and the Avro bytes (a view of the input, not a copy). */
    public record Framed(int schemaId, ByteBuffer avro) {
    }

    /** Frames Avro bytes with their schema id. */
    public static byte[] frame(int schemaId, byte[] avro) {
        return ByteBuffer.allocate(HEADER_BYTES + avro.length).put(MAGIC_BYTE).putInt(schemaId).put(avro).array();
    }

    /**
     * Reads the header.
     *
     * @throws SerdeException WRONG_MAGIC_BYTE or TRUNCATED, saying what was found
     */
    public static Framed parse(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new SerdeException(SerdeException.Reason.TRUNCATED, "no bytes: a framed record has at least "
                    + HEADER_BYTES + " (magic byte 0 and a 4-byte schema id)");
        }
        if (bytes[0] != MAGIC_BYTE) {
            throw new SerdeException(SerdeException.Reason.WRONG_MAGIC_BYTE, String.format(
                    "the first byte is 0x%02x, not the wire format's magic byte 0x00: these bytes were not written by"
                            + " a schema registry serializer (%d bytes, starting %s)",
                    bytes[0] & 0xff, bytes.length, preview(bytes)));
        }
        if (bytes.length < HEADER_BYTES) {
            throw new SerdeException(SerdeException.Reason.TRUNCATED, "only " + bytes.length + " bytes: the header"
                    + " alone takes " + HEADER_BYTES + " (magic byte 0 and a 4-byte schema id)");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        buffer.get();
        int id = buffer.getInt();
        return new Framed(id, buffer.slice());
    }

    private static String preview(byte[] bytes) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(8, bytes.length); i++) {
            hex.append(String.format("%02x", bytes[i] & 0xff));
        }
        return hex + (bytes.length > 8 ? "…" : "");
    }
}
