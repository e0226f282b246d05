package dev.eddy.engine.testing.servers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of the test's own: a cluster made by the machine's {@code initdb} in a folder of its own,
 * with {@code wal_level=logical} (change capture needs it) and no fsync, a database {@code test}, trust
 * authentication, on a free port of 127.0.0.1. PostgreSQL refuses to run as root, so under root the cluster belongs
 * to the {@code postgres} user and both programs run as that user. Stopped with a fast shutdown (SIGINT), which does
 * not wait for clients to disconnect.
 */
public final class PostgresProcess extends ServerProcess {

    private static final String SERVICE_USER = "postgres";

    /** The cluster's folder when it is not the test's own (deleted on close), else null. */
    private final Path ownFolder;

    private PostgresProcess(Process process, int port, Path log, Path ownFolder) {
        super("postgres", process, port, log);
        this.ownFolder = ownFolder;
    }

    public static PostgresProcess start(Path dir) throws IOException, InterruptedException {
        return start(dir, java.util.Map.of());
    }

    /**
     * A server with other settings ({@code wal_level: replica}, say), over the ones above.
     */
    public static PostgresProcess start(Path dir, java.util.Map<String, String> settings)
            throws IOException, InterruptedException {
        Path bin = binDirectory();
        Files.createDirectories(dir);
        boolean root = "root".equals(System.getProperty("user.name"));
        // The cluster's own folder: under root, one the service user owns in the system's temporary folder (the
        // test's folder may be closed to other users on the way); the logs stay in the test's folder.
        Path home = root ? Files.createTempDirectory("eddy-postgres-") : dir;
        if (root) {
            UserPrincipal owner = home.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName(SERVICE_USER);
            Files.setOwner(home, owner);
        }
        Path data = home.resolve("data");
        Path log = dir.resolve("postgres.log");
        run(asServiceUser(root, bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres",
                "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"), dir.resolve("initdb.log"));
        int port = freePort();
        java.util.Map<String, String> all = new java.util.LinkedHashMap<>();
        all.put("listen_addresses", "127.0.0.1");
        all.put("wal_level", "logical");
        all.put("max_wal_senders", "20");
        all.put("max_replication_slots", "20");
        all.put("fsync", "off");
        all.put("synchronous_commit", "off");
        all.put("full_page_writes", "off");
        all.put("max_connections", "300");
        all.putAll(settings);
        List<String> command = new ArrayList<>(asServiceUser(root, bin.resolve("postgres").toString(),
                "-D", data.toString(), "-p", String.valueOf(port), "-k", home.toString()));
        all.forEach((name, value) -> command.addAll(List.of("-c", name + "=" + value)));
        Process process = launch("postgres", command, port, log);
        PostgresProcess postgres = new PostgresProcess(process, port, log, root ? home : null);
        try {
            postgres.createDatabase("test");
        } catch (RuntimeException | Error e) {
            postgres.close();
            throw e;
        }
        return postgres;
    }

    /** The JDBC URL of one of its databases, as user {@code postgres}. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database + "?user=postgres";
    }

    /** The JDBC URL of the database {@code test}. */
    public String jdbcUrl() {
        return jdbcUrl("test");
    }

    private void createDatabase(String name) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            // The port opens before the server accepts sessions ("the database system is starting up").
            try (Connection db = DriverManager.getConnection(jdbcUrl("postgres"));
                    Statement sql = db.createStatement()) {
                sql.execute("CREATE DATABASE " + name);
                return;
            } catch (SQLException notYet) {
                if (System.nanoTime() > deadline || !aliveAfter(java.time.Duration.ofMillis(100))) {
                    throw new IllegalStateException("could not create database " + name + " on " + this, notYet);
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            // SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client to disconnect.
            new ProcessBuilder("kill", "-INT", String.valueOf(pid())).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            // falls back to SIGTERM, then SIGKILL, below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        super.close();
        if (ownFolder != null) {
            deleteQuietly(ownFolder);
        }
    }

    private static List<String> asServiceUser(boolean root, String... command) {
        List<String> full = new ArrayList<>();
        if (root) {
            full.addAll(List.of(binary("setpriv", "util-linux", "/usr/bin/setpriv", "/bin/setpriv"),
                    "--reuid=" + SERVICE_USER, "--regid=" + SERVICE_USER, "--init-groups", "--"));
        }
        full.addAll(List.of(command));
        return full;
    }

    private static void run(List<String> command, Path log) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not finish in 60 s: " + tail(log));
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed with " + process.exitValue()
                    + ": " + tail(log));
        }
    }

    /** The newest installed PostgreSQL's programs (Debian keeps them in /usr/lib/postgresql/&lt;major&gt;/bin). */
    private static Path binDirectory() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(root)) {
            try (Stream<Path> versions = Files.list(root)) {
                var newest = versions.map(version -> version.resolve("bin"))
                        .filter(bin -> Files.isExecutable(bin.resolve("initdb")))
                        .max(Comparator.comparingInt(bin -> major(bin.getParent().getFileName().toString())));
                if (newest.isPresent()) {
                    return newest.get();
                }
            }
        }
        for (String candidate : new String[] {"/usr/local/pgsql/bin", "/usr/bin"}) {
            if (Files.isExecutable(Path.of(candidate, "initdb")) && Files.isExecutable(Path.of(candidate, "postgres"))) {
                return Path.of(candidate);
            }
        }
        throw new IllegalStateException("no PostgreSQL server programs (initdb, postgres) under " + root
                + " or /usr/local/pgsql/bin (Debian's package 'postgresql' has them)");
    }

    private static int major(String version) {
        try {
            return Integer.parseInt(version);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
