package dev.eddy.sdk.testing;

import dev.eddy.sdk.Environment;
import dev.eddy.sdk.FunctionConfig;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/** The environment the test kit's testers give a function: what the test set up, a recording logger, its clock. */
record TestEnvironment(String functionName, String version, FunctionConfig config,
        Map<String, String> secrets, System.Logger logger, Clock clock, Optional<String> schemaRegistryUrl)
        implements Environment {

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
