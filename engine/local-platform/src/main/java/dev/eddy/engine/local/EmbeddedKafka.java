package dev.eddy.engine.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker (KRaft, broker and controller in one), started inside this JVM from Apache Kafka's own server
 * classes, listening on 127.0.0.1: a single-node cluster, on which local mode ({@code ./eddy dev},
 * {@code ./eddy demo}), benchmarks and tests run, or one node of a local cluster of several, each in its own
 * process ({@code ./eddy cluster up}).
 *
 * <p>Lifecycle: {@link #start} formats the storage under the work directory if it is new, starts the broker and
 * returns once it answers; {@link #close} stops it and, for a temporary work directory, deletes the data. One
 * broker takes about four seconds to start here, so tests share one per JVM.
 *
 * <p>Automatic topic creation is off: create topics with {@link dev.eddy.engine.kafka.Topics#create}, which also waits until every
 * partition is ready to take writes (producing into a partition a moment after its creation can lose records on
 * Kafka 4.4; KAFKA-15591).
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String HOST = "127.0.0.1";
    private static final int NODE_ID = 1;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final Path workDir;
    private final boolean deleteOnClose;
    private final int brokerPort;
    private final KafkaRaftServer server;

    private EmbeddedKafka(Path workDir, boolean deleteOnClose, int brokerPort, KafkaRaftServer server) {
        this.workDir = workDir;
        this.deleteOnClose = deleteOnClose;
        this.brokerPort = brokerPort;
        this.server = server;
    }

    /** Starts a broker on free ports with its data in a new temporary directory, deleted on close. */
    public static EmbeddedKafka startTemporary() {
        try {
            return start(Files.createTempDirectory("eddy-kafka-"), 0, true, Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create a temporary directory for the embedded broker", e);
        }
    }

    /**
     * Starts a broker.
     *
     * @param workDir       where its data lives; reused if it already holds a broker's data
     * @param port          the client port, or 0 for a free one
     * @param deleteOnClose whether {@link #close} deletes {@code workDir}
     * @param overrides     broker settings that replace Eddy's local defaults
     * @throws BrokerStartException when the port is taken or the broker does not come up
     */
    public static EmbeddedKafka start(Path workDir, int port, boolean deleteOnClose, Map<String, String> overrides) {
        return start(workDir, port, deleteOnClose, overrides, Map.of());
    }

    /**
     * Starts a broker with more listeners than its plaintext one, e.g. {@code SSL} or {@code SASL_SSL}, each named
     * after its security protocol; their settings ({@code listener.name.ssl.ssl.keystore.location}, ...) go in the
     * overrides.
     *
     * @param extraListeners security protocol to port on 127.0.0.1
     */
    public static EmbeddedKafka start(Path workDir, int port, boolean deleteOnClose, Map<String, String> overrides,
            Map<String, Integer> extraListeners) {
        if (port != 0 && !isFree(port)) {
            throw new BrokerStartException("Port " + port + " on " + HOST + " is already in use (another './eddy dev',"
                    + " or a Kafka broker?). Stop it, or choose another port with --port <n> (0 picks a free one).", null);
        }
        ClusterNode node = new ClusterNode(NODE_ID, port == 0 ? freePort() : port, freePort());
        Properties props = serverProperties(workDir.resolve("data"), node, List.of(node));
        extraListeners.forEach((protocol, listenerPort) -> {
            String listener = "," + protocol + "://" + HOST + ":" + listenerPort;
            props.put("listeners", props.getProperty("listeners") + listener);
            props.put("advertised.listeners", props.getProperty("advertised.listeners") + listener);
            props.put("listener.security.protocol.map", props.getProperty("listener.security.protocol.map") + ","
                    + protocol + ":" + protocol);
        });
        props.putAll(overrides);
        return start(workDir, deleteOnClose, node, props, null);
    }

    /** One node of a local cluster of several: its id and its ports on 127.0.0.1. */
    public record ClusterNode(int id, int port, int controllerPort) {

        String voter() {
            return id + "@" + HOST + ":" + controllerPort;
        }

        /** {@code 127.0.0.1:<port>}. */
        public String address() {
            return HOST + ":" + port;
        }
    }

    /**
     * Starts one node (broker and controller) of a local cluster of several, each in its own process: every node is
     * given the same list of nodes and cluster id. Topics Kafka makes itself, and those made with the brokers'
     * default replication (every topic Eddy makes), have a replica on each node (at most 3), and a write is
     * acknowledged once all but one of them have it ({@code min.insync.replicas}), so that the cluster goes on
     * taking writes with one node down. Returns once the node answers, which takes a quorum of controllers: start
     * the others at the same time.
     */
    public static EmbeddedKafka startClusterNode(Path workDir, int nodeId, List<ClusterNode> nodes, String clusterId,
            Map<String, String> overrides) {
        ClusterNode node = nodes.stream().filter(n -> n.id() == nodeId).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Node " + nodeId + " is not one of " + nodes));
        if (!isFree(node.port()) || !isFree(node.controllerPort())) {
            throw new BrokerStartException("Port " + node.port() + " or " + node.controllerPort() + " on " + HOST
                    + " is already in use (is this cluster, or another broker, running already?)", null);
        }
        Properties props = serverProperties(workDir.resolve("data"), node, nodes);
        props.putAll(overrides);
        return start(workDir, false, node, props, clusterId);
    }

    private static EmbeddedKafka start(Path workDir, boolean deleteOnClose, ClusterNode node, Properties props,
            String clusterId) {
        long started = System.nanoTime();
        Path dataDir = workDir.resolve("data");
        try {
            Files.createDirectories(dataDir);
            Path configFile = workDir.resolve("server.properties");
            try (OutputStream out = Files.newOutputStream(configFile)) {
                props.store(out, "Eddy embedded broker");
            }
            format(configFile, clusterId(workDir, clusterId));
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            EmbeddedKafka kafka = new EmbeddedKafka(workDir, deleteOnClose, node.port(), server);
            try {
                server.startup();
                kafka.awaitReady();
            } catch (RuntimeException e) {
                kafka.close(); // stop whatever did start, so that no broker thread outlives the failure
                throw e;
            }
            log.info("Embedded Kafka broker {} ready at {} in {} ms (data in {})", node.id(), kafka.bootstrapServers(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), dataDir);
            return kafka;
        } catch (IOException | RuntimeException e) {
            throw new BrokerStartException("The embedded Kafka broker did not start on " + node.address()
                    + " (data in " + dataDir + "): " + e.getMessage(), e);
        }
    }

    private static Properties serverProperties(Path dataDir, ClusterNode node, List<ClusterNode> nodes) {
        int replicas = Math.min(3, nodes.size());
        String minInSync = String.valueOf(Math.max(1, replicas - 1));
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", String.valueOf(node.id()));
        props.put("controller.quorum.voters", String.join(",", nodes.stream().map(ClusterNode::voter).toList()));
        props.put("listeners", "PLAINTEXT://" + node.address() + ",CONTROLLER://" + HOST + ":"
                + node.controllerPort());
        props.put("advertised.listeners", "PLAINTEXT://" + node.address());
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", dataDir.toString());
        // One node: every topic has a single replica; several: a replica on each of (up to) three.
        props.put("default.replication.factor", String.valueOf(replicas));
        props.put("min.insync.replicas", minInSync);
        props.put("offsets.topic.replication.factor", String.valueOf(replicas));
        props.put("offsets.topic.num.partitions", String.valueOf(nodes.size()));
        props.put("transaction.state.log.replication.factor", String.valueOf(replicas));
        props.put("transaction.state.log.min.isr", minInSync);
        props.put("transaction.state.log.num.partitions", String.valueOf(nodes.size()));
        props.put("share.coordinator.state.topic.replication.factor", String.valueOf(replicas));
        props.put("share.coordinator.state.topic.min.isr", minInSync);
        props.put("group.initial.rebalance.delay.ms", "0");
        // A consumer that died without leaving gives its partitions up within seconds, not the production 45 s.
        props.put("group.consumer.min.session.timeout.ms", "2000");
        props.put("group.consumer.session.timeout.ms", "6000");
        props.put("group.consumer.min.heartbeat.interval.ms", "500");
        props.put("group.consumer.heartbeat.interval.ms", "1000");
        props.put("group.min.session.timeout.ms", "2000");
        props.put("auto.create.topics.enable", "false");
        props.put("num.partitions", "1");
        return props;
    }

    private static void format(Path configFile, String clusterId) {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int status;
        try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            status = StorageTool.execute(new String[] {
                "format", "--config", configFile.toString(), "--cluster-id", clusterId, "--ignore-formatted"
            }, out);
        }
        String printed = output.toString(StandardCharsets.UTF_8).trim();
        if (status != 0) {
            throw new IllegalStateException("formatting the storage failed (status " + status + "): " + printed);
        }
        log.debug("Storage format: {}", printed);
    }

    /**
     * The cluster id is kept beside the data so that a reused work directory keeps its identity.
     *
     * @param given the id of a cluster of several nodes, or null for a new one
     */
    private static String clusterId(Path workDir, String given) throws IOException {
        Path idFile = workDir.resolve("cluster.id");
        if (Files.exists(idFile)) {
            return Files.readString(idFile).trim();
        }
        String id = given != null ? given : org.apache.kafka.common.Uuid.randomUuid().toString();
        Files.writeString(idFile, id);
        return id;
    }

    /** A port free on 127.0.0.1 now. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port on " + HOST, e);
        }
    }

    /** Whether nothing listens on this port of 127.0.0.1. */
    static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        try (Admin admin = admin()) {
            while (true) {
                try {
                    admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the broker did not answer within " + READY_TIMEOUT, e);
                    }
                }
            }
        }
    }

    /** The address clients connect to, {@code 127.0.0.1:<port>}. */
    public String bootstrapServers() {
        return HOST + ":" + brokerPort;
    }

    /** A new admin client for this broker; the caller closes it. */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, "eddy-local-admin-" + UUID.randomUUID()));
    }

    /** Where the broker keeps its data and settings. */
    public Path workDir() {
        return workDir;
    }

    /** Stops the broker and waits until it has stopped; deletes the data of a temporary broker. */
    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        if (deleteOnClose) {
            deleteRecursively(workDir);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", dir, e.toString());
        }
    }
}
