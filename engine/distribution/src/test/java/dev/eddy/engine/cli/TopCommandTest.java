package dev.eddy.engine.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.eddy.engine.telemetry.MetricsSnapshot;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code ./eddy top} through an engine's restart: it waits for the engine and goes on, rather than exiting. */
class TopCommandTest {

    private static String metrics(long received) {
        return "# TYPE eddy_received_records_total counter\n"
                + "eddy_received_records_total{function=\"f\",version=\"1\"} " + received + "\n";
    }

    @Test
    void shouldTellARestartFromCountersThatGoDown() {
        MetricsSnapshot before = MetricsSnapshot.parse(metrics(1_000), 0);
        assertFalse(TopCommand.restarted(before, MetricsSnapshot.parse(metrics(1_500), 1_000_000_000L)));
        assertTrue(TopCommand.restarted(before, MetricsSnapshot.parse(metrics(20), 1_000_000_000L)));
    }

    @Test
    void shouldWaitForAnEngineThatGoesAwayAndGoOnWhenItIsBack() throws Exception {
        AtomicInteger scrapes = new AtomicInteger();
        HttpServer engine = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        engine.createContext("/metrics", exchange -> {
            int scrape = scrapes.incrementAndGet();
            // Up, then away for two scrapes (the restart), then back with counters from zero.
            byte[] body = metrics(scrape <= 2 ? 100L * scrape : 10L * scrape).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(scrape == 3 || scrape == 4 ? 503 : 200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        engine.start();
        StringWriter printed = new StringWriter();
        Thread top = Thread.ofVirtual().start(() -> new CommandLine(new TopCommand())
                .setOut(new PrintWriter(printed, true)).execute("--metrics-url",
                        "http://127.0.0.1:" + engine.getAddress().getPort() + "/metrics", "--interval", "50ms"));
        try {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (scrapes.get() < 8 && System.nanoTime() < deadline) {
                top.join(20); // waiting for the scrapes, with a deadline
            }
            assertTrue(top.isAlive(), "top still runs after the engine was away:\n" + printed);
            String output = printed.toString();
            assertTrue(output.contains("answered 503"), output);
            assertTrue(output.contains("Trying again every"), output);
            assertTrue(output.lastIndexOf("FUNCTION") > output.indexOf("Trying again"), "the view is back:\n"
                    + output);
            assertFalse(java.util.regex.Pattern.compile(" -[0-9]").matcher(output).find(),
                    "no negative rate across the restart:\n" + output);
        } finally {
            top.interrupt();
            engine.stop(0);
        }
    }
}
