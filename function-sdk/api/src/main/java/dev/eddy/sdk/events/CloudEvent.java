package dev.eddy.sdk.events;

import dev.eddy.sdk.Event;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * The CloudEvents attributes of an event, from its headers (the CloudEvents Kafka binding's {@code ce_*} headers,
 * which every adapter writes in either format).
 *
 * @param id              unique per source; a retry of the same event keeps it
 * @param source          where it came from, such as {@code mqtt://broker/sensors/d-7/temp}
 * @param type            what kind of event, such as {@code dev.eddy.iot.telemetry}
 * @param time            when it happened, or null
 * @param subject         what it is about within the source (a device, a table's key, a file), or null
 * @param dataContentType the value's media type, or null
 */
public record CloudEvent(String id, String source, String type, Instant time, String subject,
        String dataContentType) {

    /** The event's attributes, or empty when it is not a CloudEvent (no {@code ce_specversion} header). */
    public static Optional<CloudEvent> of(Event event) {
        if (event.headers().lastString("ce_specversion").isEmpty()) {
            return Optional.empty();
        }
        Instant time = null;
        String text = event.headers().lastString("ce_time").orElse(null);
        if (text != null) {
            try {
                time = Instant.parse(text);
            } catch (DateTimeParseException e) {
                time = null; // an attribute in another form is not the event's fault: it is left out
            }
        }
        return Optional.of(new CloudEvent(event.headers().lastString("ce_id").orElse(null),
                event.headers().lastString("ce_source").orElse(null),
                event.headers().lastString("ce_type").orElse(null), time,
                event.headers().lastString("ce_subject").orElse(null),
                event.headers().lastString("content-type").orElse(null)));
    }
}
