package dev.eddy.engine.cli;

import dev.eddy.engine.local.LocalCluster;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./eddy cluster up|down|status}: a Kafka cluster of three brokers and three engine nodes on this machine. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = {"Runs a local cluster as processes on 127.0.0.1: three Kafka brokers (KRaft; every topic",
            "replicated to three, min.insync.replicas 2) and three engine nodes sharing the functions deployed",
            "through any of them. It keeps running after this command returns.",
            "",
            "  up      starts the brokers, then the engines, and waits until all are ready",
            "  status  says which members run, and whether each engine is ready",
            "  down    stops the engines (they drain and commit), then the brokers, and deletes the data",
            "          (--keep-data keeps it: the next 'up' starts from it)",
            ""})
final class ClusterCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "up|down|status", description = "What to do.")
    String action;

    @Option(names = "--dir", defaultValue = ".eddy/cluster", paramLabel = "<dir>",
            description = "Where the cluster's data, logs and process ids live. Default: ${DEFAULT-VALUE}.")
    Path dir;

    @Option(names = "--base-port", defaultValue = "29092", paramLabel = "<port>",
            description = "The first broker's port: brokers take the next ports, their controllers those 100 above,"
                    + " the engines' admin APIs those 1000 below, their metrics those 1000 above."
                    + " Default: ${DEFAULT-VALUE}.")
    int basePort;

    @Option(names = "--keep-data", description = "With down: keep the data for the next up.")
    boolean keepData;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        switch (action) {
            case "up" -> up();
            case "status" -> LocalCluster.open(dir).status().forEach(System.out::println);
            case "down" -> down();
            default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "Unknown action '" + action + "': up, down or status");
        }
        return 0;
    }

    private void up() {
        LocalCluster cluster = LocalCluster.exists(dir) ? LocalCluster.open(dir)
                : LocalCluster.create(dir, 3, 3, basePort);
        System.out.println("Starting " + cluster.brokerCount() + " brokers (" + cluster.bootstrapServers() + ")…");
        cluster.startBrokers();
        System.out.println("Starting " + cluster.engineCount() + " engines…");
        cluster.startEngines();
        cluster.status().forEach(System.out::println);
        System.out.printf("%nDeploy through any engine; every engine runs it:%n"
                + "  export EDDY_TOKEN=$(cat %s)%n"
                + "  ./eddy deploy <jar> --api %s%n"
                + "  ./eddy produce <topic> --bootstrap-servers %s%n"
                + "Logs: %4$s/logs/<member>.log, output: %4$s/<member>.log. Stop: ./eddy cluster down%n",
                dir.resolve("admin-token"), cluster.apiUrl(1), cluster.bootstrapServers(), dir);
    }

    private void down() {
        LocalCluster cluster = LocalCluster.open(dir);
        if (keepData) {
            cluster.down();
            System.out.println("Stopped; the data is kept in " + dir + ".");
        } else {
            cluster.destroy();
            System.out.println("Stopped, and deleted " + dir + ".");
        }
    }
}
