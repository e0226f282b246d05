package dev.eddy.engine.language;

import dev.eddy.engine.FunctionCodeException;
import dev.eddy.engine.manifest.Manifest;
import dev.eddy.engine.remote.RemoteHandler;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processes that run a Python or Node.js function ({@code runtime: python|node}): a pool started when the
 * function opens, each serving the remote protocol on a loopback port of its own choosing (it prints
 * {@code EDDY-LISTENING <port>} once its handler's {@code open} has run). Each call goes to the next live process;
 * one that dies is started again (after 100 ms, longer while it keeps dying), and a call waits for a live one until
 * its deadline. A process whose call timed out is hung: it is killed, and started again. Its standard output and
 * error go to the function's log. A process that exits with status 3 as it starts failed in its import or
 * {@code open}: the deployment fails with its error and stack ({@link FunctionCodeException}).
 */
public final class LanguageProcesses implements RemoteHandler.Endpoints {

    private static final Logger log = LoggerFactory.getLogger(LanguageProcesses.class);

    /** The exit status of a process whose handler failed to import or open. */
    static final int OPEN_FAILED = 3;
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final long FIRST_RESTART_MILLIS = 100;
    private static final long MAX_RESTART_MILLIS = 5_000;
    private static final int STDERR_LINES_KEPT = 40;

    private final Manifest manifest;
    private final Path code;
    private final LanguageCommand command;
    private final Map<String, String> environment;
    private final List<Worker> workers = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();
    private final Object live = new Object();
    private final Logger functionLog;
    private volatile boolean closing;
    /** Every process listened once: from now on one that dies, even as it starts again, is started again. */
    private volatile boolean opened;

    /**
     * @param code        the function's unpacked folder
     * @param command     how a process of its runtime is started
     * @param environment what each process is given (its handler, name, version, config, secrets)
     * @param size        how many processes
     */
    public LanguageProcesses(Manifest manifest, Path code, LanguageCommand command, Map<String, String> environment,
            int size) {
        this.manifest = manifest;
        this.code = code;
        this.command = command;
        this.environment = Map.copyOf(environment);
        this.functionLog = LoggerFactory.getLogger("eddy.function." + manifest.name());
        for (int i = 0; i < size; i++) {
            workers.add(new Worker(i));
        }
    }

    /** Starts every process and waits until each listens (its handler opened). */
    @Override
    public void open() throws Exception {
        long started = System.nanoTime();
        try {
            for (Worker worker : workers) {
                worker.start();
            }
            for (Worker worker : workers) {
                worker.awaitListening();
            }
        } catch (Exception | Error e) {
            close(); // none is left running when the function does not start
            throw e;
        }
        opened = true;
        log.info("Function '{}': {} {} process(es) listening after {} ms", manifest.name(), workers.size(),
                runtimeName(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    @Override
    public URI pick(Instant deadline) throws IOException, InterruptedException {
        synchronized (live) {
            while (true) {
                for (int tried = 0; tried < workers.size(); tried++) {
                    Worker worker = workers.get(Math.floorMod(next.getAndIncrement(), workers.size()));
                    URI url = worker.url;
                    if (url != null) {
                        return url;
                    }
                }
                long wait = Duration.between(Instant.now(), deadline).toMillis();
                if (closing || wait <= 0) {
                    throw new IOException("none of function '" + manifest.name() + "''s " + runtimeName()
                            + " processes is up" + (closing ? " (the function is stopping)" : ""));
                }
                live.wait(Math.min(wait, 1_000));
            }
        }
    }

    @Override
    public void failed(URI endpoint, Exception failure) {
        for (Worker worker : workers) {
            if (!endpoint.equals(worker.url)) {
                continue;
            }
            if (failure instanceof HttpTimeoutException) {
                functionLog.warn("A {} process (pid {}) did not answer within the function's timeout: killed,"
                        + " and started again", runtimeName(), worker.pid());
                worker.kill();
            } else if (worker.pid() < 0 || failure instanceof java.net.ConnectException) {
                // Gone (its exit may not have been seen yet): no more calls to it until it listens again.
                worker.url = null;
            }
        }
    }

    /** The processes' ids (for tests and ./eddy status). */
    public List<Long> pids() {
        return workers.stream().map(Worker::pid).filter(pid -> pid > 0).toList();
    }

    /** How many times a process was started again after it died. */
    public int restarts() {
        return workers.stream().mapToInt(worker -> worker.restarts).sum();
    }

    @Override
    public void close() {
        closing = true;
        workers.forEach(Worker::stop);
        synchronized (live) {
            live.notifyAll();
        }
    }

    @Override
    public String toString() {
        return runtimeName().substring(0, 1).toUpperCase(Locale.ROOT) + runtimeName().substring(1) + " function '"
                + manifest.name() + "'";
    }

    private String runtimeName() {
        return manifest.runtime() == Manifest.Runtime.NODE ? "Node.js" : "python";
    }

    /** One process, started again when it dies. */
    private final class Worker {
        private final int index;
        private volatile Process process;
        private volatile URI url;
        private volatile CompletableFuture<URI> listening = new CompletableFuture<>();
        private final Deque<String> stderr = new ArrayDeque<>();
        private volatile int restarts;
        private volatile long startedNanos;
        private long backoffMillis = FIRST_RESTART_MILLIS;

        Worker(int index) {
            this.index = index;
        }

        long pid() {
            Process running = process;
            return running == null || !running.isAlive() ? -1 : running.pid();
        }

        void start() throws IOException {
            ProcessBuilder builder = new ProcessBuilder(command.command()).directory(code.toFile());
            builder.environment().putAll(environment);
            builder.environment().putAll(command.environment());
            listening = new CompletableFuture<>();
            synchronized (stderr) {
                stderr.clear();
            }
            startedNanos = System.nanoTime();
            Process started = builder.start();
            process = started;
            Thread.ofVirtual().name("eddy-" + manifest.name() + "-stdout-" + index).start(() -> readOut(started));
            Thread.ofVirtual().name("eddy-" + manifest.name() + "-stderr-" + index).start(() -> readErr(started));
            started.onExit().thenAccept(this::exited);
        }

        void awaitListening() throws Exception {
            try {
                listening.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw (Exception) e.getCause();
            } catch (java.util.concurrent.TimeoutException e) {
                kill();
                throw new FunctionCodeException("The " + runtimeName() + " process of function '" + manifest.name()
                        + "' did not start listening within " + START_TIMEOUT.toSeconds() + " s: " + lastErrors(),
                        e);
            }
        }

        private void readOut(Process from) {
            try (BufferedReader lines = reader(from.getInputStream())) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.startsWith("EDDY-LISTENING ") && !listening.isDone()) {
                        URI at = URI.create("http://127.0.0.1:" + line.substring("EDDY-LISTENING ".length()).trim()
                                + "/");
                        url = at;
                        listening.complete(at);
                        synchronized (live) {
                            live.notifyAll();
                        }
                    } else {
                        functionLog.info("{}", line);
                    }
                }
            } catch (IOException e) {
                // the process is gone
            }
        }

        private void readErr(Process from) {
            try (BufferedReader lines = reader(from.getErrorStream())) {
                String line;
                while ((line = lines.readLine()) != null) {
                    synchronized (stderr) {
                        stderr.addLast(line);
                        if (stderr.size() > STDERR_LINES_KEPT) {
                            stderr.removeFirst();
                        }
                    }
                    functionLog.warn("{}", line);
                }
            } catch (IOException e) {
                // the process is gone
            }
        }

        private void exited(Process gone) {
            url = null;
            if (!opened && !listening.isDone()) {
                // Let the error stream's last lines arrive: they say why it failed.
                sleepQuietly(200);
                String why = lastErrors();
                listening.completeExceptionally(gone.exitValue() == OPEN_FAILED
                        ? new FunctionCodeException("The " + runtimeName() + " handler of function '"
                                + manifest.name() + "' failed as it was loaded and opened: " + why, null)
                        : new FunctionCodeException("The " + runtimeName() + " process of function '"
                                + manifest.name() + "' exited with status " + gone.exitValue() + " as it started: "
                                + why, null));
                return;
            }
            if (closing) {
                return;
            }
            long upMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
            // Soon after a crash; longer and longer while it keeps dying young (a handler that cannot run).
            backoffMillis = restarts == 0 || upMillis > 10_000 ? FIRST_RESTART_MILLIS
                    : Math.min(MAX_RESTART_MILLIS, backoffMillis * 2);
            functionLog.warn("A {} process (pid {}) exited with status {}; starting it again in {} ms", runtimeName(),
                    gone.pid(), gone.exitValue(), backoffMillis);
            Thread.ofVirtual().name("eddy-" + manifest.name() + "-restart-" + index).start(() -> {
                sleepQuietly(backoffMillis);
                if (closing) {
                    return;
                }
                try {
                    restarts++;
                    start();
                } catch (IOException e) {
                    functionLog.error("The {} process could not be started again: {}", runtimeName(), e.toString());
                }
            });
        }

        void kill() {
            Process running = process;
            if (running != null) {
                running.destroyForcibly();
            }
        }

        void stop() {
            Process running = process;
            if (running == null) {
                return;
            }
            running.destroy(); // SIGTERM: the batches in hand are answered, then close() runs
            try {
                if (!running.waitFor(5, TimeUnit.SECONDS)) {
                    running.destroyForcibly();
                }
            } catch (InterruptedException e) {
                running.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }

        private String lastErrors() {
            synchronized (stderr) {
                return stderr.isEmpty() ? "(nothing on its standard error)" : String.join("\n", stderr);
            }
        }
    }

    private static BufferedReader reader(InputStream stream) {
        return new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
