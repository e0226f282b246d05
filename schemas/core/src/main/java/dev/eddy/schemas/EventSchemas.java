package dev.eddy.schemas;

import dev.eddy.schemas.events.ChangeEvent;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.events.HttpRequest;
import dev.eddy.schemas.events.LogRecord;
import dev.eddy.schemas.events.Telemetry;
import dev.eddy.schemas.events.TimerTick;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * The schemas of the events Eddy produces, and the rule they evolve by: {@link #POLICY}, BACKWARD — a consumer
 * built with a new schema reads every event written with the one before (fields are added with defaults, never
 * removed without one, never retyped). {@code EventSchemasCompatibilityTest} holds each schema to it against the
 * released ones.
 */
public final class EventSchemas {

    /** How Eddy's schemas may change, as a schema registry names it. */
    public static final String POLICY = "BACKWARD";

    /** The envelope every adapter writes, and the payloads it carries, by CloudEvents type. */
    public static final Map<String, Schema> PAYLOADS = Map.of(
            "dev.eddy.iot.telemetry", Telemetry.getClassSchema(),
            "dev.eddy.log.record", LogRecord.getClassSchema(),
            "dev.eddy.db.change", ChangeEvent.getClassSchema(),
            "dev.eddy.timer.tick", TimerTick.getClassSchema(),
            "dev.eddy.http.request", HttpRequest.getClassSchema());

    private EventSchemas() {
    }

    /** Every top-level schema: the envelope and each payload. */
    public static List<Schema> all() {
        return List.of(Envelope.getClassSchema(), Telemetry.getClassSchema(), LogRecord.getClassSchema(),
                ChangeEvent.getClassSchema(), TimerTick.getClassSchema(), HttpRequest.getClassSchema());
    }

    /**
     * Whether data written with {@code previous} can be read with {@code next} (BACKWARD compatibility).
     *
     * @return null when it can, else what breaks it
     */
    public static String backwardIncompatibility(Schema next, Schema previous) {
        SchemaCompatibility.SchemaPairCompatibility result =
                SchemaCompatibility.checkReaderWriterCompatibility(next, previous);
        if (result.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            return null;
        }
        StringBuilder why = new StringBuilder();
        for (SchemaCompatibility.Incompatibility incompatibility : result.getResult().getIncompatibilities()) {
            if (!why.isEmpty()) {
                why.append("; ");
            }
            why.append(incompatibility.getType()).append(" at ").append(incompatibility.getLocation()).append(": ")
                    .append(incompatibility.getMessage());
        }
        return why.toString();
    }
}
