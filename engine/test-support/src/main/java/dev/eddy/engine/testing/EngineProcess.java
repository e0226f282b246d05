package dev.eddy.engine.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An engine in a process of its own ({@code eddy run}), started from this JVM's classpath, so that a test can kill
 * it with SIGKILL or stop it with SIGTERM as an operator or a crash would. Its output goes to a log file.
 */
public final class EngineProcess implements AutoCloseable {

    private final String subcommand;
    private final List<String> arguments;
    private final Path log;
    private final java.util.Map<String, String> environment;
    private Process process;
    private int starts;

    /** @param arguments the arguments of {@code eddy run} */
    public EngineProcess(List<String> arguments, Path log) {
        this("run", arguments, log, java.util.Map.of());
    }

    /**
     * @param subcommand  the eddy command: {@code run} (one function) or {@code engine} (an engine node)
     * @param environment variables added to the process's environment
     */
    public EngineProcess(String subcommand, List<String> arguments, Path log, java.util.Map<String, String> environment) {
        this.subcommand = subcommand;
        this.arguments = List.copyOf(arguments);
        this.log = log;
        this.environment = java.util.Map.copyOf(environment);
    }

    /** Starts the process (again); returns at once. */
    public EngineProcess start() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.eddy.engine.cli.EddyCli");
        command.add(subcommand);
        command.addAll(arguments);
        if ((subcommand.equals("engine") || subcommand.equals("trigger")) && !arguments.contains("--metrics-port")) {
            // Several may run at once: each takes a free port for its metrics rather than the default.
            command.add("--metrics-port");
            command.add("0");
        }
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, "---- start " + (++starts) + "\n", java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(log.toString())));
            builder.environment().putAll(environment);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the engine process", e);
        }
        return this;
    }

    /**
     * Crashes the engine {@code times} times while records flow: each time the output has the next share of the
     * records ({@code records / (times + 1)} more), SIGKILL, then a new start.
     *
     * @param outputs how many records the output holds now
     */
    public void crashEvenlyWhileRecordsFlow(int times, long records, java.util.function.LongSupplier outputs,
            Duration quiet) {
        for (int kill = 1; kill <= times; kill++) {
            long target = kill * records / (times + 1);
            awaitWhileRunning("the output to reach " + target + " records before kill " + kill, quiet,
                    () -> outputs.getAsLong() >= target);
            kill();
            start(); // a restart with the same arguments: an EXACTLY_ONCE engine's instance id fences its former self
        }
    }

    /**
     * Waits for a condition while the process runs: fails at once if the process exits, and on either failure
     * says so with the end of its log, so that a failure in CI can be read without the log file.
     */
    public void awaitWhileRunning(String what, Duration timeout, java.util.function.BooleanSupplier condition) {
        try {
            org.awaitility.Awaitility.await(what).atMost(timeout)
                    .failFast("the engine process exited", () -> !isAlive())
                    .until(condition::getAsBoolean);
        } catch (org.awaitility.core.ConditionTimeoutException | org.awaitility.core.TerminalFailureException e) {
            throw new AssertionError(e.getMessage() + (isAlive() ? "" : " (exit status " + process.exitValue()
                    + ")") + "; the end of " + log + ":\n" + tail(60), e);
        }
    }

    /** The last lines of the process's output. */
    public String tail(int lines) {
        List<String> all = output().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** SIGKILL, as a crash: nothing is finished or committed. Waits until the process is gone. */
    public void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    /**
     * SIGTERM, as an orderly stop: the engine finishes what is in flight and commits.
     *
     * @return the exit status
     */
    public int terminate(Duration timeout) {
        process.destroy();
        return awaitExit(timeout);
    }

    /** SIGSTOP: the process freezes, as one stalled by a long GC pause or a suspended VM; {@link #resume} thaws it. */
    public void freeze() {
        signal("STOP");
    }

    /** SIGCONT. */
    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    private int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("The engine process did not exit within " + timeout + "; see " + log);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The process's output so far. */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (isAlive()) {
            process.destroyForcibly();
            awaitExit(Duration.ofSeconds(30));
        }
    }
}
