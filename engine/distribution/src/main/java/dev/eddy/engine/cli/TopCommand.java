package dev.eddy.engine.cli;

import dev.eddy.engine.EddyException;
import dev.eddy.engine.telemetry.MetricsSnapshot;
import dev.eddy.observability.EddyMeter;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./eddy top}: a live view of an engine's functions, from its Prometheus endpoint. */
@Command(name = "top", mixinStandardHelpOptions = true,
        description = {"Shows an engine's functions live, refreshed every interval: records in and out per second,"
                + " handler latency p50/p99 and end-to-end p99 over the interval, consumer lag (records, seconds),"
                + " failed calls and dead letters per second, calls running of the most allowed, records in flight.",
            ""})
final class TopCommand implements Callable<Integer> {

    @Option(names = "--metrics-url", defaultValue = "http://127.0.0.1:9404/metrics", paramLabel = "<url>",
            description = "The engine's metrics endpoint. Default: the running ./eddy dev's"
                    + " (.eddy/context.properties), else http://127.0.0.1:9404/metrics; now ${DEFAULT-VALUE}.")
    URI url;

    @Option(names = "--interval", defaultValue = "2s", converter = DurationConverter.class, paramLabel = "<duration>",
            description = "How often to refresh. Default: ${DEFAULT-VALUE}.")
    Duration interval;

    @Option(names = "--once", description = "Print one view (over one interval) and stop, without clearing the"
            + " screen.")
    boolean once;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final HttpClient http = HttpClient.newHttpClient();

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        MetricsSnapshot earlier = scrape(); // an engine that is not there at the start: the URL is likely wrong
        while (true) {
            Thread.sleep(interval.toMillis()); // the interval the user asked for, between two scrapes
            MetricsSnapshot now;
            try {
                now = scrape();
            } catch (EddyException away) {
                if (once) {
                    throw away;
                }
                // The engine restarts, or is away for a while: say so, and try again each interval.
                out.print("\033[H\033[2J");
                out.printf(Locale.ROOT, "eddy top — %s%n%n%s%nTrying again every %s; Ctrl-C stops.%n", url,
                        away.getMessage(), interval);
                out.flush();
                earlier = null;
                continue;
            }
            if (earlier == null || restarted(earlier, now)) {
                earlier = now; // counters started again from zero: rates need a second view of the new engine
                continue;
            }
            if (!once) {
                out.print("\033[H\033[2J");
            }
            out.print(view(earlier, now, url));
            out.flush();
            if (once) {
                return 0;
            }
            earlier = now;
        }
    }

    /** Whether the engine restarted between two views: a function's count of received records went down. */
    static boolean restarted(MetricsSnapshot earlier, MetricsSnapshot now) {
        for (String function : now.functions()) {
            if (now.sum(EddyMeter.RECORDS_RECEIVED.prometheusName(), function, Map.of())
                    < earlier.sum(EddyMeter.RECORDS_RECEIVED.prometheusName(), function, Map.of())) {
                return true;
            }
        }
        return false;
    }

    private MetricsSnapshot scrape() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new EddyException("The metrics endpoint " + url + " answered " + response.statusCode());
            }
            return MetricsSnapshot.parse(response.body(), System.nanoTime());
        } catch (IOException e) {
            throw new EddyException("Cannot read the metrics endpoint " + url + " (" + e.getMessage() + "): is an"
                    + " engine running there? Give another with --metrics-url", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EddyException("Interrupted", e);
        }
    }

    /** The table of functions over the time between two snapshots. */
    static String view(MetricsSnapshot earlier, MetricsSnapshot now, URI source) {
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "eddy top — %s%n%n", source));
        text.append(String.format(Locale.ROOT, "%-28s %10s %10s %9s %9s %9s %10s %8s %8s %8s %9s %9s%n",
                "FUNCTION", "IN/s", "OUT/s", "p50 ms", "p99 ms", "e2e p99", "LAG", "LAG s", "FAIL/s", "DLQ/s",
                "RUNNING", "IN FLIGHT"));
        Map<String, String> any = Map.of();
        List<String> functions = now.functions();
        for (String function : functions) {
            double max = now.sum(EddyMeter.MAX_CONCURRENCY.prometheusName(), function, any);
            double running = now.sum(EddyMeter.CONCURRENCY.prometheusName(), function, any);
            text.append(String.format(Locale.ROOT,
                    "%-28s %,10.0f %,10.0f %9s %9s %9s %,10.0f %8.1f %8.1f %8.1f %9s %,9.0f%n",
                    function.length() > 28 ? function.substring(0, 27) + "…" : function,
                    now.rate(earlier, EddyMeter.RECORDS_RECEIVED.prometheusName(), function, any),
                    now.rate(earlier, EddyMeter.EMITS.prometheusName(), function, any),
                    millis(now.quantile(earlier, EddyMeter.HANDLER_DURATION.prometheusName(), function, 0.5)),
                    millis(now.quantile(earlier, EddyMeter.HANDLER_DURATION.prometheusName(), function, 0.99)),
                    millis(now.quantile(earlier, EddyMeter.END_TO_END_LATENCY.prometheusName(), function, 0.99)),
                    now.sum(EddyMeter.CONSUMER_LAG.prometheusName(), function, any),
                    now.sum(EddyMeter.CONSUMER_LAG_SECONDS.prometheusName(), function, any),
                    now.rate(earlier, EddyMeter.INVOCATIONS.prometheusName(), function, Map.of("outcome", "failure")),
                    now.rate(earlier, EddyMeter.DEAD_LETTERED.prometheusName(), function, any),
                    String.format(Locale.ROOT, "%.0f/%.0f", running, max),
                    now.sum(EddyMeter.IN_FLIGHT.prometheusName(), function, any)));
        }
        if (functions.isEmpty()) {
            text.append("(no functions deployed)\n");
        }
        return text.toString();
    }

    private static String millis(double seconds) {
        return Double.isNaN(seconds) ? "-" : String.format(Locale.ROOT, "%.2f", seconds * 1000);
    }
}
