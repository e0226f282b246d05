package dev.eddy.observability;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Traces through Kafka: W3C trace context ({@code traceparent}, {@code tracestate}) carried in Kafka headers, and
 * spans made through the OpenTelemetry API. The trigger adapters start a trace for each event (or continue the one
 * an HTTP request or an MQTT 5 message brings); the engine continues it for each call of a function, and its
 * outputs carry the call's span. Spans are exported over OTLP/HTTP when an endpoint is given, and otherwise only
 * propagated.
 */
public final class Tracing implements AutoCloseable {

    /** The Kafka header (and HTTP header, and MQTT 5 user property) of W3C trace context. */
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();

    private final SdkTracerProvider provider;
    private final Tracer tracer;

    private Tracing(SdkTracerProvider provider) {
        this.provider = provider;
        this.tracer = provider.get("dev.eddy");
    }

    /**
     * @param service      the {@code service.name} of the spans
     * @param otlpEndpoint where spans go over OTLP/HTTP, e.g. {@code http://collector:4318/v1/traces}; empty for
     *                     nowhere (traces are still carried through Kafka)
     * @throws IllegalArgumentException for an endpoint that is not an http(s) URL
     */
    public static Tracing create(String service, String otlpEndpoint) {
        SdkTracerProviderBuilder builder = SdkTracerProvider.builder().setResource(Resource.getDefault()
                .merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), service))));
        if (!otlpEndpoint.isBlank()) {
            if (!otlpEndpoint.startsWith("http://") && !otlpEndpoint.startsWith("https://")) {
                throw new IllegalArgumentException("the OTLP endpoint '" + otlpEndpoint + "' is not an http(s) URL;"
                        + " give one such as http://collector:4318/v1/traces, or none for no export");
            }
            builder.addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                    .setEndpoint(otlpEndpoint).build()).build());
        } else {
            // Without a processor the SDK hands out no-op tracers, whose spans have no ids of their own.
            builder.addSpanProcessor(CARRY_ONLY);
        }
        return new Tracing(builder.build());
    }

    /** Tracing whose spans go nowhere: for tests and tools. */
    public static Tracing noExport(String service) {
        return create(service, "");
    }

    public Tracer tracer() {
        return tracer;
    }

    /** Whether a record carries trace context. */
    public static boolean carriesTrace(Headers headers) {
        return headers.lastHeader(TRACEPARENT) != null;
    }

    /** The trace context a record carries (the root context when it carries none or a malformed one). */
    public static Context parentOf(Headers headers) {
        return W3C.extract(Context.root(), headers, KAFKA_GETTER);
    }

    /**
     * The trace context of a request or message whose headers (or properties) are looked up by name; the root
     * context when there is none or it is malformed.
     */
    public static Context parentOf(Function<String, String> header) {
        return W3C.extract(Context.root(), header, FUNCTION_GETTER);
    }

    /** Puts the span's context on a record, in place of any it had. */
    public static void inject(Span span, Headers headers) {
        headers.remove(TRACEPARENT);
        headers.remove(TRACESTATE);
        W3C.inject(Context.root().with(span), headers, KAFKA_SETTER);
    }

    /** A span's context as its {@code traceparent} value. */
    public static String traceparent(SpanContext span) {
        return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getTraceFlags().asHex();
    }

    /** Ends what is in flight and sends what is left to export (within a few seconds). */
    @Override
    public void close() {
        provider.close();
    }

    /** Spans that go nowhere: their ids are made and carried on, nothing else. */
    private static final SpanProcessor CARRY_ONLY = new SpanProcessor() {
        @Override
        public void onStart(Context parentContext, ReadWriteSpan span) {
        }

        @Override
        public boolean isStartRequired() {
            return false;
        }

        @Override
        public void onEnd(ReadableSpan span) {
        }

        @Override
        public boolean isEndRequired() {
            return false;
        }
    };

    private static final TextMapGetter<Headers> KAFKA_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers carrier) {
            return List.of(TRACEPARENT, TRACESTATE);
        }

        @Override
        public String get(Headers carrier, String key) {
            if (carrier == null) {
                return null;
            }
            Header header = carrier.lastHeader(key);
            return header == null || header.value() == null ? null
                    : new String(header.value(), StandardCharsets.UTF_8);
        }
    };

    private static final TextMapSetter<Headers> KAFKA_SETTER = (carrier, key, value) -> {
        if (carrier != null) {
            carrier.add(key, value.getBytes(StandardCharsets.UTF_8));
        }
    };

    private static final TextMapGetter<Function<String, String>> FUNCTION_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Function<String, String> carrier) {
            return List.of(TRACEPARENT, TRACESTATE);
        }

        @Override
        public String get(Function<String, String> carrier, String key) {
            return carrier == null ? null : carrier.apply(key);
        }
    };
}
