package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.EddyException;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.telemetry.FunctionLogger;
import dev.eddy.engine.telemetry.Telemetry;
import dev.eddy.sdk.Environment;
import dev.eddy.sdk.FunctionConfig;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A deployed function's {@link Environment}: its definition's name, version, config and secrets, a logger named
 * {@code eddy.function.<name>} (to the engine's log, and structured to the logs topic), the time (the system's,
 * or a test's {@link Ticker}), the engine's schema registry and its telemetry. It also opens and closes the
 * function's handler.
 *
 * <p>Threading: immutable; read from every thread of the function. Owns nothing but the handler's lifecycle.
 */
public record FunctionEnvironment(FunctionDefinition definition, FunctionLogger logger, Ticker ticker,
        Optional<String> schemaRegistryUrl, Telemetry telemetry,
        dev.eddy.engine.internal.tables.FunctionTables tables) implements Environment {

    /** The environment of a function run with these settings, outside an engine's telemetry. */
    public static FunctionEnvironment of(FunctionDefinition definition, EngineConfig config) {
        return of(definition, config, Telemetry.LOCAL);
    }

    /** The environment of a function deployed on an engine with these settings and telemetry. */
    public static FunctionEnvironment of(FunctionDefinition definition, EngineConfig config, Telemetry telemetry) {
        String registry = config.getString(EngineConfig.SCHEMA_REGISTRY_URL);
        return new FunctionEnvironment(definition, new FunctionLogger(definition.name(), definition.version(),
                telemetry.engine(), telemetry.logs()), Ticker.SYSTEM,
                registry.isBlank() ? Optional.empty() : Optional.of(registry.strip()), telemetry,
                dev.eddy.engine.internal.tables.FunctionTables.none());
    }

    /** The same environment with the function's tables (read to their ends when the handler is opened). */
    public FunctionEnvironment withTables(dev.eddy.engine.internal.tables.FunctionTables functionTables) {
        return new FunctionEnvironment(definition, logger, ticker, schemaRegistryUrl, telemetry, functionTables);
    }

    /** The same environment on another time (a test's). */
    public FunctionEnvironment withTicker(Ticker time) {
        return new FunctionEnvironment(definition, logger, time, schemaRegistryUrl, telemetry, tables);
    }

    @Override
    public Clock clock() {
        return ticker.clock();
    }

    @Override
    public String functionName() {
        return definition.name();
    }

    @Override
    public String version() {
        return definition.version();
    }

    @Override
    public FunctionConfig config() {
        return definition.config();
    }

    @Override
    public String secret(String name) {
        Map<String, String> secrets = definition.secrets();
        String value = secrets.get(name);
        if (value == null) {
            throw new IllegalArgumentException("function '" + definition.name() + "' has no secret '" + name
                    + "'; it has " + (secrets.isEmpty() ? "none" : new TreeSet<>(secrets.keySet())));
        }
        return value;
    }

    @Override
    public <V> dev.eddy.sdk.Table<V> table(dev.eddy.sdk.TableSpec<V> table) {
        dev.eddy.sdk.Table<V> view = tables.view(table);
        return view != null ? view : Environment.super.table(table);
    }

    /**
     * Loads the function's tables, then calls the handler's {@code open}.
     *
     * @throws EddyException when a table cannot be loaded, or {@code open} throws, with its message
     */
    public void openHandler() {
        try {
            tables.load();
        } catch (RuntimeException e) {
            tables.close();
            throw e;
        }
        try {
            definition.lifecycle().open(this);
        } catch (Exception | LinkageError e) {
            throw new dev.eddy.engine.FunctionCodeException("Function '" + definition.name() + "' failed in open(): "
                    + e, e);
        }
    }

    /** Calls the handler's {@code close} (a failure is logged, not thrown), and stops following its tables. */
    public void closeHandler() {
        try {
            definition.lifecycle().close();
        } catch (Exception | LinkageError e) {
            logger.log(System.Logger.Level.WARNING, "Function '" + definition.name() + "' failed in close()", e);
        } finally {
            tables.close();
        }
    }
}
