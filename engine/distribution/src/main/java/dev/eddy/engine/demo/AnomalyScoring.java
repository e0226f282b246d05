package dev.eddy.engine.demo;

import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.Installation;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.manifest.FunctionFactory;
import dev.eddy.engine.manifest.ManifestParser;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The demo's inference step: {@code examples/anomaly-python}, a Python function the engine runs, scoring every
 * checked reading of {@code iot.readings} with a scikit-learn model and writing the anomalies to
 * {@code iot.anomalies}. It needs a Python 3.11+ with scikit-learn ({@code EDDY_PYTHON}, else {@code python3}, else
 * Debian's {@code /usr/bin/python3}); without one the demo says it is skipped, and why. The model is trained by the
 * example's {@code train.py} when it has not been yet.
 */
final class AnomalyScoring {

    static final String EXAMPLE = "examples/anomaly-python";
    static final String ANOMALIES = "iot.anomalies";
    private static final long TRAIN_TIMEOUT_SECONDS = 300;

    private final RunningFunction function;

    private AnomalyScoring(RunningFunction function) {
        this.function = function;
    }

    /** Deploys the example on the platform, or says on {@code out} why not. */
    static Optional<AnomalyScoring> start(LocalPlatform platform, PrintStream out) {
        Optional<Path> folder = Installation.find(EXAMPLE, "function.yaml");
        if (folder.isEmpty()) {
            out.println("Anomaly scoring in Python: skipped (" + EXAMPLE + " is not in this installation).");
            return Optional.empty();
        }
        List<String> tried = new ArrayList<>();
        Optional<String> python = pythonWithScikitLearn(tried);
        if (python.isEmpty()) {
            out.println("Anomaly scoring in Python: skipped (no Python 3.11+ with scikit-learn: tried "
                    + String.join(", ", tried) + "; on Debian: apt-get install python3-sklearn, or set EDDY_PYTHON).");
            return Optional.empty();
        }
        try {
            if (!Files.exists(folder.get().resolve("model.pkl"))) {
                out.println("Training the anomaly model (" + EXAMPLE + "/train.py, on generated readings)…");
                out.println("  " + run(folder.get(), python.get(), "train.py"));
            }
            dev.eddy.engine.kafka.Topics.createIfMissing(platform.engine().admin(), ANOMALIES,
                    LocalPlatform.PARTITIONS);
            String interpreter = python.get();
            FunctionDefinition definition = new FunctionFactory(name -> name.equals("EDDY_PYTHON") ? interpreter
                    : System.getenv(name)).definition(ManifestParser.parse(Files.readString(folder.get()
                            .resolve("function.yaml"))), null, folder.get());
            RunningFunction function = platform.engine().deploy(definition);
            out.println("Anomaly scoring in Python: " + function.name() + " (" + EXAMPLE + ", scikit-learn, run by "
                    + interpreter + ") reads " + LocalPlatform.READINGS + ", writes " + ANOMALIES + ".");
            return Optional.of(new AnomalyScoring(function));
        } catch (IOException | RuntimeException e) {
            out.println("Anomaly scoring in Python: skipped (" + e.getMessage() + ").");
            return Optional.empty();
        }
    }

    /** Waits (a while) until it has scored this many readings. */
    void awaitScored(long readings) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (function.stats().processed() < readings && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(50); // polling counters owned by the function's threads
        }
    }

    void summary(PrintStream out, double seconds) {
        var stats = function.stats();
        out.printf(Locale.ROOT, "  anomalies  %,10d of %,d readings scored by the Python model on %s (%,.0f/s, as"
                + " they came), %d failed%n", stats.emitted(), stats.processed(), ANOMALIES,
                stats.processed() / seconds, stats.failed());
    }


    private static Optional<String> pythonWithScikitLearn(List<String> tried) {
        List<String> candidates = new ArrayList<>();
        String given = System.getenv("EDDY_PYTHON");
        if (given != null && !given.isBlank()) {
            candidates.add(given);
        }
        candidates.add("python3");
        candidates.add("/usr/bin/python3");
        for (String python : candidates.stream().distinct().toList()) {
            tried.add(python);
            try {
                Process check = new ProcessBuilder(python, "-c",
                        "import sys, sklearn; sys.exit(sys.version_info < (3, 11))").redirectErrorStream(true).start();
                check.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                if (check.waitFor(60, TimeUnit.SECONDS) && check.exitValue() == 0) {
                    return Optional.of(python);
                }
                check.destroyForcibly();
            } catch (IOException e) {
                // not there: the next
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** Runs a script of the example; its last line of output. */
    private static String run(Path folder, String python, String script) throws IOException {
        Process process = new ProcessBuilder(python, script).directory(folder.toFile()).redirectErrorStream(true)
                .start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(TRAIN_TIMEOUT_SECONDS, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IOException(script + " failed: " + output);
            }
            String[] lines = output.split("\n");
            return lines[lines.length - 1];
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException(script + " was interrupted", e);
        }
    }
}
