package dev.eddy.engine.testing.servers;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real server that a test starts as a process of its own on a free port of 127.0.0.1, with its log in its own
 * folder, and stops by PID. The machine's own instances of the same servers are never used or changed. Not
 * thread-safe: one test (or {@link TestServers}) owns each.
 */
public class ServerProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final int port;
    private final Path log;

    protected ServerProcess(String name, Process process, int port, Path log) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** A port nothing listens on at this moment. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /**
     * Starts {@code command}, its output to {@code log}, and waits until something accepts connections on
     * {@code port}; fails with the end of the log when the process exits first or nothing listens within 30 s.
     */
    protected static Process launch(String name, List<String> command, int port, Path log)
            throws IOException, InterruptedException {
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try (Socket probe = new Socket("127.0.0.1", port)) {
                return process;
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " exited at start with " + process.exitValue() + ": "
                            + tail(log));
                }
                process.waitFor(50, TimeUnit.MILLISECONDS);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException(name + " did not listen on 127.0.0.1:" + port + " within 30 s: " + tail(log));
    }

    /** The first executable of the candidates, or a failure naming the package that has it. */
    protected static String binary(String what, String debianPackage, String... candidates) {
        for (String candidate : candidates) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no " + what + " binary at " + String.join(", ", candidates)
                + " (Debian's package '" + debianPackage + "' has one)");
    }

    /**
     * Waits up to {@code timeout} for the process to exit: a pause between two tries of something that depends on
     * it, cut short when it dies.
     *
     * @return whether it is still alive
     */
    protected final boolean aliveAfter(java.time.Duration timeout) throws InterruptedException {
        return !process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Deletes a folder and what is in it; what cannot be deleted is left (only disk). */
    static void deleteQuietly(Path folder) {
        try (java.util.stream.Stream<Path> paths = Files.walk(folder)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // only disk is left behind
        }
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }

    public final int port() {
        return port;
    }

    public final long pid() {
        return process.pid();
    }

    public final boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public String toString() {
        return name + " on 127.0.0.1:" + port + " (pid " + process.pid() + ", log " + log + ")";
    }

    /** Stops the process (SIGTERM, then SIGKILL after 20 s) and waits for it. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
