package dev.eddy.engine.local;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * A Kafka cluster of several brokers and several engine nodes on this machine, each a process of its own on
 * 127.0.0.1, as {@code ./eddy cluster up} runs it: the brokers are KRaft nodes (broker and controller) with every
 * topic replicated to three and {@code min.insync.replicas} 2, the engines share the functions deployed through
 * any of them. Everything lives under one directory: {@code cluster.properties} (the ports and the cluster id),
 * each member's data, output ({@code <member>.log}), log ({@code logs/<member>.log}) and process id
 * ({@code <member>.pid}), and the engines' admin token ({@code admin-token}).
 *
 * <p>Members are found again by their process ids, so that {@code ./eddy cluster status} and {@code down} work from
 * another process than the one that started them.
 */
public final class LocalCluster {

    private static final String HOST = "127.0.0.1";
    private static final String LAYOUT = "cluster.properties";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration QUORUMLESS_GRACE = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Path dir;
    private final String clusterId;
    private final List<EmbeddedKafka.ClusterNode> brokers;
    private final List<Integer> apiPorts;
    private final List<Integer> metricsPorts;

    private LocalCluster(Path dir, String clusterId, List<EmbeddedKafka.ClusterNode> brokers, List<Integer> apiPorts,
            List<Integer> metricsPorts) {
        this.dir = dir;
        this.clusterId = clusterId;
        this.brokers = List.copyOf(brokers);
        this.apiPorts = List.copyOf(apiPorts);
        this.metricsPorts = List.copyOf(metricsPorts);
    }

    /**
     * Lays out a new cluster under {@code dir}: its ports, cluster id and admin token. Nothing is started.
     *
     * @param basePort the first broker's port; the brokers take the ports from there, their controllers those 100
     *                 above, the engines' admin APIs those 1000 below and their metrics those 1000 above; 0 takes
     *                 free ports (tests)
     * @throws LocalPlatformException when a cluster is laid out there already
     */
    public static LocalCluster create(Path dir, int brokerCount, int engineCount, int basePort) {
        if (exists(dir)) {
            throw new LocalPlatformException("A cluster is laid out in " + dir + " already ('./eddy cluster down' removes it)");
        }
        List<EmbeddedKafka.ClusterNode> brokers = new ArrayList<>();
        for (int i = 0; i < brokerCount; i++) {
            brokers.add(new EmbeddedKafka.ClusterNode(i + 1, port(basePort, i), port(basePort == 0 ? 0 : basePort + 100,
                    i)));
        }
        List<Integer> api = new ArrayList<>();
        List<Integer> metrics = new ArrayList<>();
        for (int i = 0; i < engineCount; i++) {
            api.add(port(basePort == 0 ? 0 : basePort - 1000, i));
            metrics.add(port(basePort == 0 ? 0 : basePort + 1000, i));
        }
        LocalCluster cluster = new LocalCluster(dir, org.apache.kafka.common.Uuid.randomUuid().toString(), brokers,
                api, metrics);
        cluster.save();
        return cluster;
    }

    /** Whether a cluster is laid out under {@code dir}. */
    public static boolean exists(Path dir) {
        return Files.exists(dir.resolve(LAYOUT));
    }

    /**
     * The cluster laid out under {@code dir}.
     *
     * @throws LocalPlatformException when there is none
     */
    public static LocalCluster open(Path dir) {
        Path file = dir.resolve(LAYOUT);
        if (!exists(dir)) {
            throw new LocalPlatformException("No cluster is laid out in " + dir + " ('./eddy cluster up' starts one)");
        }
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
        return new LocalCluster(dir, props.getProperty("cluster.id"), parseNodes(props.getProperty("brokers")),
                ints(props.getProperty("engine.api.ports")), ints(props.getProperty("engine.metrics.ports")));
    }

