package dev.eddy.engine.cli;

import dev.eddy.engine.FunctionStats;
import dev.eddy.engine.demo.LocalPlatform;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./eddy dev}: the local platform, without the demo's load, until Ctrl-C. */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = {"Runs the local platform until Ctrl-C.",
            "",
            "Starts a Kafka broker (its data kept between runs) and the engine with the sample "
            + "temperature-monitor function, and prints the bootstrap address for any Kafka client.",
            ""})
final class DevCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "9092", paramLabel = "<port>",
            description = "The broker's client port on 127.0.0.1; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    private int port;

    @Option(names = "--data-dir", paramLabel = "<dir>",
            description = "Where the broker keeps its data. Default: .eddy/dev in the Eddy directory.")
    private Path dataDir;

    @Option(names = "--fresh", description = "Delete the data of earlier runs first.")
    private boolean fresh;

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
        System.out.println("Starting the local platform…");
        try (LocalPlatform platform = LocalPlatform.start(dir, port, new SimpleMeterRegistry())) {
            System.out.printf(Locale.ROOT, "%nEddy is running.%n"
                            + "  Kafka bootstrap servers  %s%n"
                            + "  function                 %s: %s → %s (+ alerts on %s)%n"
                            + "  data                     %s (start with --fresh to empty it)%n%n"
                            + "Produce JSON readings such as {\"device\":\"d-1\",\"celsius\":80.5} to %s with any Kafka"
                            + " client,%nand read the results from %s and %s. Ctrl-C stops.%n%n",
                    platform.bootstrapServers(), LocalPlatform.MONITOR, LocalPlatform.TELEMETRY,
                    LocalPlatform.READINGS, LocalPlatform.ALERTS, dir, LocalPlatform.TELEMETRY,
                    LocalPlatform.READINGS, LocalPlatform.ALERTS);
            long shown = -1;
            while (!run.stopSignal().await(2, TimeUnit.SECONDS)) {
                FunctionStats stats = platform.monitor().stats();
                if (stats.received() != shown) {
                    shown = stats.received();
                    System.out.printf(Locale.ROOT, "%s: received %,d  processed %,d  failed %,d  emitted %,d%n",
                            LocalPlatform.MONITOR, stats.received(), stats.processed(), stats.failed(),
                            stats.emitted());
                }
            }
            System.out.println("Stopping…");
        } finally {
            run.done();
        }
        return 0;
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
}
