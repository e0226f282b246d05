package dev.eddy.adapters;

import dev.eddy.observability.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Tracer;

/**
 * The trigger adapters' tracing, one per process: each event starts a trace (or continues the one its HTTP
 * request or MQTT 5 message brought) with a publish span, whose {@code traceparent} the event's record carries.
 * Spans are exported over OTLP/HTTP when {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} is set (OpenTelemetry's own
 * variable, e.g. {@code http://collector:4318/v1/traces}), and otherwise only carried.
 */
public final class AdapterTracing {

    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> EVENT_ID = AttributeKey.stringKey("cloudevents.event_id");
    private static final Tracing TRACING = Tracing.create("eddy-adapters",
            System.getenv().getOrDefault("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", ""));

    private AdapterTracing() {
    }

    static Tracer tracer() {
        return TRACING.tracer();
    }

    /** Sends the spans not yet exported; for the process's end. */
    public static void flush() {
        TRACING.close();
    }
}