    /** Nodes written {@code id:port:controller-port,...}. */
    public static List<EmbeddedKafka.ClusterNode> parseNodes(String text) {
        return Arrays.stream(text.split(",")).map(String::trim).map(node -> {
            String[] parts = node.split(":");
            if (parts.length != 3) {
                throw new IllegalArgumentException("A node is id:port:controller-port, not '" + node + "'");
            }
            return new EmbeddedKafka.ClusterNode(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]),
                    Integer.parseInt(parts[2]));
        }).toList();
    }

    private static String formatNodes(List<EmbeddedKafka.ClusterNode> nodes) {
        return String.join(",", nodes.stream().map(n -> n.id() + ":" + n.port() + ":" + n.controllerPort()).toList());
    }

    private void save() {
        Properties props = new Properties();
        props.setProperty("cluster.id", clusterId);
        props.setProperty("brokers", formatNodes(brokers));
        props.setProperty("engine.api.ports", String.join(",", apiPorts.stream().map(String::valueOf).toList()));
        props.setProperty("engine.metrics.ports",
                String.join(",", metricsPorts.stream().map(String::valueOf).toList()));
        try {
            Files.createDirectories(dir);
            Path token = dir.resolve("admin-token");
            Files.writeString(token, HexFormat.of().formatHex(new SecureRandom().generateSeed(16)) + "\n");
            Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
            try (OutputStream out = Files.newOutputStream(dir.resolve(LAYOUT))) {
                props.store(out, "Eddy local cluster");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot lay out a cluster in " + dir, e);
        }
    }

    /** Starts every broker that is not running and waits until the cluster has them all. */
    public void startBrokers() {
        for (EmbeddedKafka.ClusterNode broker : brokers) {
            if (pid(brokerName(broker.id())).isEmpty()) {
                spawnBroker(broker);
            }
        }
        awaitBrokers(brokers.size());
    }

    /** Starts one broker again (its data is kept) and waits until the cluster has every broker. */
    public void startBroker(int id) {
        EmbeddedKafka.ClusterNode broker = brokers.get(id - 1);
        awaitPortFree(broker.port());
        awaitPortFree(broker.controllerPort());
        spawnBroker(broker);
        awaitBrokers(brokers.size());
    }

    private void spawnBroker(EmbeddedKafka.ClusterNode broker) {
        String name = brokerName(broker.id());
        spawn(name, "-Xmx768m", List.of("broker", "--node-id", String.valueOf(broker.id()), "--nodes",
                formatNodes(brokers), "--cluster-id", clusterId, "--data-dir", dir.resolve(name).toString()));
    }

    /** Stops a broker with SIGTERM (a controlled shutdown: its partitions' leadership moves first). */
    public void stopBroker(int id) {
        stop(brokerName(id), false);
    }

    /** Starts every engine that is not running and waits until each is ready. */
    public void startEngines() {
        for (int i = 1; i <= apiPorts.size(); i++) {
            if (pid(engineName(i)).isEmpty()) {
                spawnEngine(i);
            }
        }
        for (int i = 1; i <= apiPorts.size(); i++) {
            awaitReady(i);
        }
    }

    /** SIGKILL, as a crash: the engine finishes and commits nothing. Waits until the process is gone. */
    public void killEngine(int i) {
        stop(engineName(i), true);
    }

    private void spawnEngine(int i) {
        spawn(engineName(i), "-Xmx512m", List.of("engine", "--bootstrap-servers", bootstrapServers(),
                "--api-port", String.valueOf(apiPorts.get(i - 1)),
                "--metrics-port", String.valueOf(metricsPorts.get(i - 1)),
                "--token-file", dir.resolve("admin-token").toString(),
                "--work-dir", dir.resolve(engineName(i)).toString(),
                "--set", "instance.id=" + engineName(i), "--create-topics", "6"));
    }

    /** Stops every member, engines first (they drain and commit), then brokers. */
    public void down() {
        for (int i = 1; i <= apiPorts.size(); i++) {
            signal(engineName(i), false);
        }
        for (int i = 1; i <= apiPorts.size(); i++) {
            awaitExit(engineName(i));
        }
        for (EmbeddedKafka.ClusterNode broker : brokers) {
            signal(brokerName(broker.id()), false);
        }
        awaitBrokersStopped();
    }

    /**
     * Waits for the signalled brokers to exit. Each broker is also a controller, and a broker's controlled shutdown
     * needs the controllers' quorum to approve it: once a majority has exited, a broker whose request was not approved
     * before would wait minutes for an approval that cannot come. Such a broker is given {@link #QUORUMLESS_GRACE} and
     * then killed; its data was written to its log files (a restart recovers them), so nothing is lost.
     */
    private void awaitBrokersStopped() {
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        long quorumlessSince = 0;
        int majority = brokers.size() / 2 + 1;
        while (true) {
            List<String> running = brokerNames().stream().filter(name -> pid(name).isPresent()).toList();
            if (running.isEmpty()) {
                return;
            }
            if (running.size() < majority && quorumlessSince == 0) {
                quorumlessSince = System.nanoTime();
            }
            if (quorumlessSince != 0 && System.nanoTime() - quorumlessSince > QUORUMLESS_GRACE.toNanos()) {
                running.forEach(name -> stop(name, true));
                return;
            }
            if (System.nanoTime() > deadline) {
                running.forEach(this::awaitExit); // kills and says which
                return;
            }
            pause();
        }
    }

    /** Stops every member and deletes the cluster's directory. */
    public void destroy() {
        down();
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + dir, e);
        }
    }

    /** One line per member: what it is, where, whether its process runs, and for engines their readiness. */
    public List<String> status() {
        List<String> lines = new ArrayList<>();
        for (EmbeddedKafka.ClusterNode broker : brokers) {
            lines.add(String.format("%-9s %-16s %s", brokerName(broker.id()), broker.address(),
                    pid(brokerName(broker.id())).map(pid -> "running (pid " + pid + ")").orElse("stopped")));
        }
        for (int i = 1; i <= apiPorts.size(); i++) {
            int engine = i;
            String state = pid(engineName(i)).map(pid -> "running (pid " + pid + "), "
                    + probe(engine).orElse("not answering")).orElse("stopped");
            lines.add(String.format("%-9s %-16s %s", engineName(i), apiUrl(i), state));
        }
        return lines;
    }

    /** Whether an engine's readiness probe says ready. */
    private boolean isReady(int i) {
        return probe(i).map("ok"::equals).orElse(false);
    }

    private Optional<String> probe(int i) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(metricsUrl(i) + "/health/ready"))
                    .timeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return Optional.of(response.body().trim().replace("\n", "; "));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    public String bootstrapServers() {
        return String.join(",", brokers.stream().map(EmbeddedKafka.ClusterNode::address).toList());
    }

    /** The admin API of engine {@code i} (from 1). */
    public String apiUrl(int i) {
        return "http://" + HOST + ":" + apiPorts.get(i - 1);
    }

    /** The metrics endpoint of engine {@code i} (from 1). */
    private String metricsUrl(int i) {
        return "http://" + HOST + ":" + metricsPorts.get(i - 1);
    }

    public int engineCount() {
        return apiPorts.size();
    }

    public int brokerCount() {
        return brokers.size();
    }

    /** The engines' admin token. */
    public String token() {
        try {
            return Files.readString(dir.resolve("admin-token")).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A member's output (standard output and error); its log is {@code logs/<member>.log}. */
    private Path log(String member) {
        return dir.resolve(member + ".log");
    }

    public static String engineName(int i) {
        return "engine-" + i;
    }

    public static String brokerName(int id) {
        return "broker-" + id;
    }

    /** The process id of a running member, if it runs. */
    private Optional<Long> pid(String member) {
        Path file = dir.resolve(member + ".pid");
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            String[] saved = Files.readString(file).trim().split(" ");
            // The start time guards against another process having been given the id since.
            return ProcessHandle.of(Long.parseLong(saved[0])).filter(ProcessHandle::isAlive)
                    .filter(h -> saved.length < 2 || h.info().startInstant().map(String::valueOf)
                            .map(saved[1]::equals).orElse(true))
                    .map(ProcessHandle::pid);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private void spawn(String member, String heap, List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.add(heap);
        // The launcher's logging set-up, with a log file of the member's own.
        for (String property : List.of("log4j2.configurationFile", "log4j2.shutdownHookEnabled", "eddy.home")) {
            if (System.getProperty(property) != null) {
                command.add("-D" + property + "=" + System.getProperty(property));
            }
        }
        command.add("-Deddy.log.file=" + dir.resolve("logs").resolve(member + ".log"));
        if (Runtime.version().feature() >= 24) {
            command.add("--sun-misc-unsafe-memory-access=allow"); // Kafka's clients use sun.misc.Unsafe
            command.add("--enable-native-access=ALL-UNNAMED"); // windowed functions' RocksDB
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.eddy.engine.cli.EddyCli");
        command.addAll(arguments);
        try {
            Files.createDirectories(dir);
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log(member).toFile())).start();
            Files.writeString(dir.resolve(member + ".pid"), process.pid() + " " + process.info().startInstant()
                    .map(String::valueOf).orElse("") + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start " + member, e);
        }
    }

    private void stop(String member, boolean kill) {
        signal(member, kill);
        awaitExit(member);
    }

    private void signal(String member, boolean kill) {
        pid(member).flatMap(ProcessHandle::of).ifPresent(process -> {
            if (kill) {
                process.destroyForcibly();
            } else {
                process.destroy();
            }
        });
    }

    private void awaitExit(String member) {
        Optional<ProcessHandle> process = pid(member).flatMap(ProcessHandle::of);
        if (process.isEmpty()) {
            return;
        }
        try {
            process.get().onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            process.get().destroyForcibly();
            throw new LocalPlatformException(member + " did not stop within " + STOP_TIMEOUT + " of SIGTERM; killed it (see "
                    + log(member) + ")");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitBrokers(int count) {
        try (Admin admin = Admin.create(java.util.Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, "eddy-cluster-up"))) {
            await(count + " brokers in the cluster", brokerNames(), () -> {
                try {
                    return admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() == count;
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    private void awaitReady(int i) {
        await(engineName(i) + " ready at " + metricsUrl(i) + "/health/ready", List.of(engineName(i)),
                () -> isReady(i));
    }

    private List<String> brokerNames() {
        return brokers.stream().map(b -> brokerName(b.id())).toList();
    }

    /** Waits for a condition; fails at once, with the end of its log, when one of the members exits. */
    private void await(String what, List<String> members, BooleanSupplier condition) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            for (String member : members) {
                if (pid(member).isEmpty()) {
                    throw new LocalPlatformException(member + " exited while waiting for " + what + "; the end of "
                            + log(member) + ":\n" + tail(member, 30));
                }
            }
            if (System.nanoTime() > deadline) {
                throw new LocalPlatformException("Waited " + START_TIMEOUT.toSeconds() + " s for " + what + "; see the logs in "
                        + dir);
            }
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(200); // polling a process from outside: nothing to wait on but time
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The last lines of a member's output. */
    public String tail(String member, int lines) {
        try {
            List<String> all = Files.readAllLines(log(member));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Waits until a port is free again (a stopped broker's sockets closing). */
    private void awaitPortFree(int port) {
        await("port " + port + " to be free", List.of(), () -> EmbeddedKafka.isFree(port));
    }

    private static int port(int base, int index) {
        return base != 0 ? base + index : EmbeddedKafka.freePort();
    }

    private static List<Integer> ints(String text) {
        return Arrays.stream(text.split(",")).map(String::trim).map(Integer::valueOf).toList();
    }
}
