package dev.eddy.engine.cli;

import dev.eddy.engine.local.EmbeddedKafka;
import dev.eddy.engine.local.LocalCluster;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./eddy broker}: one node of a local multi-broker cluster, in this process, until SIGTERM. {@code ./eddy
 * cluster up} starts three; it is not meant to be run by hand.
 */
@Command(name = "broker", hidden = true, mixinStandardHelpOptions = true,
        description = "Runs one node (broker and controller) of a local Kafka cluster, until SIGTERM.")
final class BrokerCommand implements Callable<Integer> {

    @Option(names = "--node-id", required = true, description = "This node's id, one of --nodes.")
    int nodeId;

    @Option(names = "--nodes", required = true, paramLabel = "<id:port:controller-port,...>",
            description = "Every node of the cluster.")
    String nodes;

    @Option(names = "--cluster-id", required = true, description = "The cluster's id, the same on every node.")
    String clusterId;

    @Option(names = "--data-dir", required = true, description = "Where this node keeps its data.")
    Path dataDir;

    @Option(names = "--set", paramLabel = "<key=value>", description = "A broker setting, repeatable.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        Interruptible run = new Interruptible();
        List<EmbeddedKafka.ClusterNode> all = LocalCluster.parseNodes(nodes);
        try (EmbeddedKafka broker = EmbeddedKafka.startClusterNode(dataDir, nodeId, all, clusterId, settings)) {
            System.out.printf("Broker %d ready at %s.%n", nodeId, broker.bootstrapServers());
            run.stopSignal().await(Long.MAX_VALUE, TimeUnit.DAYS);
            System.out.println("Stopping.");
        } finally {
            run.done();
        }
        return 0;
    }
}
