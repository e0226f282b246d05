package dev.eddy.engine.testing.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The servers a test JVM shares, each started on first use as a process of the tests' own (never the machine's
 * instance of the same server) and stopped when the JVM exits: PostgreSQL with {@code wal_level=logical}, Redis
 * and Mosquitto. A test that needs a server to itself (to kill it, or with other settings) starts its own
 * {@link ServerProcess} instead. Thread-safe.
 */
public final class TestServers {

    private static final List<ServerProcess> STARTED = new ArrayList<>();
    private static final List<Path> FOLDERS = new ArrayList<>();
    private static PostgresProcess postgres;
    private static RedisProcess redis;
    private static MosquittoProcess mosquitto;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(TestServers::stopAll, "test-servers-stop"));
    }

    private TestServers() {
    }

    public static synchronized PostgresProcess postgres() {
        if (postgres == null) {
            postgres = started(() -> PostgresProcess.start(folder("postgres")));
        }
        return postgres;
    }

    public static synchronized RedisProcess redis() {
        if (redis == null) {
            redis = started(() -> RedisProcess.start(folder("redis")));
        }
        return redis;
    }

    public static synchronized MosquittoProcess mosquitto() {
        if (mosquitto == null) {
            mosquitto = started(() -> MosquittoProcess.start(folder("mosquitto")));
        }
        return mosquitto;
    }

    private interface Starter<S extends ServerProcess> {
        S start() throws IOException, InterruptedException;
    }

    private static <S extends ServerProcess> S started(Starter<S> starter) {
        try {
            S server = starter.start();
            STARTED.add(server);
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting a test server", e);
        }
    }

    /** A fresh temporary folder (PostgreSQL's must be reachable by its service user, so not under the build). */
    private static Path folder(String name) throws IOException {
        Path folder = Files.createTempDirectory("eddy-test-" + name + "-");
        FOLDERS.add(folder);
        return folder;
    }

    private static synchronized void stopAll() {
        for (ServerProcess server : STARTED) {
            server.close();
        }
        STARTED.clear();
        FOLDERS.forEach(ServerProcess::deleteQuietly);
        FOLDERS.clear();
    }
}
