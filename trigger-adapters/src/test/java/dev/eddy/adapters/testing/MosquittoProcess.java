package dev.eddy.adapters.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A Mosquitto broker of the test's own, as a process on a free port of 127.0.0.1 with no limit on the messages it
 * queues for a client that is away (Mosquitto's default keeps 1,000 and drops the rest, which would lose messages
 * the test counts while its adapter is down), and 100 in flight to a client (2.0.11 with no limit there ignores a
 * client's receive maximum when it resends at reconnection). Stopped by PID.
 */
public final class MosquittoProcess implements AutoCloseable {

    private final Process process;
    private final int port;

    private MosquittoProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static MosquittoProcess start(Path dir) throws IOException, InterruptedException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Files.createDirectories(dir);
        Path config = dir.resolve("mosquitto.conf");
        Files.writeString(config, String.join("\n",
                "listener " + port + " 127.0.0.1",
                "allow_anonymous true",
                "persistence false",
                "max_queued_messages 0",
                "max_inflight_messages 100",
                "log_dest stdout", ""));
        Process process = new ProcessBuilder(binary(), "-c", config.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket probe = new Socket("127.0.0.1", port)) {
                return new MosquittoProcess(process, port);
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("mosquitto exited at start; see " + dir.resolve("mosquitto.log"));
                }
                process.waitFor(50, TimeUnit.MILLISECONDS);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("mosquitto did not listen on " + port + " within 10 s");
    }

    private static String binary() {
        for (String candidate : new String[] {"/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"}) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no mosquitto binary found (the Debian package 'mosquitto' has one)");
    }

    public int port() {
        return port;
    }

    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
