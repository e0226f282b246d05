package dev.eddy.adapters.observability;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eddy.adapters.http.HttpAdapter;
import dev.eddy.adapters.testing.AdapterConfigs;
import dev.eddy.adapters.testing.PrometheusProcess;
import dev.eddy.engine.Engine;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.RetryPolicy;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.observability.EddyMeter;
import dev.eddy.observability.MetricsEndpoint;
import dev.eddy.schemas.registry.server.EmbeddedSchemaRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard in {@code deploy/grafana} against a real Prometheus: an engine runs a function (a few of
 * whose records fail and are dead-lettered) behind the HTTP trigger adapter under steady load; Prometheus scrapes
 * both endpoints; then every query of every panel, and every template variable's metric, is evaluated through
 * Prometheus' HTTP API. Each must return data, and every metric a panel names must be one the engine or the adapter
 * exports. Last, the counts Prometheus holds are compared with the events the adapter accepted.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class DashboardIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DASHBOARD = Path.of(System.getProperty("user.dir")).getParent().getParent()
            .resolve("deploy/grafana/dashboards/eddy.json");
    /** A metric selector or a range vector: the name before its labels. */
    private static final Pattern METRIC = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(([a-zA-Z_:][a-zA-Z0-9_:]*),");
    private static final int BATCH = 10;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldAnswerEveryPanelOfTheDashboardFromWhatTheEngineAndTheAdapterExport(TestKafka kafka,
            @TempDir Path dir) throws Exception {
        String input = kafka.newTopic("dash-in", 3);
        String output = kafka.newTopic("dash-out", 3);
        PrometheusMeterRegistry engineMeters = MetricsEndpoint.newRegistry();
        PrometheusMeterRegistry adapterMeters = MetricsEndpoint.newRegistry();
        // Keyed state (each key's records counted) and failures, so that the state and dead-letter panels have data;
        // a second function scaled to zero and woken, for the cold-start panel.
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("dash"))
                .input(input).output(output)
                .retry(RetryPolicy.attempts(2).withBackoff(Duration.ofMillis(10), Duration.ofMillis(10)))
                .handler(new dev.eddy.sdk.Handler() {
                    private final dev.eddy.engine.testing.CountingHandler counting =
                            new dev.eddy.engine.testing.CountingHandler();

                    @Override
                    public List<dev.eddy.sdk.StateSpec> state() {
                        return counting.state();
                    }

                    @Override
                    public void handle(dev.eddy.sdk.Event event, dev.eddy.sdk.Context context) {
                        if (Math.floorMod(Arrays.hashCode(event.value()), 25) == 0) {
                            throw new IllegalArgumentException("one in 25 records fails, every time");
                        }
                        counting.handle(event, context);
                        context.emit(event);
                    }
                }).build();
        String sleeperInput = kafka.newTopic("sleeper-in", 1);
        FunctionDefinition sleeper = FunctionDefinition.builder(kafka.uniqueName("sleeper")).input(sleeperInput)
                .scaleToZero(Duration.ofSeconds(1)).handler((event, context) -> { }).build();
        // A windowed function over keyed readings, closing a window per key every second, and one reading late.
        String readings = kafka.newTopic("dash-readings", 2);
        FunctionDefinition windowed = FunctionDefinition.builder(kafka.uniqueName("dash-windows"))
                .input(readings).output(kafka.newTopic("dash-windows-out", 2))
                .windowed(dev.eddy.sdk.window.WindowedFunction.of(dev.eddy.sdk.Codec.bytes(),
                        dev.eddy.sdk.window.Window.tumbling(Duration.ofSeconds(1)),
                        dev.eddy.sdk.window.Aggregate.count()))
                .build();
        AtomicBoolean loading = new AtomicBoolean(true);
        AtomicLong accepted = new AtomicLong();
        try (EmbeddedSchemaRegistry registry = AdapterConfigs.registry(kafka);
                MetricsEndpoint engineEndpoint = MetricsEndpoint.start("127.0.0.1", 0, engineMeters, "port");
                MetricsEndpoint adapterEndpoint = MetricsEndpoint.start("127.0.0.1", 0, adapterMeters, "port");
                Engine engine = new Engine(kafka.engineConfig(Map.of()), engineMeters)) {
            RunningFunction running = engine.deploy(function);
            RunningFunction sleeping = engine.deploy(sleeper);
            engine.deploy(windowed);
            await("the sleeper to scale to zero").atMost(Duration.ofSeconds(30))
                    .until(() -> sleeping.state() == dev.eddy.engine.FunctionState.IDLE);
            kafka.produce(List.of(new org.apache.kafka.clients.producer.ProducerRecord<>(sleeperInput,
                    "k".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "wake".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
            await("the sleeper to wake").atMost(Duration.ofSeconds(30)).until(() -> sleeping.coldStarts() == 1);
            try (HttpAdapter adapter = AdapterConfigs.httpAdapter(kafka, registry, input, adapterMeters);
                    PrometheusProcess prometheus = PrometheusProcess.start(dir.resolve("prometheus"), Map.of(
                            "eddy-engine", "127.0.0.1:" + engineEndpoint.port(),
                            "eddy-adapters", "127.0.0.1:" + adapterEndpoint.port()))) {
                String url = "http://127.0.0.1:" + adapter.address().getPort() + "/v1/events/" + input + "/batch";
                org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> readingsProducer =
                        new org.apache.kafka.clients.producer.KafkaProducer<>(
                                dev.eddy.engine.kafka.ClientConfigs.producer(kafka.engineConfig(Map.of()), "dash"));
                Thread load = Thread.ofPlatform().name("dashboard-load").start(() -> {
                    long n = 0;
                    while (loading.get()) {
                        // now and then one a minute late, once the partitions' time has gone past its window
                        long lateBy = n % 1000 == 990 ? 60_000 : 0; // n goes up by a batch
                        readingsProducer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(readings, null,
                                System.currentTimeMillis() - lateBy, bytes("d-" + n % 10), bytes("r")));
                        StringBuilder batch = new StringBuilder("[");
                        for (int i = 0; i < BATCH; i++) {
                            batch.append(i == 0 ? "" : ",").append("{\"device\":\"d-").append(n % 40)
                                    .append("\",\"n\":").append(n++).append('}');
                        }
                        if (post(url, batch.append(']').toString()) == 202) {
                            accepted.addAndGet(BATCH);
                        }
                    }
                });

                List<Query> queries = queries(JSON.readTree(DASHBOARD.toFile()));
                assertTrue(queries.size() >= 20, "the dashboard's queries: " + queries.size());
                await("every panel's query to return data").atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                            Map<String, String> problems = new LinkedHashMap<>();
                            for (Query query : queries) {
                                String problem = problem(prometheus, query);
                                if (problem != null) {
                                    problems.put(query.panel() + ": " + query.promql(), problem);
                                }
                            }
                            assertTrue(problems.isEmpty(), "queries without data: " + problems);
                        });

                Set<String> exported = new HashSet<>();
                prometheus.api("label/__name__/values").forEach(name -> exported.add(name.asText()));
                Set<String> catalogued = new HashSet<>();
                for (EddyMeter meter : EddyMeter.values()) {
                    catalogued.add(meter.prometheusName());
                    catalogued.add(meter.prometheusName() + "_bucket");
                }
                for (Query query : queries) {
                    for (String metric : query.metrics()) {
                        assertTrue(exported.contains(metric), query.panel() + " names " + metric
                                + ", which neither the engine nor the adapter exports");
                        assertTrue(!metric.startsWith("eddy_") || catalogued.contains(metric),
                                query.panel() + " names " + metric + ", which is not in the meter catalogue");
                    }
                }

                // ./eddy top reads the same endpoint: the function shows, with records coming in.
                java.io.StringWriter top = new java.io.StringWriter();
                picocli.CommandLine cli = dev.eddy.engine.cli.EddyCli.commandLine();
                cli.setOut(new java.io.PrintWriter(top, true));
                assertEquals(0, cli.execute("top", "--once", "--interval", "1s", "--metrics-url",
                        engineEndpoint.url()));
                String row = top.toString().lines().filter(line -> line.startsWith(function.name())).findFirst()
                        .orElseThrow(() -> new AssertionError("./eddy top does not show the function:\n" + top));
                assertTrue(Double.parseDouble(row.substring(function.name().length()).trim().split("\\s+")[0]
                        .replace(",", "")) > 0, "records come in: " + row);

                loading.set(false);
                load.join();
                readingsProducer.close();
                long events = accepted.get();
                assertTrue(events > 0);
                String dash = "{function=\"" + function.name() + "\"}"; // not the sleeper's
                await("the function to have handled or dead-lettered every accepted event")
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> running.stats().succeeded() + running.stats().deadLettered() >= events);
                await("Prometheus to have scraped the final counts").atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> scalar(prometheus, "sum(eddy_adapter_published_events_total)") == events
                                && scalar(prometheus, "sum(eddy_received_records_total" + dash + ")") == events
                                // a record is received before it is handled: a scrape in between has it received
                                && scalar(prometheus, "sum(eddy_invocations_total{outcome=\"success\","
                                        + dash.substring(1) + ")") == running.stats().succeeded()
                                && scalar(prometheus, "sum(eddy_dead_lettered_records_total" + dash + ")")
                                        == running.stats().deadLettered());
                long deadLettered = scalar(prometheus, "sum(eddy_dead_lettered_records_total" + dash + ")");
                long succeeded = scalar(prometheus, "sum(eddy_invocations_total{outcome=\"success\","
                        + dash.substring(1) + ")");
                assertEquals(running.stats().deadLettered(), deadLettered);
                assertTrue(deadLettered > 0, "one in 25 records is dead-lettered");
                assertEquals(events, succeeded + deadLettered, "every record is handled or dead-lettered");
                assertEquals(succeeded, scalar(prometheus, "sum(eddy_emitted_records_total" + dash + ")"));
            } finally {
                loading.set(false);
            }
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** One query of a panel (or of a template variable), with the dashboard's variables filled in. */
    private record Query(String panel, String promql, List<String> metrics) {
    }

    private static List<Query> queries(JsonNode dashboard) {
        List<Query> queries = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.path("targets")) { // a row has none
                String expr = target.get("expr").asText();
                String promql = expr.replace("$__rate_interval", "10s").replace("$function", ".*")
                        .replace("$adapter", ".*");
                queries.add(new Query(panel.get("title").asText(), promql, names(METRIC, expr)));
            }
        }
        for (JsonNode variable : dashboard.get("templating").get("list")) {
            String definition = variable.path("definition").asText("");
            Matcher matcher = LABEL_VALUES.matcher(definition);
            if (matcher.find()) {
                queries.add(new Query("variable " + variable.get("name").asText(), matcher.group(1),
                        List.of(matcher.group(1))));
            }
        }
        return queries;
    }

    private static List<String> names(Pattern pattern, String expr) {
        List<String> names = new ArrayList<>();
        Matcher matcher = pattern.matcher(expr);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        assertFalse(names.isEmpty(), "no metric found in " + expr);
        return names;
    }

    /** What is wrong with a query's answer now, or null when it returns at least one number. */
    private static String problem(PrometheusProcess prometheus, Query query) throws Exception {
        JsonNode result = prometheus.query(query.promql());
        if (result.isEmpty()) {
            return "no data";
        }
        for (JsonNode series : result) {
            double value = Double.parseDouble(series.get("value").get(1).asText());
            if (Double.isFinite(value)) {
                return null;
            }
        }
        return "only NaN: " + result;
    }

    private static long scalar(PrometheusProcess prometheus, String promql) throws Exception {
        JsonNode result = prometheus.query(promql);
        return result.isEmpty() ? -1 : Math.round(Double.parseDouble(result.get(0).get("value").get(1).asText()));
    }

    private int post(String url, String body) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static {
        if (!Files.exists(DASHBOARD)) {
            throw new IllegalStateException("no dashboard at " + DASHBOARD);
        }
    }
}
