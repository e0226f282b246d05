package dev.eddy.engine.cli;

import dev.eddy.cli.spi.DevTrigger;
import dev.eddy.cli.spi.DevTriggerProvider;
import dev.eddy.cli.spi.LocalEndpoints;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionStats;
import dev.eddy.engine.demo.LocalPlatform;
import dev.eddy.engine.deploy.AccessTokens;
import dev.eddy.engine.deploy.AdminServer;
import dev.eddy.observability.MetricsEndpoint;
import dev.eddy.observability.MetricsOptions;
import dev.eddy.schemas.registry.server.EmbeddedSchemaRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./eddy dev}: the local platform, without the demo's load, until Ctrl-C. */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = {"Runs the local platform until Ctrl-C.",
            "",
            "Starts a Kafka broker (its data kept between runs) and the engine with the sample "
            + "temperature-monitor function, and the admin API that ./eddy deploy, list, status, undeploy and"
            + " rollback talk to; prints the bootstrap address for any Kafka client and the admin token.",
            ""})
final class DevCommand implements Callable<Integer> {

    @Mixin
    MetricsOptions metrics;

    @Option(names = "--port", defaultValue = "9092", paramLabel = "<port>",
            description = "The broker's client port on 127.0.0.1; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    private int port;

    @Option(names = "--data-dir", paramLabel = "<dir>",
            description = "Where the broker keeps its data. Default: .eddy/dev in the Eddy directory.")
    private Path dataDir;

    @Option(names = "--fresh", description = "Delete the data of earlier runs first.")
    private boolean fresh;

    @Option(names = "--api-port", defaultValue = "8081", paramLabel = "<port>",
            description = "The admin API's port on 127.0.0.1 (./eddy deploy, list, status...); 0 picks a free one."
                    + " Default: ${DEFAULT-VALUE}.")
    private int apiPort;

    @Option(names = "--registry-port", defaultValue = "8085", paramLabel = "<port>",
            description = "The schema registry's port on 127.0.0.1 (Confluent Schema Registry API); 0 picks a free"
                    + " one. Default: ${DEFAULT-VALUE}.")
    private int registryPort;

    @Option(names = "--trigger", paramLabel = "<kind>=<file>",
            description = "Runs a trigger adapter in the platform (mqtt, http, logs, cdc, timer) from its configuration"
                    + " file, as './eddy trigger <kind> --config <file>' would; without a kafka section it gets the"
                    + " platform's broker and schema registry. Repeatable.")
    private java.util.List<String> triggers = new java.util.ArrayList<>();

    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65_535) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--port must be between 0 and 65535, was " + port);
        }
        Path dir = dataDir != null ? dataDir : Path.of(System.getProperty("eddy.home", "."), ".eddy", "dev");
        if (fresh) {
            deleteRecursively(dir);
        }
        Files.createDirectories(dir);
        Interruptible run = new Interruptible();
        java.util.Map<String, String> context = null;
        System.out.println("Starting the local platform…");
        String token = adminToken();
        PrometheusMeterRegistry meters = MetricsEndpoint.newRegistry();
        try (MetricsEndpoint endpoint = startMetrics(meters);
                LocalPlatform platform = LocalPlatform.start(dir, port, registryPort, meters);
                AccessTokens tokens = new AccessTokens(platform.engine().config(), platform.engine().admin());
                AdminServer api = new AdminServer("127.0.0.1", apiPort, token,
                        platform.engine().config().getLong(EngineConfig.API_MAX_UPLOAD_BYTES), platform.engine(),
                        platform.deployments(), tokens, null);
                AutoCloseable adapters = startTriggers(platform)) {
            int restored = platform.restored();
            if (endpoint != null) {
                endpoint.readiness(platform.engine()::problems);
            }
            context = context(platform, api, endpoint);
            CliContext.write(context);
            System.out.printf(Locale.ROOT, "%nEddy is running.%n"
                            + "  Kafka bootstrap servers  %s%n"
                            + "  admin API                http://127.0.0.1:%d (token %s, kept in %s)%n"
                            + "  schema registry          %s (Confluent API; schemas in topic %s)%n"
                            + "  metrics                  %s%n"
                            + "  function                 %s: %s → %s (+ alerts on %s)%n"
                            + "  deployed functions       %d restored (./eddy list shows them)%n"
                            + "  data                     %s (start with --fresh to empty it)%n%n"
                            + "Produce JSON readings such as {\"device\":\"d-1\",\"celsius\":80.5} to %s with any Kafka"
                            + " client,%nand read the results from %s and %s. Ctrl-C stops.%n%n",
                    platform.bootstrapServers(), api.port(), token, ApiClient.tokenFile(),
                    platform.schemaRegistry().url(), EmbeddedSchemaRegistry.TOPIC,
                    endpoint == null ? "none (--metrics-port -1)" : endpoint.url() + " (Prometheus)",
                    LocalPlatform.MONITOR,
                    LocalPlatform.TELEMETRY, LocalPlatform.READINGS, LocalPlatform.ALERTS, restored, dir,
                    LocalPlatform.TELEMETRY,
                    LocalPlatform.READINGS, LocalPlatform.ALERTS);
            long shown = -1;
            while (!run.stopSignal().await(2, TimeUnit.SECONDS)) {
                var monitor = platform.engine().function(LocalPlatform.MONITOR);
                if (monitor.isEmpty()) {
                    continue; // undeployed through the admin API
                }
                FunctionStats stats = monitor.get().stats();
                if (stats.received() != shown) {
                    shown = stats.received();
                    System.out.printf(Locale.ROOT, "%s: received %,d  processed %,d  failed %,d  emitted %,d%n",
                            LocalPlatform.MONITOR, stats.received(), stats.processed(), stats.failed(),
                            stats.emitted());
                }
            }
            System.out.println("Stopping…");
        } finally {
            if (context != null) {
                CliContext.remove(context);
            }
            run.done();
        }
        return 0;
    }

    /** What later commands need to reach this platform (see {@link CliContext}). */
    private static java.util.Map<String, String> context(LocalPlatform platform, AdminServer api,
            MetricsEndpoint endpoint) {
        java.util.Map<String, String> context = new java.util.LinkedHashMap<>();
        context.put(CliContext.API, "http://127.0.0.1:" + api.port());
        context.put(CliContext.BOOTSTRAP_SERVERS, platform.bootstrapServers());
        context.put(CliContext.SCHEMA_REGISTRY, platform.schemaRegistry().url());
        context.put(CliContext.TOKEN_FILE, ApiClient.tokenFile().toAbsolutePath().toString());
        if (endpoint != null) {
            context.put(CliContext.METRICS_URL, endpoint.url());
        }
        return context;
    }

    /** The adapters asked for with --trigger, from the trigger adapters' module on the class path. */
    private AutoCloseable startTriggers(LocalPlatform platform) {
        if (triggers.isEmpty()) {
            return () -> { };
        }
        java.util.List<DevTrigger> asked = new java.util.ArrayList<>();
        for (String trigger : triggers) {
            try {
                asked.add(DevTrigger.parse(trigger));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        DevTriggerProvider provider = java.util.ServiceLoader.load(DevTriggerProvider.class).findFirst()
                .orElseThrow(() -> new dev.eddy.engine.EddyException("--trigger needs the trigger adapters on the"
                        + " class path (run ./eddy from the Eddy directory)"));
        try {
            return provider.start(asked, new LocalEndpoints(platform.bootstrapServers(),
                    platform.schemaRegistry().url()), platform.engine().meterRegistry(), System.out);
        } catch (RuntimeException e) {
            throw new dev.eddy.engine.EddyException("A trigger adapter could not start: " + e.getMessage(), e);
        }
    }

    /** $EDDY_TOKEN, else the token of earlier runs, else a new one; kept where the CLI looks for it. */
    private static String adminToken() throws java.io.IOException {
        String env = System.getenv("EDDY_TOKEN");
        Path file = ApiClient.tokenFile();
        String token = env != null && env.trim().length() >= 16 ? env.trim()
                : Files.exists(file) ? Files.readString(file).trim() : AdminServer.newToken();
        if (token.length() < 16) {
            token = AdminServer.newToken();
        }
        Files.createDirectories(file.getParent());
        Files.writeString(file, token + "\n");
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the file keeps its default permissions
        }
        return token;
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** The Prometheus endpoint, unless --metrics-port is -1. */
    private MetricsEndpoint startMetrics(PrometheusMeterRegistry meters) {
        try {
            return metrics.start(meters, MetricsEndpoint.ENGINE_PORT);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
