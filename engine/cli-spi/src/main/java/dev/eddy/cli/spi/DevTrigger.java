package dev.eddy.cli.spi;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One {@code --trigger <kind>=<file>} of {@code ./eddy dev}: an adapter kind and its configuration file.
 *
 * @param kind          {@code mqtt}, {@code http}, {@code logs}, {@code cdc}, {@code timer}: the provider checks it
 * @param configuration the adapter's YAML file; without a {@code kafka} section it gets the platform's
 */
public record DevTrigger(String kind, Path configuration) {

    public DevTrigger {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(configuration, "configuration");
    }

    /**
     * @param option the option's value, {@code <kind>=<file>}
     * @throws IllegalArgumentException naming the value and the form it should have
     */
    public static DevTrigger parse(String option) {
        int equals = option.indexOf('=');
        if (equals < 1 || equals == option.length() - 1) {
            throw new IllegalArgumentException("--trigger is '" + option + "': give <kind>=<file>, such as"
                    + " mqtt=mqtt.yaml");
        }
        return new DevTrigger(option.substring(0, equals).trim(), Path.of(option.substring(equals + 1).trim()));
    }
}
