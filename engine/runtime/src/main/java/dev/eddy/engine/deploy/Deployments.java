package dev.eddy.engine.deploy;

import dev.eddy.engine.EddyException;
import dev.eddy.engine.Engine;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.kafka.Topics;
import dev.eddy.engine.manifest.FunctionFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The functions deployed on an engine through its admin API, by version: deploying loads and checks the new
 * version completely before the running one is touched; replacing stops the running version (its records in
 * flight complete and are committed) and starts the new one on the same consumer group, so nothing is lost or
 * handled twice; a rollback does the same with the version before. If the new version fails to start, the one
 * before is started again.
 *
 * <p>Threading: every method is synchronized; deployments are rare.
 */
public final class Deployments implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Deployments.class);
    /** The versions of a function kept for rollbacks, the running one included. */
    public static final int MAX_VERSIONS = 5;

    private final Engine engine;
    private final FunctionFactory factory;
    private final Path jarDir;
    /** Where the versions are kept for restarts and other engines; null to keep them in memory only. */
    private final FunctionStore store;
    /** Partitions of the input and output topics made when missing (local mode); 0 to make none. */
    private int missingTopicPartitions;
    /** Per function, its versions in the order deployed; the last is running. */
    private final Map<String, List<Loaded>> history = new LinkedHashMap<>();
    /** Follows the store for changes made through other engines; null until {@link #following}. */
    private volatile AutoCloseable follower;

    /** One deployed version: its archive and the class loader its handler came from (null for remote). */
    private record Loaded(FunctionArchive archive, FunctionClassLoader loader, Path code) {
    }

    /** A rollback with no earlier version to go back to. */
    public static final class NothingToRollBackException extends EddyException {
        NothingToRollBackException(String message) {
            super(message);
        }
    }

    /** What a deployment did. */
    public record Outcome(String function, String version, String previousVersion, RunningFunction running) {
    }

    /**
     * @param jarDir where uploaded jars are kept while their versions are deployed
     * @param store  where the versions are kept durably, or null for this engine's lifetime only
     */
    public Deployments(Engine engine, FunctionFactory factory, Path jarDir, FunctionStore store) {
        this.engine = engine;
        this.factory = factory;
        this.jarDir = jarDir;
        this.store = store;
    }

    /**
     * Creates a function's missing input and output topics, with this many partitions, when it is deployed: for
     * local development. By default no topic is made and a function whose topics are missing fails to start.
     */
    public synchronized Deployments creatingMissingTopics(int partitions) {
        this.missingTopicPartitions = partitions;
        return this;
    }

    /**
     * Starts the running version of every function in the store, with its earlier versions for rollbacks. A
     * function that cannot be started is logged and skipped; the others start.
     *
     * @return how many functions started
     */
    public synchronized int restore() {
        if (store == null) {
            return 0;
        }
        int started = 0;
        for (Map.Entry<String, List<FunctionArchive>> function : store.load().entrySet()) {
            if (adopt(function.getKey(), function.getValue(), "restored from " + store.functionsTopic())) {
                started++;
            }
        }
        return started;
    }

    /**
     * Keeps this engine running what the store holds from now on, as other engines of the cluster deploy, update,
     * roll back and undeploy functions through their own APIs: a thread follows the store's topic
     * and, after each change, starts the stored running version of every function whose running version here
     * differs, and stops the functions no longer stored. A change this engine made itself finds nothing to do.
     */
    public synchronized Deployments following() {
        if (store != null && follower == null) {
            follower = store.follow(this::reconcile);
        }
        return this;
    }

    /**
     * Brings this engine in line with the store (see {@link #following}). The jars are read only when a function
     * runs another version here than the store's.
     */
    synchronized void reconcile() {
        Map<String, String> stored = store.runningVersions();
        List<String> changed = stored.keySet().stream().filter(name -> !stored.get(name).equals(runningSha(name)))
                .toList();
        if (!changed.isEmpty()) {
            Map<String, List<FunctionArchive>> loaded = store.load();
            changed.stream().filter(loaded::containsKey)
                    .forEach(name -> adopt(name, loaded.get(name), "deployed through another engine"));
        }
        for (String name : List.copyOf(history.keySet())) {
            if (!stored.containsKey(name)) {
                log.info("Function '{}' was undeployed through another engine; stopping it here", name);
                engine.undeploy(name);
                history.remove(name).forEach(this::discard);
            }
        }
    }

    /** The SHA-256 of the version of a function running here, or null. */
    private String runningSha(String name) {
        List<Loaded> running = history.get(name);
        return running == null ? null : running.get(running.size() - 1).archive().sha256();
    }

    /**
     * Runs the last of a function's stored versions in place of whatever version of it runs here, keeping the
     * others for rollbacks; on failure, logs it and leaves what ran before running.
     */
    private boolean adopt(String name, List<FunctionArchive> archives, String how) {
        List<Loaded> versions = new ArrayList<>();
        try {
            for (FunctionArchive archive : archives) {
                versions.add(load(archive));
            }
            Loaded current = versions.get(versions.size() - 1);
            List<Loaded> before = history.get(name);
            replace(name, factory.definition(current.archive().manifest(), current.loader(), current.code()),
                    before == null ? null : before.get(before.size() - 1));
            history.put(name, versions);
            if (before != null) {
                before.forEach(this::discard);
            }
            log.info("Function '{}' version {} {}", name, current.archive().manifest().version(), how);
            return true;
        } catch (RuntimeException e) {
            versions.forEach(this::discard);
            log.error("Function '{}' could not be started ({}): {}", name, how, e.getMessage(), e);
            return false;
        }
    }

    /**
     * Deploys a function version, replacing the running one of that name.
     *
     * @throws dev.eddy.engine.InvalidFunctionException when the archive does not make a function; nothing changed
     * @throws EddyException when the new version failed to start; the previous one runs again
     */
    public synchronized Outcome deploy(FunctionArchive archive) {
        String name = archive.manifest().name();
        Loaded loaded = load(archive);
        FunctionDefinition definition;
        try {
            definition = factory.definition(archive.manifest(), loaded.loader(), loaded.code());
        } catch (RuntimeException e) {
            discard(loaded);
            throw e;
        }
        List<Loaded> versions = history.getOrDefault(name, new ArrayList<>());
        Loaded previous = versions.isEmpty() ? null : versions.get(versions.size() - 1);
        RunningFunction running;
        try {
            running = replace(name, definition, previous);
        } catch (RuntimeException e) {
            discard(loaded);
            throw e;
        }
        versions.add(loaded);
        while (versions.size() > MAX_VERSIONS) {
            discard(versions.remove(0)); // rollbacks go back this far; older versions are let go
        }
        history.put(name, versions);
        save(name, versions);
        return new Outcome(name, archive.manifest().version(),
                previous == null ? null : previous.archive().manifest().version(), running);
    }

    /**
     * Goes back to the version deployed before the running one; the running one is forgotten.
     *
     * @throws NothingToRollBackException when there is no version to go back to
     */
    public synchronized Outcome rollback(String name) {
        List<Loaded> versions = history.get(name);
        if (versions == null || versions.size() < 2) {
            throw new NothingToRollBackException("Function '" + name + "' has no earlier version to roll back to"
                    + (versions == null ? " (it is not deployed)" : "; it has only version "
                    + versions.get(0).archive().manifest().version()));
        }
        Loaded current = versions.get(versions.size() - 1);
        Loaded target = versions.get(versions.size() - 2);
        FunctionDefinition definition = factory.definition(target.archive().manifest(), target.loader(), target.code());
        RunningFunction running = replace(name, definition, current);
        versions.remove(versions.size() - 1);
        discard(current);
        save(name, versions);
        return new Outcome(name, target.archive().manifest().version(), current.archive().manifest().version(),
                running);
    }

    /** Stops a function (its records in flight complete and are committed) and forgets its versions. */
    public synchronized boolean undeploy(String name) {
        List<Loaded> versions = history.remove(name);
        engine.undeployForGood(name);
        if (versions != null && store != null) {
            store.remove(name);
        }
        if (versions != null) {
            versions.forEach(this::discard);
        }
        return versions != null;
    }

    /** The versions of a function, oldest first. */
    public synchronized List<String> versions(String name) {
        return history.getOrDefault(name, List.of()).stream().map(l -> l.archive().manifest().version()).toList();
    }

    public synchronized Optional<FunctionArchive> archive(String name) {
        List<Loaded> versions = history.get(name);
        return versions == null ? Optional.empty() : Optional.of(versions.get(versions.size() - 1).archive());
    }

    /** Stops the running version (drained and committed) and starts the definition; on failure, the old again. */
    private RunningFunction replace(String name, FunctionDefinition definition, Loaded previous) {
        java.util.Optional<RunningFunction> current = engine.function(name);
        String refusal = current.map(running -> dev.eddy.engine.internal.windows.WindowedUpdate.refusal(
                running.definition(), definition)).orElse(null);
        if (refusal != null) {
            // Refused before anything stops: the running version goes on untouched.
            throw new dev.eddy.engine.InvalidFunctionException("window", definition.window() == null ? null
                    : definition.window().toString(), "a version that can take over the running one's windows; "
                    + refusal);
        }
        if (missingTopicPartitions > 0) {
            definition.inputs().forEach(topic -> Topics.createIfMissing(engine.admin(), topic, missingTopicPartitions));
            definition.outputs().values().forEach(topic -> Topics.createIfMissing(engine.admin(), topic, missingTopicPartitions));
        }
        boolean replacing = engine.function(name).isPresent();
        try {
            // The running version stops only once the new one's handler is open: one whose code fails as it is set
            // up leaves it running, untouched.
            RunningFunction running = replacing ? engine.replace(definition) : engine.deploy(definition);
            log.info("Function '{}' version {} is running", name, definition.version());
            return running;
        } catch (dev.eddy.engine.FunctionCodeException e) {
            throw e;
        } catch (RuntimeException e) {
            if (previous != null) {
                log.warn("Function '{}' version {} failed to start ({}); starting version {} again", name,
                        definition.version(), e.getMessage(), previous.archive().manifest().version());
                engine.deploy(factory.definition(previous.archive().manifest(), previous.loader(), previous.code()));
            }
            throw e;
        }
    }

    private void save(String name, List<Loaded> versions) {
        if (store != null) {
            store.save(name, versions.stream().map(Loaded::archive).toList());
        }
    }

    private Loaded load(FunctionArchive archive) {
        if (archive.jar() == null) {
            return new Loaded(archive, null, null);
        }
        if (archive.manifest().isLanguage()) {
            // A Python or Node.js function's folder, unpacked once per version (named by its checksum).
            return new Loaded(archive, null, dev.eddy.engine.language.LanguageCode.unpack(archive.jar(),
                    jarDir.resolve(archive.manifest().name() + "-" + archive.sha256().substring(0, 16)),
                    archive.manifest(), System::getenv));
        }
        try {
            Files.createDirectories(jarDir);
            Path jar = jarDir.resolve(archive.manifest().name() + "-" + archive.sha256().substring(0, 16) + ".jar");
            if (!Files.exists(jar) || Files.size(jar) != archive.jar().length) {
                // Named by its checksum: a jar kept already is not written again under a class loader reading it.
                Files.write(jar, archive.jar());
            }
            return new Loaded(archive, new FunctionClassLoader(archive.manifest().name(), jar), null);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot keep the jar of function '" + archive.manifest().name() + "' in "
                    + jarDir, e);
        }
    }

    private void discard(Loaded loaded) {
        if (loaded.loader() != null) {
            try {
                loaded.loader().close();
            } catch (IOException e) {
                log.warn("Closing the class loader of function '{}' failed: {}", loaded.archive().manifest().name(),
                        e.toString());
            }
        }
    }

    /** Stops every function deployed here; the store keeps them for the next start. */
    @Override
    public void close() {
        if (follower != null) {
            try {
                follower.close(); // outside the lock: a reconcile in progress finishes first
            } catch (Exception e) {
                log.warn("Stopping the function store follower failed: {}", e.toString());
            }
        }
        stopAll();
    }

    private synchronized void stopAll() {
        for (String name : List.copyOf(history.keySet())) {
            engine.undeploy(name);
            history.remove(name).forEach(this::discard);
        }
    }
}
