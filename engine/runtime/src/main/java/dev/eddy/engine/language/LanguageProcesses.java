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
import java.util.ArrayDeque;
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
 * {@code EDDY-LISTENING <port>} once its handler's {@code open} has run). The pool follows the function's workers
 * on this engine ({@link #workers}): {@code maxConcurrency} processes a worker, at most one a core; none while the
 * function is scaled to zero, started again when a record wakes it. Each call goes to the next live process;
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
    private static final Duration RETIRE_GRACE = Duration.ofSeconds(1);

    private final Manifest manifest;
    private final Path code;
    private final LanguageCommand command;
    private final Map<String, String> environment;
    /** The processes, each started again when it dies until it is retired; changed under {@code this}. */
    private final List<Instance> pool = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Processes taken out of the pool and not yet stopped. */
    private final java.util.Set<Instance> retiring = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final int perWorker;
    private final int most;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger started = new AtomicInteger();
    private final Object live = new Object();
    private final Logger functionLog;
    private volatile boolean closing;
    /** Every process listened once: from now on one that dies, even as it starts again, is started again. */
    private volatile boolean opened;

    /**
     * @param code        the function's unpacked folder
     * @param command     how a process of its runtime is started
     * @param environment what each process is given (its handler, name, version, config, secrets)
     * @param perWorker   how many processes a worker of the function gets (its {@code maxConcurrency})
     * @param most        the most processes, however many workers
     */
    public LanguageProcesses(Manifest manifest, Path code, LanguageCommand command, Map<String, String> environment,
            int perWorker, int most) {
        this.manifest = manifest;
        this.code = code;
        this.command = command;
        this.environment = Map.copyOf(environment);
        this.functionLog = LoggerFactory.getLogger("eddy.function." + manifest.name());
        this.perWorker = Math.max(1, perWorker);
        this.most = Math.max(1, most);
    }

    /** The processes for this many workers of the function. */
    int sizeFor(int workers) {
        return workers <= 0 ? 0 : (int) Math.min(most, (long) workers * perWorker);
    }

    /**
     * Starts the processes of one worker and waits until each listens (its handler opened): a handler that cannot
     * be imported or opened fails the deploy here.
     */
    @Override
    public void open() throws Exception {
        long began = System.nanoTime();
        try {
            synchronized (this) {
                resize(sizeFor(1));
            }
            for (Instance instance : pool) {
                instance.awaitListening();
            }
        } catch (Exception | Error e) {
            close(); // none is left running when the function does not start
            throw e;
        }
        opened = true;
        log.info("Function '{}': {} {} process(es) listening after {} ms", manifest.name(), pool.size(),
                runtimeName(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
    }

    /**
     * The function runs this many workers here now: as many processes as they need are started (without waiting:
     * a call waits for a live one), or the last ones are retired — taken out of the rotation at once, and stopped
     * after {@link #RETIRE_GRACE} (SIGTERM: the calls in hand are answered first). None at zero.
     */
    @Override
    public synchronized void workers(int count) {
        if (closing || !opened) {
            return;
        }
        int before = pool.size();
        try {
            resize(sizeFor(count));
        } catch (IOException e) {
            functionLog.error("The {} processes could not be started for {} worker(s): {}", runtimeName(), count,
                    e.toString());
        }
        if (pool.size() != before) {
            log.info("Function '{}': {} {} process(es) for {} worker(s) (was {})", manifest.name(), pool.size(),
                    runtimeName(), count, before);
        }
    }

    /** Starts or retires processes until there are this many. Called holding {@code this}. */
    private void resize(int size) throws IOException {
        while (pool.size() > size) {
            pool.remove(pool.size() - 1).retire();
        }
        while (pool.size() < size) {
            Instance instance = new Instance(started.getAndIncrement());
            instance.start(); // one that cannot be started is not kept
            pool.add(instance);
        }
    }

    @Override
    public URI pick(Duration wait) throws IOException, InterruptedException {
        // A wait for a process to start listening: the machine's time, as the processes' own.
        long until = System.nanoTime() + wait.toNanos();
        synchronized (live) {
            while (true) {
                List<Instance> now = List.copyOf(pool);
                for (int tried = 0; tried < now.size(); tried++) {
                    URI url = now.get(Math.floorMod(next.getAndIncrement(), now.size())).url;
                    if (url != null) {
                        return url;
                    }
                }
                long left = TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime());
                if (closing || left <= 0) {
                    throw new IOException("none of function '" + manifest.name() + "''s " + runtimeName()
                            + " processes is up" + (closing ? " (the function is stopping)" : ""));
                }
                live.wait(Math.min(left, 1_000));
            }
        }
    }

    @Override
    public void failed(URI endpoint, Exception failure) {
        for (Instance instance : pool) {
            if (!endpoint.equals(instance.url)) {
                continue;
            }
            if (failure instanceof HttpTimeoutException) {
                functionLog.warn("A {} process (pid {}) did not answer within the function's timeout: killed,"
                        + " and started again", runtimeName(), instance.pid());
                instance.kill();
            } else if (instance.pid() < 0 || failure instanceof java.net.ConnectException) {
                // Gone (its exit may not have been seen yet): no more calls to it until it listens again.
                instance.url = null;
            }
        }
    }

    /** The processes' ids (for tests and ./eddy status). */
    public List<Long> pids() {
        return pool.stream().map(Instance::pid).filter(pid -> pid > 0).toList();
    }

    /** How many times a process was started again after it died. */
    public int restarts() {
        return pool.stream().mapToInt(instance -> instance.restarts).sum();
    }

    @Override
    public void close() {
        List<Instance> all = new java.util.ArrayList<>();
        synchronized (this) {
            closing = true;
            all.addAll(pool);
            pool.clear();
        }
        all.addAll(retiring); // stopped now, not after their grace
        all.forEach(Instance::signalStop); // all at once: each answers its calls in hand and closes
        all.forEach(Instance::awaitStopped);
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

    /** One process, started again when it dies until it is retired. */
    private final class Instance {
        private final int index;
        private volatile Process process;
        private volatile URI url;
        private volatile CompletableFuture<URI> listening = new CompletableFuture<>();
        private final Deque<String> stderr = new ArrayDeque<>();
        private volatile int restarts;
        private volatile long startedNanos;
        private long backoffMillis = FIRST_RESTART_MILLIS;
        private volatile boolean retired;

        Instance(int index) {
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
            if (closing || retired) {
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
                // Under the pool's lock, as it retires and closes: a process retired or closed meanwhile is not
                // started (its stop would have missed it).
                synchronized (LanguageProcesses.this) {
                    if (closing || retired) {
                        return;
                    }
                    try {
                        restarts++;
                        start();
                    } catch (IOException e) {
                        functionLog.error("The {} process could not be started again: {}", runtimeName(),
                                e.toString());
                    }
                }
            });
        }

        void kill() {
            Process running = process;
            if (running != null) {
                running.destroyForcibly();
            }
        }

        /** Out of the rotation now; stopped once the calls that picked it have had time to reach it. */
        void retire() {
            retired = true;
            url = null;
            retiring.add(this);
            Thread.ofVirtual().name("eddy-" + manifest.name() + "-retire-" + index).start(() -> {
                sleepQuietly(RETIRE_GRACE.toMillis());
                signalStop();
                awaitStopped();
            });
        }

        /** SIGTERM, without waiting: the batches in hand are answered, then the handler's close() runs. */
        void signalStop() {
            Process running = process;
            if (running != null) {
                running.destroy();
            }
        }

        /** Waits for a signalled process to exit: killed after 5 s. */
        void awaitStopped() {
            Process running = process;
            try {
                if (running == null) {
                    return;
                }
                if (!running.waitFor(5, TimeUnit.SECONDS)) {
                    running.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                running.destroyForcibly();
                Thread.currentThread().interrupt();
            } finally {
                retiring.remove(this);
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
