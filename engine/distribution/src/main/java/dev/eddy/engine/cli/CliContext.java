package dev.eddy.engine.cli;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import picocli.CommandLine;

/**
 * Where the running local platform is: {@code ./eddy dev} (and {@code ./eddy cluster up}) write its admin API, Kafka
 * bootstrap servers, metrics endpoint, schema registry and token file to {@code .eddy/context.properties}, and every
 * later command takes them as its defaults, so that a platform on other ports needs no flags. An option given on the
 * command line still wins; without a context the fixed defaults (the ports {@code ./eddy dev} uses unless told
 * otherwise) apply. The file is removed when the platform that wrote it stops.
 */
final class CliContext {

    static final String API = "api";
    static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    static final String METRICS_URL = "metrics.url";
    static final String SCHEMA_REGISTRY = "schema.registry";
    static final String TOKEN_FILE = "token.file";

    /** The options whose defaults come from the context, by their long name. */
    private static final Map<String, String> OPTIONS = Map.of("--api", API, "--bootstrap-servers", BOOTSTRAP_SERVERS,
            "--metrics-url", METRICS_URL);

    private CliContext() {
    }

    static Path file() {
        return Path.of(System.getProperty("eddy.home", "."), ".eddy", "context.properties");
    }

    /** The context's settings; none when no platform wrote one (or it cannot be read). */
    static Properties read() {
        Properties context = new Properties();
        Path file = file();
        if (Files.isRegularFile(file)) {
            try (Reader in = Files.newBufferedReader(file)) {
                context.load(in);
            } catch (IOException e) {
                // an unreadable context is no context: the fixed defaults apply
            }
        }
        return context;
    }

    /** One setting of the context. */
    static Optional<String> get(String key) {
        return Optional.ofNullable(read().getProperty(key)).filter(value -> !value.isBlank());
    }

    /** Writes the context of a platform that has started (replacing any other's), atomically. */
    static void write(Map<String, String> settings) {
        Properties context = new Properties();
        context.putAll(settings);
        Path file = file();
        try {
            Files.createDirectories(file.getParent());
            Path next = file.resolveSibling(file.getFileName() + ".next");
            try (Writer out = Files.newBufferedWriter(next)) {
                context.store(out, "Where the running Eddy platform is; written by ./eddy dev, used as the CLI's"
                        + " defaults");
            }
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
    }

    /** Removes the context when it is still the one these settings wrote (a later platform may have replaced it). */
    static void remove(Map<String, String> settings) {
        Properties context = read();
        if (!context.isEmpty() && context.equals(toProperties(settings))) {
            try {
                Files.deleteIfExists(file());
            } catch (IOException e) {
                // a stale context only gives defaults that no longer answer; the next platform replaces it
            }
        }
    }

    private static Properties toProperties(Map<String, String> settings) {
        Properties properties = new Properties();
        properties.putAll(settings);
        return properties;
    }

    /** Picocli's defaults from the context, for the options that have a fixed default otherwise. */
    static CommandLine.IDefaultValueProvider defaults() {
        Properties context = read();
        return arg -> {
            if (!(arg instanceof CommandLine.Model.OptionSpec option) || option.defaultValue() == null) {
                return null; // required options stay required; options without a default keep none
            }
            String key = OPTIONS.get(option.longestName());
            String value = key == null ? null : context.getProperty(key);
            return value == null || value.isBlank() ? null : value;
        };
    }
}
