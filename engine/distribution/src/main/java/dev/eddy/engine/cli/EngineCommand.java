package dev.eddy.engine.cli;

import dev.eddy.engine.Engine;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.deploy.AccessTokens;
import dev.eddy.engine.deploy.AdminServer;
import dev.eddy.engine.deploy.Deployments;
import dev.eddy.engine.deploy.FunctionStore;
import dev.eddy.engine.manifest.FunctionFactory;
import dev.eddy.observability.MetricsEndpoint;
import dev.eddy.observability.MetricsOptions;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./eddy engine}: an engine on any Kafka cluster that runs what is deployed to it, until SIGTERM. */
@Command(name = "engine", mixinStandardHelpOptions = true,
        description = {"Runs an engine on a Kafka cluster with its admin API, until SIGTERM or Ctrl-C.",
            "",
            "It starts the functions kept in the cluster's function store (eddy.functions), and takes deploys,",
            "updates, rollbacks and undeploys through its admin API (./eddy deploy --api ...). The API needs",
            "a token: $EDDY_TOKEN or --token-file; the engine does not start without one.",
            ""})
final class EngineCommand implements Callable<Integer> {

    @Mixin
    MetricsOptions metrics;

    @Option(names = "--bootstrap-servers", required = true, paramLabel = "<host:port,...>",
            description = "The Kafka cluster.")
    String bootstrapServers;

    @Option(names = "--api-host", defaultValue = "127.0.0.1", paramLabel = "<address>",
            description = "The address the admin API listens on. Default: ${DEFAULT-VALUE}.")
    String apiHost;

    @Option(names = "--api-port", defaultValue = "8081", paramLabel = "<port>",
            description = "The admin API's port. Default: ${DEFAULT-VALUE}.")
    int apiPort;

    @Option(names = "--token-file", paramLabel = "<file>",
            description = "A file holding the admin token (at least 16 characters). Default: $EDDY_TOKEN.")
    Path tokenFile;

    @Option(names = "--work-dir", defaultValue = ".eddy/engine", paramLabel = "<dir>",
            description = "Where the jars of deployed functions are kept while they run. Default: ${DEFAULT-VALUE}.")
    Path workDir;

    @Option(names = "--set", paramLabel = "<key=value>",
            description = "An engine setting (see ./eddy config), repeatable; over those of --config.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--create-topics", defaultValue = "0", paramLabel = "<partitions>",
            description = "Creates a deployed function's missing input and output topics with this many partitions"
                    + " (and the brokers' default replication). Default: ${DEFAULT-VALUE}, none: a function whose"
                    + " topics are missing fails to deploy, saying which.")
    int createTopics;

    @Option(names = "--config", paramLabel = "<file>",
            description = "A properties file of engine settings (see ./eddy config), e.g. a mounted ConfigMap.")
    Path configFile;

    @Option(names = "--command-config", paramLabel = "<file>",
            description = "A properties file of Kafka client settings for a secured cluster (security.protocol,"
                    + " ssl.*, sasl.*), used by every client of the engine; the same as --set kafka.<key>=<value>.")
    Path commandConfig;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String token = tokenFile != null ? Files.readString(tokenFile).trim()
                : System.getenv().getOrDefault("EDDY_TOKEN", "").trim();
        if (token.length() < 16) {
            throw new CommandLine.ParameterException(spec.commandLine(), "The admin API needs a token of at least 16"
                    + " characters: set EDDY_TOKEN or give --token-file" + (token.isEmpty() ? "" : " (the one given"
                    + " has " + token.length() + ")"));
        }
        Map<String, Object> config = new HashMap<>(KafkaOption.properties(configFile, ""));
        config.putAll(KafkaOption.clientSettings(commandConfig));
        config.putAll(settings);
        config.put(EngineConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        Interruptible run = new Interruptible();
        PrometheusMeterRegistry meters = MetricsEndpoint.newRegistry();
        try (MetricsEndpoint endpoint = startMetrics(meters);
                Engine engine = new Engine(new EngineConfig(config), meters);
                FunctionStore store = new FunctionStore(engine.config(), engine.admin());
                Deployments deployments = new Deployments(engine, new FunctionFactory(System::getenv),
                        workDir.resolve("functions"), store).creatingMissingTopics(createTopics);
                AccessTokens tokens = new AccessTokens(engine.config(), engine.admin());
                AdminServer api = new AdminServer(apiHost, apiPort, token,
                        engine.config().getLong(EngineConfig.API_MAX_UPLOAD_BYTES), engine, deployments, tokens,
                        engine.config().apiTls())) {
            int restored = deployments.restore();
            deployments.following(); // what is deployed through another engine of the cluster runs here too
            if (endpoint != null) {
                endpoint.readiness(engine::problems); // ready once its functions are restored
            }
            // One write: whoever reads the output as it comes sees the line whole.
            System.out.println(String.format("Engine running on %s; functions restored: %d; %s; %s. SIGTERM or"
                    + " Ctrl-C stops.", bootstrapServers, restored, api,
                    endpoint == null ? "no metrics endpoint" : endpoint));
            run.stopSignal().await(Long.MAX_VALUE, TimeUnit.DAYS);
            System.out.println("Stopping: finishing the records in flight and committing.");
        } finally {
            run.done();
        }
        System.out.println("Stopped.");
        return 0;
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
