package dev.eddy.engine.cli;

import dev.eddy.sdk.FunctionConfig;
import java.time.Duration;
import picocli.CommandLine;

/** Reads durations as people write them: {@code 500ms}, {@code 20s}, {@code 5m}, {@code 1h}, or ISO-8601. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        try {
            return FunctionConfig.parseDuration(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
