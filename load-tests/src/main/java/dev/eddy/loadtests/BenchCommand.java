package dev.eddy.loadtests;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.eddy.engine.Ordering;
import dev.eddy.engine.local.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./eddy bench <scenario>}: measures a scenario against its raw-Kafka baseline and writes the figures. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures Eddy against a raw Kafka baseline in the same run.",
            "",
            "Starts a Kafka broker on this machine, runs the scenario's baseline and Eddy over the same records "
            + "(warm-up pairs, then measured pairs in alternating order), prints a summary and writes "
            + "load-tests/results/<scenario>.json.",
            "",
            "Scenarios:",
            "  dispatch-noop  no-op handler vs a raw poll loop (target 0.9)",
            "  passthrough    emit every record vs a raw consume→produce loop (target 0.85)",
            "  io-bound       20 ms handler, KEY order vs one record at a time per partition (target 100)",
            "  eos-passthrough exactly-once copy vs Kafka Streams exactly_once_v2 (target 1.0)",
            "  e2e-latency    produce → handler start at 5,000/s vs raw produce → poll (p99 ≤ 20 ms)",
            "  stateful-counter state += 1 per event, state in Kafka, vs the stateless pass-through (target 0.7)",
            "  cold-start     a function at zero woken by one record vs a raw consumer started for it (p50 ≤ 200 ms)",
            "  scale-out      a burst on one worker: burst → an added worker completing records, vs a raw consumer"
                    + " added at the burst (≤ 5 s)",
            "  idle-density   1,000 functions deployed at zero: heap and CPU, vs an idle raw consumer per function"
                    + " (< 512 MB, < 2 %% of a core)",
            "  remote-passthrough Python and Node.js functions run by Eddy (batches) vs the Java handler, same run",
            ""})
public final class BenchCommand implements Callable<Integer> {

    static final List<Scenario> SCENARIOS = List.of(new DispatchNoop(), new Passthrough(), new IoBound(),
            new EosPassthrough(), new EndToEndLatency(), new StatefulCounter(), new ColdStart(), new ScaleOut(),
            new IdleDensity(), new WindowedCount(), new RemotePassthrough());

    @Parameters(index = "0", paramLabel = "<scenario>", description = "The scenario to run (see above).")
    private String scenarioName;

    @Option(names = "--records", paramLabel = "<n>",
            description = "Records per run. Default: the scenario's (2,000,000 for the throughput scenarios).")
    private Integer requestedRecords;
    private int records;

    @Option(names = "--runs", defaultValue = "5", paramLabel = "<n>",
            description = "Measured runs of each side, after the warm-ups. Default: ${DEFAULT-VALUE}.")
    private int runs;

    @Option(names = "--warm-ups", paramLabel = "<n>",
            description = "Runs of each side before the measured ones (the JIT compiling, the broker's caches)."
                    + " Default: 10 for the scenarios whose runs last a second or two, 4 for the others.")
    private Integer requestedWarmUps;
    private int warmUps;

