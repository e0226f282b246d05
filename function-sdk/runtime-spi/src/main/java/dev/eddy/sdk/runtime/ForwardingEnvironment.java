package dev.eddy.sdk.runtime;

import dev.eddy.sdk.Environment;
import dev.eddy.sdk.FunctionConfig;
import java.time.Clock;
import java.util.Optional;

/** For runtimes (the engine, the test kit): a call's context answers what the function's environment answers. */
public interface ForwardingEnvironment extends Environment {

    /** The environment to answer from. */
    Environment environment();

    @Override
    default String functionName() {
        return environment().functionName();
    }

    @Override
    default String version() {
        return environment().version();
    }

    @Override
    default FunctionConfig config() {
        return environment().config();
    }

    @Override
    default String secret(String name) {
        return environment().secret(name);
    }

    @Override
    default System.Logger logger() {
        return environment().logger();
    }

    @Override
    default Clock clock() {
        return environment().clock();
    }

    @Override
    default Optional<String> schemaRegistryUrl() {
        return environment().schemaRegistryUrl();
    }

    @Override
    default <V> dev.eddy.sdk.Table<V> table(dev.eddy.sdk.TableSpec<V> table) {
        return environment().table(table);
    }
}
