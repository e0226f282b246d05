package dev.eddy.engine.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsSnapshotTest {

    private static final String EARLIER = """
            # HELP eddy_received_records_total Records a function's consumer has handed to the dispatcher.
            # TYPE eddy_received_records_total counter
            eddy_received_records_total{function="f",version="1"} 100.0
            eddy_received_records_total{function="g",version="2"} 5.0
            eddy_invocations_total{function="f",outcome="failure",version="1"} 1.0
            eddy_invocations_total{function="f",outcome="success",version="1"} 99.0
            eddy_handler_duration_seconds_bucket{function="f",version="1",le="0.001"} 10.0
            eddy_handler_duration_seconds_bucket{function="f",version="1",le="0.01"} 10.0
            eddy_handler_duration_seconds_bucket{function="f",version="1",le="+Inf"} 10.0
            jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1.5E7
            """;

    private static final String NOW = """
            eddy_received_records_total{function="f",version="1"} 300.0
            eddy_received_records_total{function="g",version="2"} 5.0
            eddy_invocations_total{function="f",outcome="failure",version="1"} 5.0
            eddy_invocations_total{function="f",outcome="success",version="1"} 295.0
            eddy_handler_duration_seconds_bucket{function="f",version="1",le="0.001"} 60.0
            eddy_handler_duration_seconds_bucket{function="f",version="1",le="0.01"} 110.0
            eddy_handler_duration_seconds_bucket{function="f",version="1",le="+Inf"} 110.0
            eddy_consumer_lag_records{function="f",version="1"} 42.0
            a_label_with_a_quote{x="say \\"hi\\", then go"} 1.0
            """;

    @Test
    void shouldReadSamplesAndComputeRatesAndQuantilesOverTheInterval() {
        MetricsSnapshot earlier = MetricsSnapshot.parse(EARLIER, 0);
        MetricsSnapshot now = MetricsSnapshot.parse(NOW, 2_000_000_000L);
        assertEquals(List.of("f", "g"), now.functions());
        assertEquals(100.0, now.rate(earlier, "eddy_received_records_total", "f", Map.of()), 1e-9);
        assertEquals(0.0, now.rate(earlier, "eddy_received_records_total", "g", Map.of()), 1e-9);
        assertEquals(2.0, now.rate(earlier, "eddy_invocations_total", "f", Map.of("outcome", "failure")), 1e-9);
        assertEquals(42.0, now.sum("eddy_consumer_lag_records", "f", Map.of()), 1e-9);
        // 100 observations in the interval: 50 up to 1 ms, 50 between 1 and 10 ms.
        assertEquals(0.001, now.quantile(earlier, "eddy_handler_duration_seconds", "f", 0.5), 1e-9);
        assertEquals(0.001 + 0.009 * 49.0 / 50.0,
                now.quantile(earlier, "eddy_handler_duration_seconds", "f", 0.99), 1e-9);
        assertTrue(Double.isNaN(now.quantile(earlier, "eddy_handler_duration_seconds", "g", 0.5)));
        assertEquals("say \"hi\", then go", now.samples().stream()
                .filter(s -> s.name().equals("a_label_with_a_quote")).findFirst().orElseThrow().labels().get("x"));
    }
}
