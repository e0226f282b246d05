package dev.eddy.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldServeEddysMetersAndTheJvmsInPrometheusTextUnderTheirCataloguedNames() throws Exception {
        PrometheusMeterRegistry registry = MetricsEndpoint.newRegistry();
        Meters.counter(registry, EddyMeter.RECORDS_RECEIVED, Tags.of("function", "f", "version", "1")).increment(3);
        Meters.timer(registry, EddyMeter.HANDLER_DURATION, Tags.of("function", "f", "version", "1"),
                Duration.ofNanos(10_000), Duration.ofMinutes(1)).record(Duration.ofMillis(2));
        try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0, registry, "--metrics-port")) {
            HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(URI.create(endpoint.url())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, scrape.statusCode());
            assertTrue(scrape.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
            String text = scrape.body();
            assertTrue(text.contains(EddyMeter.RECORDS_RECEIVED.prometheusName()
                    + "{function=\"f\",version=\"1\"} 3.0"), text);
            assertTrue(text.contains(EddyMeter.HANDLER_DURATION.prometheusName() + "_bucket{"), text);
            assertTrue(text.contains("jvm_memory_used_bytes{"), "the JVM's meters are bound");

            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(endpoint.url()))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());

            IllegalArgumentException taken = assertThrows(IllegalArgumentException.class,
                    () -> MetricsEndpoint.start("127.0.0.1", endpoint.port(), registry, "--metrics-port"));
            assertTrue(taken.getMessage().contains(String.valueOf(endpoint.port()))
                    && taken.getMessage().contains("--metrics-port"), taken.getMessage());
        }
    }

    @Test
    void shouldAnswerTheProbesLiveAtOnceAndReadyOnlyWhenItsCheckFindsNothingWrong() throws Exception {
        try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0, MetricsEndpoint.newRegistry(),
                "--metrics-port")) {
            String base = "http://127.0.0.1:" + endpoint.port();
            assertEquals(200, get(base + "/health/live").statusCode());
            HttpResponse<String> starting = get(base + "/health/ready");
            assertEquals(503, starting.statusCode());
            assertEquals("starting\n", starting.body());

            java.util.List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
            endpoint.readiness(() -> problems);
            assertEquals(200, get(base + "/health/ready").statusCode());
            problems.add("Kafka at 127.0.0.1:9 cannot be reached");
            problems.add("function 'f' failed");
            HttpResponse<String> failing = get(base + "/health/ready");
            assertEquals(503, failing.statusCode());
            assertEquals("Kafka at 127.0.0.1:9 cannot be reached\nfunction 'f' failed\n", failing.body());
            assertEquals(200, get(base + "/health/live").statusCode(), "live whatever the readiness");

            endpoint.readiness(() -> {
                throw new IllegalStateException("boom");
            });
            HttpResponse<String> broken = get(base + "/health/ready");
            assertEquals(503, broken.statusCode());
            assertTrue(broken.body().contains("boom"), broken.body());
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldRefuseAMeterWithOtherTagsOrOfAnotherKindThanCatalogued() {
        PrometheusMeterRegistry registry = MetricsEndpoint.newRegistry();
        IllegalArgumentException tags = assertThrows(IllegalArgumentException.class,
                () -> Meters.counter(registry, EddyMeter.RECORDS_RECEIVED, Tags.of("function", "f", "key", "k")));
        assertTrue(tags.getMessage().contains("[function, version]"), tags.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Meters.counter(registry, EddyMeter.IN_FLIGHT, Tags.of("function", "f", "version", "1")));
    }

    @Test
    void shouldNameEveryMeterOnceUnderEddyWithADescriptionAndUnit() {
        Set<String> names = new HashSet<>();
        Set<String> prometheusNames = new HashSet<>();
        for (EddyMeter meter : EddyMeter.values()) {
            assertTrue(meter.meterName().startsWith("eddy."), meter.meterName());
            assertTrue(names.add(meter.meterName()), "twice: " + meter.meterName());
            assertTrue(prometheusNames.add(meter.prometheusName()), "twice: " + meter.prometheusName());
            assertTrue(!meter.description().isBlank() && !meter.baseUnit().isBlank(), meter.meterName());
            assertTrue(!meter.tagKeys().isEmpty(), meter.meterName());
        }
        assertEquals("eddy_received_records_total", EddyMeter.RECORDS_RECEIVED.prometheusName());
        assertEquals("eddy_handler_duration_seconds", EddyMeter.HANDLER_DURATION.prometheusName());
        assertEquals("eddy_consumer_lag_records", EddyMeter.CONSUMER_LAG.prometheusName());
        assertTrue(EddyMeter.markdown().contains("| `eddy.received` | `eddy_received_records_total` | counter |"));
    }
}