    @Option(names = "--ordering", defaultValue = "KEY", paramLabel = "<order>",
            description = "Eddy's ordering: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    private Ordering ordering;

    @Option(names = "--max-concurrency", paramLabel = "<n>",
            description = "Eddy's max concurrency per function. Default: the scenario's, else the function default.")
    private Integer maxConcurrency;

    @Option(names = "--set", paramLabel = "<key=value>",
            description = "An engine setting for both sides, e.g. consumer.max.poll.records=1000 (repeatable).")
    private Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--results-dir", paramLabel = "<dir>",
            description = "Where the JSON goes. Default: load-tests/results in the Eddy directory.")
    private Path resultsDir;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Scenario scenario = SCENARIOS.stream().filter(s -> s.name().equals(scenarioName)).findFirst()
                .orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(), "Unknown scenario '"
                        + scenarioName + "'; the scenarios are " + SCENARIOS.stream().map(Scenario::name)
                        .collect(Collectors.joining(", "))));
        records = requestedRecords != null ? requestedRecords : scenario.defaultRecords();
        if (records < scenario.minRecords()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--records must be at least "
                    + scenario.minRecords() + " for " + scenario.name() + ", was " + records);
        }
        if (runs < 1 || runs > 20) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--runs must be between 1 and 20, was " + runs);
        }
        warmUps = requestedWarmUps != null ? requestedWarmUps : scenario.defaultWarmUps();
        if (warmUps < 0 || warmUps > 20) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--warm-ups must be between 0 and 20, was " + warmUps);
        }
        System.out.printf(Locale.ROOT, "Benchmark %s: %s; %,d records, %d warm-up and %d measured runs each.%n",
                scenario.name(), scenario.description(), records, warmUps, runs);
        ScenarioResult result;
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary();
                BenchContext context = new BenchContext(kafka, settings, ordering, maxConcurrency, records, runs,
                        warmUps, System.out)) {
            result = scenario.run(context);
        }
        Path file = write(scenario, result);
        System.out.printf(Locale.ROOT, "%n%s%n  Eddy      %s   (%s)%n  baseline  %s   (%s)%n"
                        + "  ratio     %12.3f%s%nWritten to %s%n",
                scenario.name(), headline(result.eddy()), result.eddy().get("what"),
                headline(result.baseline()), result.baseline().get("what"), result.ratio(),
                Double.isNaN(scenario.target()) ? "" : String.format(Locale.ROOT, "   (target %s %.2f: %s)",
                        scenario.lowerIsBetter() ? "≤" : "≥", scenario.target(), met(scenario, result) ? "met" : "NOT met"),
                file);
        return 0;
    }

    /** The main figure of a side: its throughput, its reaction time, its idle cost, or its latency percentiles. */
    private static String headline(Map<String, Object> figures) {
        if (figures.containsKey("records_per_sec")) {
            return String.format(Locale.ROOT, "%,12d records/s", (Long) figures.get("records_per_sec"));
        }
        if (figures.containsKey("reaction_s")) {
            return String.format(Locale.ROOT, "reaction %s s (median), %s s at most", figures.get("reaction_s"),
                    figures.get("max_s"));
        }
        if (figures.containsKey("heap_mb")) {
            return String.format(Locale.ROOT, "heap %s MB, CPU %s %% of a core", figures.get("heap_mb"),
                    figures.get("cpu_pct"));
        }
        return String.format(Locale.ROOT, "p50 %s ms, p99 %s ms, p99.9 %s ms", figures.get("p50_ms"),
                figures.get("p99_ms"), figures.get("p999_ms"));
    }

    private static boolean met(Scenario scenario, ScenarioResult result) {
        return scenario.lowerIsBetter() ? result.ratio() <= scenario.target() : result.ratio() >= scenario.target();
    }

    private Path write(Scenario scenario, ScenarioResult result) throws java.io.IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("scenario", scenario.name());
        json.put("description", scenario.description());
        json.put("records", records);
        json.put("runs", runs);
        json.put("warm_ups", warmUps);
        json.put("eddy", result.eddy());
        json.put("baseline", result.baseline());
        json.put("ratio", Math.round(result.ratio() * 1000) / 1000.0);
        json.put("target", Double.isNaN(scenario.target()) ? null : scenario.target());
        Map<String, Object> allSettings = new LinkedHashMap<>(result.settings());
        allSettings.put("ordering", ordering.name());
        allSettings.putAll(settings);
        json.put("settings", allSettings);
        json.put("jdk", Runtime.version().toString());
        json.put("cores", Runtime.getRuntime().availableProcessors());
        json.put("timestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        Path dir = resultsDir != null ? resultsDir
                : Path.of(System.getProperty("eddy.home", "."), "load-tests", "results");
        Files.createDirectories(dir);
        Path file = dir.resolve(scenario.name() + ".json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
        return file;
    }
}
