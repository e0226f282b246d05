package dev.eddy.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class TracingTest {

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void shouldContinueATraceFromKafkaHeadersIntoTheHeadersOfWhatFollows() {
        try (Tracing tracing = Tracing.noExport("test")) {
            RecordHeaders in = new RecordHeaders();
            in.add(Tracing.TRACEPARENT, TRACEPARENT.getBytes(StandardCharsets.UTF_8));
            assertTrue(Tracing.carriesTrace(in));
            Span span = tracing.tracer().spanBuilder("call").setParent(Tracing.parentOf(in)).startSpan();
            RecordHeaders out = new RecordHeaders();
            out.add(Tracing.TRACEPARENT, "00-inherited".getBytes(StandardCharsets.UTF_8));
            Tracing.inject(span, out);
            span.end();
            assertEquals(1, out.toArray().length, "the inherited value is replaced, not added to");
            String injected = new String(out.lastHeader(Tracing.TRACEPARENT).value(), StandardCharsets.UTF_8);
            assertEquals(Tracing.traceparent(span.getSpanContext()), injected);
            assertTrue(injected.startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-"), injected);
            assertNotEquals(TRACEPARENT, injected, "a span of its own");
        }
    }

    @Test
    void shouldStartANewTraceWhenTheCarriedContextIsMissingOrMalformed() {
        try (Tracing tracing = Tracing.noExport("test")) {
            for (String carried : new String[] {null, "01-zz", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"}) {
                Context parent = Tracing.parentOf(Map.of("traceparent", carried == null ? "" : carried)::get);
                Span span = tracing.tracer().spanBuilder("publish").setParent(parent).startSpan();
                SpanContext context = span.getSpanContext();
                assertTrue(context.isValid() && context.isSampled(), String.valueOf(carried));
                assertFalse(Span.fromContext(parent).getSpanContext().isValid(), String.valueOf(carried));
                span.end();
            }
        }
    }

    @Test
    void shouldRefuseAnExportEndpointThatIsNotAUrl() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> Tracing.create("test", "collector:4318"));
        assertTrue(refused.getMessage().contains("collector:4318"), refused.getMessage());
    }
}
