package dev.eddy.observability;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.eddy.observability.http.HttpExchanges;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The Prometheus scrape endpoint of an engine or a standalone trigger adapter: {@code GET /metrics} in Prometheus'
 * text format, with the JVM's meters bound beside Eddy's; and its probes for an orchestrator: {@code GET
 * /health/live} (200 while the process serves) and {@code GET /health/ready} (200 once it is ready and while its
 * readiness check finds nothing wrong, else 503 with what is wrong, a line each). It has no token (scrapers and
 * probes rarely carry one): it listens on 127.0.0.1 unless told otherwise.
 */
public final class MetricsEndpoint implements AutoCloseable {

    /** The engine's port unless set. */
    public static final int ENGINE_PORT = 9404;
    /** A standalone trigger adapter's port unless set. */
    public static final int ADAPTER_PORT = 9405;

    private final PrometheusMeterRegistry registry;
    private final HttpServer server;
    private final ExecutorService threads;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    /** What is wrong now, a line each; none: ready. Until told, the process is starting. */
    private volatile java.util.function.Supplier<java.util.List<String>> readiness =
            () -> java.util.List.of("starting");

    private MetricsEndpoint(PrometheusMeterRegistry registry, HttpServer server, ExecutorService threads) {
        this.registry = registry;
        this.server = server;
        this.threads = threads;
    }

    /** A registry for Eddy's meters, with the JVM's bound. */
    public static PrometheusMeterRegistry newRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return registry;
    }

    /**
     * Serves the registry's meters at {@code http://host:port/metrics}.
     *
     * @param port 0 picks a free one
     * @throws IllegalArgumentException when the port cannot be had, saying which and why
     */
    public static MetricsEndpoint start(String host, int port, PrometheusMeterRegistry registry, String option) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (BindException e) {
            throw new IllegalArgumentException("The metrics endpoint cannot listen on " + host + ":" + port + " ("
                    + e.getMessage() + "); give another port with " + option + " (0 for any free one, -1 for none)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ExecutorService threads = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("eddy-metrics").daemon().factory());
        MetricsEndpoint endpoint = new MetricsEndpoint(registry, server, threads);
        endpoint.gc.bindTo(registry);
        server.createContext("/metrics", endpoint::scrape);
        server.createContext("/health/live", exchange -> endpoint.probe(exchange, java.util.List.of()));
        server.createContext("/health/ready", exchange -> endpoint.probe(exchange, endpoint.problems()));
        server.setExecutor(threads);
        server.start();
        return endpoint;
    }

    private void scrape(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (onlyGet(exchange)) {
                HttpExchanges.send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
                        registry.scrape().getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /** Whether the request is a GET; answers 405 to any other. */
    private static boolean onlyGet(HttpExchange exchange) throws IOException {
        if ("GET".equals(exchange.getRequestMethod())) {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", "GET");
        HttpExchanges.refuse(exchange, 405, null, new byte[0]);
        return false;
    }

    /**
     * From now on, {@code /health/ready} answers from this check: what is wrong, a line each (none: ready). It is
     * called at each probe, on the endpoint's thread.
     */
    public void readiness(java.util.function.Supplier<java.util.List<String>> problems) {
        this.readiness = problems;
    }

    private java.util.List<String> problems() {
        try {
            return readiness.get();
        } catch (RuntimeException e) {
            return java.util.List.of("the readiness check failed: " + e);
        }
    }

    private void probe(HttpExchange exchange, java.util.List<String> problems) throws IOException {
        try (exchange) {
            if (onlyGet(exchange)) {
                HttpExchanges.send(exchange, problems.isEmpty() ? 200 : 503, "text/plain; charset=utf-8",
                        ((problems.isEmpty() ? "ok" : String.join("\n", problems)) + "\n")
                                .getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Where Prometheus scrapes it. */
    public String url() {
        return "http://" + server.getAddress().getHostString() + ":" + port() + "/metrics";
    }

    @Override
    public String toString() {
        return "metrics at " + url();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
        gc.close();
    }
}
