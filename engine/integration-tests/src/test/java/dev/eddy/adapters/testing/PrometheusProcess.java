package dev.eddy.adapters.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server of the test's own, as a process on a free port of 127.0.0.1 scraping the given targets
 * every second, with its HTTP API for queries. Debian's {@code prometheus} package is installed first when the
 * machine has no Prometheus. Stopped by PID.
 */
public final class PrometheusProcess implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] BINARIES = {"/usr/bin/prometheus", "/usr/local/bin/prometheus"};

    private final Process process;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    private PrometheusProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** @param targets {@code job → host:port} of the /metrics endpoints to scrape */
    public static PrometheusProcess start(Path dir, java.util.Map<String, String> targets)
            throws IOException, InterruptedException {
        String binary = binary();
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Files.createDirectories(dir);
        StringBuilder config = new StringBuilder("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                + "scrape_configs:\n");
        targets.forEach((job, target) -> config.append("  - job_name: ").append(job).append('\n')
                .append("    static_configs:\n      - targets: [\"").append(target).append("\"]\n"));
        Path file = dir.resolve("prometheus.yml");
        Files.writeString(file, config);
        Process process = new ProcessBuilder(binary, "--config.file=" + file,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        PrometheusProcess prometheus = new PrometheusProcess(process, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited at start; see " + dir.resolve("prometheus.log"));
            }
            if (prometheus.ready()) {
                return prometheus;
            }
            process.waitFor(100, TimeUnit.MILLISECONDS);
        }
        prometheus.close();
        throw new IllegalStateException("prometheus was not ready on " + port + " within 30 s; see "
                + dir.resolve("prometheus.log"));
    }

    private boolean ready() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base() + "/-/ready")).timeout(Duration.ofSeconds(2))
                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The Prometheus binary, which {@code ./eddy test} installs (Debian's package) where there is none. */
    private static String binary() {
        for (String candidate : BINARIES) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("Prometheus is not installed (looked for " + String.join(", ", BINARIES)
                + "): run the tests with ./eddy test, which installs it, or install Debian's prometheus package");
    }

    private String base() {
        return "http://127.0.0.1:" + port;
    }

    /** The {@code data} of an API call, e.g. {@code query?query=up}; fails on anything but status success. */
    public JsonNode api(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/" + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(response.body());
        if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new IllegalStateException("Prometheus answered " + response.statusCode() + " to " + path + ": "
                    + response.body());
        }
        return body.get("data");
    }

    /** An instant query's result vector. */
    public JsonNode query(String promql) throws IOException, InterruptedException {
        return api("query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).get("result");
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
