package dev.eddy.schemas.registry.server;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/** The compatibility levels of the Confluent API, judged with Avro's own rules. */
enum Compatibility {
    NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

    static Compatibility parse(String text) {
        try {
            return valueOf(text);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new RegistryError(422, 42203, "Invalid compatibility level '" + text + "': one of "
                    + java.util.Arrays.toString(values()));
        }
    }

    /** What breaks, checking a new schema against the subject's versions (oldest first); empty when none. */
    List<String> check(Schema next, List<Schema> versions) {
        if (this == NONE || versions.isEmpty()) {
            return List.of();
        }
        List<Schema> against = name().endsWith("TRANSITIVE") ? versions : List.of(versions.getLast());
        List<String> broken = new ArrayList<>();
        for (Schema previous : against) {
            if (this != FORWARD && this != FORWARD_TRANSITIVE) {
                why("new schema cannot read data written with an earlier one", next, previous, broken);
            }
            if (this != BACKWARD && this != BACKWARD_TRANSITIVE) {
                why("earlier schema cannot read data written with the new one", previous, next, broken);
            }
        }
        return broken;
    }

    private static void why(String what, Schema reader, Schema writer, List<String> broken) {
        var result = org.apache.avro.SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (result.getType() != org.apache.avro.SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            for (var incompatibility : result.getResult().getIncompatibilities()) {
                broken.add(what + ": " + incompatibility.getType() + " at " + incompatibility.getLocation()
                        + " (" + incompatibility.getMessage() + ")");
            }
        }
    }
}
