package dev.eddy.sdk;

import java.time.Clock;
import java.util.Optional;

/**
 * What a function may know of where it runs: its name and version, its own configuration and secrets, a logger
 * and a clock. Given to {@link Handler#open} and, through {@link Context}, to every call.
 */
public interface Environment {

    /** The name the function was deployed under. */
    String functionName();

    /** The deployed version, from the manifest; {@code "1"} when none was given. */
    String version();

    /** The function's own configuration values (the manifest's {@code config}). */
    FunctionConfig config();

    /**
     * A secret by the name the manifest gives it; the value is resolved by the engine (never written in the
     * manifest itself).
     *
     * @throws IllegalArgumentException when the function has no secret of that name
     */
    String secret(String name);

    /** The function's logger: its lines carry the function's name and go where the engine's logs go. */
    System.Logger logger();

    /** The clock to read the time from, so that a test can move it. */
    Clock clock();

    /**
     * The address of the schema registry (the Confluent REST API) the engine was given ({@code
     * schema.registry.url}; {@code ./eddy dev} and the demo start one), for codecs of schema-typed values such as
     * {@code AvroCodec}; empty when the engine has none.
     */
    default Optional<String> schemaRegistryUrl() {
        return Optional.empty();
    }

    /**
     * A table the function declared ({@link Lifecycle#tables()}), as the engine keeps it: read to its end before the
     * function's first event, and followed from then on, so that a lookup sees the table's records up to a moment
     * ago.
     *
     * @throws IllegalArgumentException when the function declared no such table
     */
    default <V> Table<V> table(TableSpec<V> table) {
        throw new IllegalArgumentException("function '" + functionName() + "' has no " + table + ": list it in its"
                + " tables() and give its topic in the manifest's tables");
    }
}
