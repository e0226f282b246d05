package dev.eddy.sdk.testing;

import dev.eddy.sdk.Environment;
import dev.eddy.sdk.FunctionConfig;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/** The environment the test kit's testers give a function: what the test set up, a recording logger, its clock. */
record TestEnvironment(String functionName, String version, FunctionConfig config,
        Map<String, String> secrets, System.Logger logger, Clock clock, Optional<String> schemaRegistryUrl,
        Map<String, Map<String, byte[]>> tables) implements Environment {

    /** The tables' rows the test gave, by table name and key (UTF-8): the test's own map, read as it changes. */
    @Override
    public <V> dev.eddy.sdk.Table<V> table(dev.eddy.sdk.TableSpec<V> table) {
        Map<String, byte[]> rows = tables.get(table.name());
        if (rows == null) {
            return Environment.super.table(table);
        }
        return new dev.eddy.sdk.Table<>() {
            @Override
            public Optional<V> get(byte[] key) {
                byte[] value = rows.get(new String(key, java.nio.charset.StandardCharsets.UTF_8));
                return value == null ? Optional.empty() : Optional.ofNullable(table.codec().decode(value));
            }

            @Override
            public long size() {
                return rows.size();
            }
        };
    }

    @Override
    public String secret(String secretName) {
        String value = secrets.get(secretName);
        if (value == null) {
            throw new IllegalArgumentException("function '" + functionName + "' has no secret '" + secretName
                    + "'; it has " + (secrets.isEmpty() ? "none" : secrets.keySet()));
        }
        return value;
    }
}
